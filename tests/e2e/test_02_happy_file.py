#!/usr/bin/env python3
"""Happy path with file:// index and mirror (air-gapped folder)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HOST = e2e.HOST
PLATFORMS = ["linux/386", "linux/arm", "windows/amd64", "darwin/arm64"]


def main(t):
    mirror = t.mirror()
    version = "go1.17.13"
    p = t.project(go="1.17.13", platforms=PLATFORMS, index=mirror.index_url, mirrors=[mirror.url])
    r = p.run("lock")
    t.expect_rc(r, 0, "lock over file://")
    lock = e2e.check_lock(t, p, mirror, version, HOST, PLATFORMS)
    t.check(lock.get("index") == mirror.index_url, "lock records the index URL", lock.get("index"))
    r = p.run("sync")
    t.expect_rc(r, 0, "sync over file://")
    e2e.check_install(t, p, mirror, version, HOST, PLATFORMS, lock, check_mtime=True)
    t.expect_rc(p.run("check"), 0, "check", hard=False)
    t.expect_rc(p.run("verify"), 0, "verify", hard=False)

    # A sync with no lock yet locks first (like uv sync).
    q = t.project(go="1.17", platforms=PLATFORMS, index=mirror.index_url, mirrors=[mirror.url])
    r = q.run("sync")
    t.expect_rc(r, 0, "sync without a lock")
    t.check(os.path.isfile(q.lock_path), "sync without a lock writes gonative.lock")
    if os.path.isfile(q.lock_path):
        lk = q.lock()
        t.check(lk.get("goroot") == lock.get("goroot"),
                "same GOROOT hash for the same files", (lk.get("goroot"), lock.get("goroot")))
        t.check(e2e.git_tree_hash(q.install) == lk["goroot"][HOST], "install matches its lock")


e2e.run(main)
