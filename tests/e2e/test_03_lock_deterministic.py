#!/usr/bin/env python3
"""gonative.lock is byte-identical across runs, working folders (-C, -f),
cache folders and project folders."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["windows/amd64", "linux/386", "darwin/amd64", "linux/arm"]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        fields = e2e.over_http(srv, go="1.17", platforms=PLATFORMS)
        p = t.project(**fields)
        t.expect_rc(p.run("lock"), 0, "first lock")
        first = p.lock_bytes()
        e2e.check_lock(t, p, mirror, "go1.17.13", e2e.HOST, PLATFORMS)

        r = p.run("lock")
        t.expect_rc(r, 0, "second lock")
        t.check(p.lock_bytes() == first, "second run: byte-identical lock")

        os.remove(p.lock_path)
        elsewhere = t.newdir("cwd")
        r = p.run("lock", cwd=elsewhere)  # -C <project> from another folder
        t.expect_rc(r, 0, "lock with -C from another cwd")
        t.check(p.lock_bytes() == first, "-C from another cwd: byte-identical lock")
        t.check(not os.listdir(elsewhere), "nothing written in the cwd", os.listdir(elsewhere))

        os.remove(p.lock_path)
        r = e2e.run_cmd([t.exe, "-f", p.manifest_path, "--cache-dir", p.cache, "lock"],
                        cwd=elsewhere, cache=p.cache)
        t.expect_rc(r, 0, "lock with -f from another cwd")
        t.check(os.path.exists(p.lock_path) and p.lock_bytes() == first,
                "-f: lock written next to the manifest, byte-identical")

        os.remove(p.lock_path)
        r = e2e.run_cmd([t.exe, "--cache-dir", p.cache, "lock"], cwd=p.root, cache=p.cache)
        t.expect_rc(r, 0, "lock from the project folder without -C")
        t.check(p.lock_bytes() == first, "plain cwd: byte-identical lock")

        os.remove(p.lock_path)
        p.cache = t.cache()
        t.expect_rc(p.run("lock"), 0, "lock with a fresh cache")
        t.check(p.lock_bytes() == first, "fresh cache: byte-identical lock")

        # Another project folder, list order and comments changed.
        q = t.project()
        text = e2e.manifest_text(dict(go="1.17", hosts=[e2e.HOST],
                                      platforms=list(reversed(PLATFORMS)),
                                      index=srv.url + "index.json", mirrors=[srv.url]))
        q.write_file("gonative.yaml", "# a comment\n" + text.replace("\n", "  # trailing\n", 1))
        r = q.run("lock")
        t.expect_rc(r, 0, "lock in another folder")
        t.check(q.lock_bytes() == first, "other folder, reordered list, comments: byte-identical",
                "%s\n---\n%s" % (q.lock_bytes().decode(), first.decode()))

        # A lock copied to another folder is fresh there: sync --frozen takes it.
        z = t.project(**fields)
        z.cache = p.cache
        shutil.copy(p.lock_path, z.lock_path)
        r = z.run("sync", "--frozen")
        t.expect_rc(r, 0, "sync --frozen with the lock copied to another folder", hard=False)
        t.check(z.lock_bytes() == first, "copied lock untouched")


e2e.run(main)
