#!/usr/bin/env python3
"""lock keeps a version that still matches; lock --upgrade moves to the newest."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main(t):
    mirror = t.mirror()
    live = mirror.path("index-live.json")
    mirror.write_index("index-old.json", drop_versions=("go1.21.5", "go1.22rc1"))
    shutil.copy(mirror.path("index-old.json"), live)
    with t.server(mirror.root) as srv:
        p = t.project(go="1.21", platforms=["linux/386"], index=srv.url + "index-live.json",
                      mirrors=[srv.url])
        t.expect_rc(p.run("lock"), 0, "lock against the old index")
        t.check(p.lock().get("go") == "go1.21.4", "old index: go1.21.4", p.lock().get("go"))
        t.expect_rc(p.run("sync"), 0, "sync 1.21.4")
        old_lock = p.lock_bytes()

        shutil.copy(mirror.path("index.json"), live)  # the index gains 1.21.5
        r = p.run("lock")
        t.expect_rc(r, 0, "plain lock after the index gained 1.21.5")
        t.check(p.lock_bytes() == old_lock, "plain lock keeps go1.21.4, byte-identical",
                p.lock_bytes().decode())
        r = p.run("sync")
        t.expect_rc(r, 0, "plain sync keeps 1.21.4", hard=False)
        t.check(p.lock_bytes() == old_lock, "plain sync keeps the lock")

        r = p.run("check", "--upstream")
        t.expect_rc(r, 1, "check --upstream reports the newer release", hard=False)
        t.expect_in("go1.21.5", r.out, "check --upstream names go1.21.5", r)

        r = p.run("lock", "--upgrade")
        t.expect_rc(r, 0, "lock --upgrade")
        lk = e2e.check_lock(t, p, mirror, "go1.21.5", e2e.HOST, ["linux/386"])
        t.check(lk.get("go") == "go1.21.5", "--upgrade moves to go1.21.5", lk.get("go"))
        r = p.run("check")
        t.expect_rc(r, 1, "check: installed GOROOT is behind the upgraded lock", hard=False)
        t.expect_rc(p.run("sync"), 0, "sync the upgrade")
        t.check(e2e.git_tree_hash(p.install) == lk["goroot"][e2e.HOST], "installed 1.21.5")
        with open(os.path.join(p.install, "VERSION")) as fh:
            t.check(fh.read().startswith("go1.21.5"), "VERSION says go1.21.5")

        # A locked version the spec no longer matches is re-resolved by plain lock.
        p.write_manifest(go="1.20", platforms=["linux/386"], index=srv.url + "index-live.json",
                         mirrors=[srv.url])
        t.expect_rc(p.run("lock"), 0, "lock after the spec changed to 1.20")
        t.check(p.lock().get("go") == "go1.20.1", "spec change re-resolves", p.lock().get("go"))

        # The index changed a locked file's sha256 under us: exit 4.
        q = t.project(go="1.21.5", platforms=["linux/386"], index=srv.url + "index-live.json",
                      mirrors=[srv.url])
        t.expect_rc(q.run("lock"), 0, "lock 1.21.5")
        f = e2e.artifact_name("go1.21.5", e2e.HOST)  # Go 1.21 locks the host's only
        with open(mirror.path("index.json")) as fh:
            text = fh.read()
        with open(live, "w") as fh:
            fh.write(text.replace(mirror.sha256(f), "f" * 64))
        r = q.run("lock")
        t.expect_rc(r, 4, "index changed a locked file's sha256", hard=False)
        t.expect_in(mirror.sha256(f), r.err, "names the locked sha256", r)
        t.expect_in("f" * 64, r.err, "names the index's new sha256", r)


e2e.run(main)
