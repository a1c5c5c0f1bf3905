#!/usr/bin/env python3
"""sync --frozen refuses a stale lock: exit 1, lock untouched, nothing installed
(or the previous GOROOT kept)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386", "windows/amd64"]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        fields = e2e.over_http(srv, go="1.17", platforms=PLATFORMS)
        p = t.project(**fields)
        t.expect_rc(p.run("lock"), 0, "lock")
        before = p.lock_bytes()

        p.write_manifest(**dict(fields, platforms=PLATFORMS + ["darwin/amd64"]))
        n_archives = len(p.archives())
        r = p.run("sync", "--frozen")
        t.expect_rc(r, 1, "sync --frozen with a platform added")
        t.check(p.lock_bytes() == before, "lock bytes unchanged")
        # Like cargo --locked / uv --locked: name the drift or point at `check`.
        t.check("darwin/amd64" in r.both or "gonative check" in r.err,
                "the error names the drift or points at `gonative check`", r.describe())
        t.check(not os.path.exists(p.install), "nothing installed", p.install)
        t.check(not p.stage_dirs(), "no staging folder", p.stage_dirs())
        t.check(len(p.archives()) == n_archives, "nothing downloaded into the cache", p.archives())

        # With a GOROOT installed, a frozen sync on drift leaves it as it was.
        p.write_manifest(**fields)
        t.expect_rc(p.run("sync", "--frozen"), 0, "sync --frozen with a fresh lock")
        tree = e2e.git_tree_hash(p.install)
        t.check(tree == p.lock()["goroot"][e2e.HOST], "frozen sync installed the locked tree")
        p.write_manifest(**dict(fields, go="1.9"))
        r = p.run("sync", "--frozen")
        t.expect_rc(r, 1, "sync --frozen with the go version changed")
        t.check(p.lock_bytes() == before, "lock bytes unchanged")
        t.check(e2e.git_tree_hash(p.install) == tree, "previous GOROOT kept as it was")
        t.check(not p.stage_dirs(), "no staging folder", p.stage_dirs())

        # No lock at all: --frozen must not create one.
        q = t.project(**fields)
        r = q.run("sync", "--frozen")
        t.check(r.rc not in (0, "TIMEOUT"), "sync --frozen without a lock fails", r.describe())
        t.expect_error_line(r, "sync --frozen without a lock")
        t.check(not os.path.exists(q.lock_path), "no lock created")
        t.check(not os.path.exists(q.install), "nothing installed")


e2e.run(main)
