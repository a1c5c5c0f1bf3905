"""The cached tree head lives inside the cache and is never reached through
a symbolic link: a link planted in place of <cache>/sumdb is replaced (its
target untouched), and a link in place of the head itself is refused."""

import os
import shutil

import trustlib
from trustlib import e2e


def main(t):
    mirror = t.mirror()
    log = trustlib.Log(t, mirror)
    log.start()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.21", platforms=["linux/arm64"], index=srv.url + "index.json",
                      mirrors=[srv.url], sumdb=log.config(), proxy=[srv.url])
        os.makedirs(p.cache, exist_ok=True)
        outside = t.newdir("outside")
        os.symlink(outside, os.path.join(p.cache, "sumdb"))
        r = p.run("lock")
        t.expect_rc(r, 0, "lock with a link planted at <cache>/sumdb")
        t.check(os.listdir(outside) == [], "the link's target is untouched", os.listdir(outside))
        sumdb = os.path.join(p.cache, "sumdb")
        t.check(os.path.isdir(sumdb) and not os.path.islink(sumdb),
                "<cache>/sumdb is a real folder now")
        latest = trustlib.latest_path(p.cache)
        t.check(os.path.isfile(latest) and not os.path.islink(latest), "the head is cached")

        # The head replaced by a link to a copy elsewhere: refused, not read.
        copy = os.path.join(outside, "latest")
        shutil.copy(latest, copy)
        os.unlink(latest)
        os.symlink(copy, latest)
        r = p.run("lock")
        t.check(r.rc not in (0, "TIMEOUT"), "a link in place of the head is refused (exit %s)"
                % r.rc, r.describe())
        t.expect_error_line(r, "link in place of the head")
        t.expect_in(latest, r.err, "the message names the head's path", r)


e2e.run(main)
