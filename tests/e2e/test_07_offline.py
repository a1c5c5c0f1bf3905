#!/usr/bin/env python3
"""Offline: sync from the cache with the server gone; an empty cache is exit 3."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386", "darwin/amd64"]


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    fields = dict(go="1.17", platforms=PLATFORMS, index=srv.url + "index.json", mirrors=[srv.url])
    p = t.project(**fields)
    t.expect_rc(p.run("sync"), 0, "online sync")
    lock = p.lock()
    want = lock["goroot"][e2e.HOST]
    srv.stop()

    q = t.project(**fields)
    q.cache = p.cache
    shutil.copy(p.lock_path, q.lock_path)
    cached = p.archives()
    r = q.run("sync", "--offline")
    t.expect_rc(r, 0, "sync --offline into a fresh install folder, server stopped")
    t.check(e2e.git_tree_hash(q.install) == want, "offline install matches the lock")
    t.check(q.archives() == cached, "cache unchanged")

    # The lock is fresh, so even a plain sync needs no network.
    z = t.project(**fields)
    z.cache = p.cache
    shutil.copy(p.lock_path, z.lock_path)
    r = z.run("sync")
    t.expect_rc(r, 0, "plain sync with a full cache and the server gone", hard=False)

    # lock --offline takes the index from the cache.
    lo = t.project(**fields)
    lo.cache = p.cache
    r = lo.run("lock", "--offline")
    t.expect_rc(r, 0, "lock --offline with a cached index", hard=False)
    if r.rc == 0:
        t.check(lo.lock_bytes() == p.lock_bytes(), "offline lock is byte-identical")

    # Nothing cached: exit 3, nothing installed.
    e = t.project(**fields)
    shutil.copy(p.lock_path, e.lock_path)
    r = e.run("sync", "--offline")
    t.expect_rc(r, 3, "sync --offline with an empty cache", hard=False)
    t.expect_error_line(r, "offline miss")
    t.check(not os.path.exists(e.install) and not e.stage_dirs(), "nothing installed or staged")
    t.check(e.archives() == [], "empty cache stays empty", e.archives())

    # lock --offline with nothing cached: exit 3.
    n = t.project(**fields)
    r = n.run("lock", "--offline")
    t.expect_rc(r, 3, "lock --offline with an empty cache", hard=False)
    t.check(not os.path.exists(n.lock_path), "no lock written")


e2e.run(main)
