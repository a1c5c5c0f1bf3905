#!/usr/bin/env python3
"""A mirror serving wrong bytes: exit 4 naming the file and both sha256s;
nothing installed, nothing cached, no staging folder left."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386"]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        good = e2e.over_http(srv, go="1.17", platforms=PLATFORMS)
        p = t.project(**good)
        # Lock with a good mirror in a throwaway cache, then sync from the bad one.
        lock_cache = p.cache
        t.expect_rc(p.run("lock"), 0, "lock from the good mirror")
        lock_before = p.lock_bytes()
        p.cache = t.cache()
        p.write_manifest(**dict(good, mirrors=[srv.url + "_fault/corrupt/"]))
        r = p.run("sync")
        t.expect_rc(r, 4, "sync from a corrupting mirror", hard=False)
        t.expect_error_line(r, "corrupt")
        files = [e2e.artifact_name("go1.17.13", x) for x in [e2e.HOST] + PLATFORMS]
        named = [f for f in files if f in r.err]
        t.check(named, "stderr names the archive", r.describe())
        for f in named[:1]:
            want = mirror.sha256(f)
            t.expect_in(want, r.err, "stderr has the expected sha256 of %s" % f, r)
            with open(mirror.path(f), "rb") as fh:
                got = hashlib.sha256(e2e.corrupt_bytes(fh.read())).hexdigest()
            t.expect_in(got, r.err, "stderr has the sha256 actually received", r)
        t.check(not os.path.exists(p.install), "nothing installed", p.install)
        t.check(p.archives() == [], "nothing in <cache>/archives", p.archives())
        t.check(not p.stage_dirs(), "no staging folder left", p.stage_dirs())
        t.check(p.lock_bytes() == lock_before, "lock untouched")

        # Truncated bytes: same verdict.
        p.write_manifest(**dict(good, mirrors=[srv.url + "_fault/truncate/"]))
        r = p.run("sync")
        # A short body is a transfer error (3) or a size mismatch (4).
        t.check(r.rc in (3, 4), "sync from a truncating mirror: exit 3 or 4", r.describe())
        t.check(p.archives() == [] and not os.path.exists(p.install),
                "truncated: nothing cached or installed", p.archives())

        # The corrupt mirror first, a good one second: the good bytes win.
        p.write_manifest(**dict(good, mirrors=[srv.url + "_fault/corrupt/", srv.url]))
        r = p.run("sync")
        t.expect_rc(r, 0, "corrupt mirror then good mirror", hard=False)
        if r.rc == 0:
            t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST],
                    "installed tree matches the lock")
        del lock_cache


e2e.run(main)
