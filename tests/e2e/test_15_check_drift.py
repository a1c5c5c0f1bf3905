#!/usr/bin/env python3
"""check: exit 0 when clean, 1 with a readable report when the manifest
moved away from the lock; it writes nothing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386", "windows/amd64"]


def main(t):
    mirror = t.mirror()
    fields = dict(go="1.17", platforms=PLATFORMS, index=mirror.index_url, mirrors=[mirror.url])
    p = t.project(**fields)
    t.expect_rc(p.run("sync"), 0, "sync")
    t.expect_rc(p.run("check"), 0, "check on a clean project")
    lock = p.lock_bytes()
    tree = e2e.git_tree_hash(p.install)

    def drift(what, needles, **change):
        p.write_manifest(**dict(fields, **change))
        r = p.run("check")
        t.expect_rc(r, 1, "check after %s" % what, hard=False)
        for n in needles:
            t.expect_in(n, r.out, "check report mentions %r (%s)" % (n, what), r)
        t.check(p.lock_bytes() == lock, "check leaves the lock alone (%s)" % what)
        t.check(e2e.git_tree_hash(p.install) == tree, "check leaves the GOROOT alone (%s)" % what)
        t.check(not p.stage_dirs(), "no staging folder")

    drift("adding darwin/amd64", ["darwin/amd64", "platforms"],
          platforms=PLATFORMS + ["darwin/amd64"])
    drift("removing windows/amd64", ["windows/amd64", "platforms"], platforms=["linux/386"])
    drift("changing go to 1.9", ["go", "1.9"], go="1.9")
    drift("changing hosts", ["hosts", "darwin/amd64"], hosts=sorted({e2e.HOST, "darwin/amd64"}))

    # Mirrors and install do not decide the lock's content.
    p.write_manifest(**dict(fields, mirrors=[mirror.url, mirror.url + "again/"]))
    r = p.run("check")
    t.expect_rc(r, 0, "check after only adding a mirror", hard=False)

    # Lock vs install: the GOROOT removed.
    p.write_manifest(**fields)
    os.rename(p.install, p.install + "-moved")
    r = p.run("check")
    t.expect_rc(r, 1, "check with the GOROOT missing", hard=False)
    os.rename(p.install + "-moved", p.install)
    t.expect_rc(p.run("check"), 0, "check clean again", hard=False)


e2e.run(main)
