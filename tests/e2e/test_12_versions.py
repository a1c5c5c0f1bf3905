#!/usr/bin/env python3
"""go: spec resolution end to end, plus file naming (armv6l, windows .zip)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main(t):
    mirror = t.mirror()
    cache = t.cache()

    def lock(go, platforms=("linux/386",), hosts=(e2e.HOST,)):
        p = t.project(go=go, hosts=list(hosts), platforms=list(platforms), index=mirror.index_url,
                      mirrors=[mirror.url])
        p.cache = cache
        return p, p.run("lock")

    for spec, want in (("1.21", "go1.21.5"), ("stable", "go1.21.5"), ("1.22rc1", "go1.22rc1"),
                       ("go1.22rc1", "go1.22rc1"), ("1.21.4", "go1.21.4"),
                       ("go1.21.4", "go1.21.4"), ("1.20", "go1.20.1"), ("1.20.0", "go1.20"),
                       ("1.17", "go1.17.13"), ("1.4", "go1.4.3")):
        p, r = lock(spec)
        if t.expect_rc(r, 0, "lock go %r" % spec, hard=False):
            got = p.lock().get("go")
            t.check(got == want, "go %r resolves to %s" % (spec, want), got)
            files = [a["file"] for a in p.lock()["artifacts"]]
            # Go >= 1.20 has nothing to merge: the host's archive only.
            targets = ["linux/386"] if e2e.version_tuple(want)[:2] < (1, 20) else []
            t.check(files == sorted({e2e.artifact_name(want, x) for x in [e2e.HOST] + targets}),
                    "go %r: the %s archives" % (spec, want), files)

    # "go1.20": either reading (exact go1.20 or the 1.20 line) must be consistent.
    p, r = lock("go1.20")
    if t.expect_rc(r, 0, "lock go 'go1.20'", hard=False):
        got = p.lock().get("go")
        print("# go 'go1.20' resolved to %s" % got)
        t.check(got in ("go1.20", "go1.20.1"), "go1.20 resolves within the 1.20 line", got)
        files = [a["file"] for a in p.lock()["artifacts"]]
        t.check(all(f.startswith(got + ".") for f in files), "artifacts of %s" % got, files)

    # No stable 1.22 yet: prereleases are only taken when named exactly.
    for spec in ("1.22", "1.99", "1.21.9"):
        p, r = lock(spec)
        t.expect_rc(r, 2, "lock go %r: no matching release" % spec, hard=False)
        t.expect_error_line(r, "go %r" % spec)
        t.check(not os.path.exists(p.lock_path), "go %r: no lock written" % spec)

    # A platform missing from the release (darwin/arm64 before 1.16).
    p, r = lock("1.9", platforms=["darwin/arm64"])
    t.expect_rc(r, 2, "lock 1.9 with darwin/arm64", hard=False)
    t.expect_in("darwin/arm64", r.err, "error names the missing platform", r)

    # File naming: linux/arm -> armv6l, windows -> .zip (never .msi/.pkg/.src).
    plats = ["linux/arm", "windows/amd64", "darwin/amd64"]
    # (Go 1.17: below 1.20 the platforms' archives are locked too.)
    p, r = lock("1.17", platforms=plats)
    t.expect_rc(r, 0, "lock 1.17 with arm, windows, darwin")
    lk = p.lock()
    arts = {a["file"]: a for a in lk["artifacts"]}
    t.check(sorted(arts) == ["go1.17.13.darwin-amd64.tar.gz", "go1.17.13.linux-amd64.tar.gz",
                             "go1.17.13.linux-armv6l.tar.gz", "go1.17.13.windows-amd64.zip"],
            "archives only, armv6l and zip names", sorted(arts))
    arm = arts.get("go1.17.13.linux-armv6l.tar.gz", {})
    t.check(arm.get("os") == "linux" and arm.get("arch") == "armv6l", "armv6l entry os/arch", arm)
    t.check(lk.get("platforms") == sorted(plats), "platforms keep Go's spelling (linux/arm)",
            lk.get("platforms"))

    # Two hosts: the lock holds a GOROOT hash for each; the one for the host
    # that is not this machine must equal stock git over the same merge
    # done independently here.  sync installs this machine's GOROOT.
    other = "linux/arm" if e2e.HOST != "linux/arm" else "linux/arm64"
    targets = ["windows/amd64", "linux/amd64"]
    p, r = lock("1.17", platforms=targets, hosts=(other, e2e.HOST))
    t.expect_rc(r, 0, "lock with hosts %s and %s" % (other, e2e.HOST))
    lk = p.lock()
    t.check(sorted(lk["goroot"]) == sorted({other, e2e.HOST}), "goroot has one entry per host",
            lk["goroot"])
    tree, _ = e2e.expected_tree(mirror, "go1.17.13", other, targets)
    ref = e2e.git_tree_hash(e2e.materialize(tree, t.newdir("ref")))
    t.check(lk["goroot"].get(other) == ref,
            "goroot for %s equals git over an independent merge" % other,
            "lock %s\ngit  %s" % (lk["goroot"].get(other), ref))
    t.expect_in(e2e.artifact_name("go1.17.13", other), lk and p.lock_bytes().decode(),
                "the other host's archive is locked")
    r = p.run("sync")
    t.expect_rc(r, 0, "sync with two hosts")
    e2e.check_install(t, p, mirror, "go1.17.13", e2e.HOST, targets, lk)

    # A lock with no GOROOT for this machine: sync says so (exit 2).
    p, r = lock("1.17", platforms=["linux/386"], hosts=(other,))
    t.expect_rc(r, 0, "lock for %s only" % other)
    r = p.run("sync")
    t.expect_rc(r, 2, "sync on a machine the lock has no GOROOT for", hard=False)
    t.expect_in(e2e.HOST, r.err, "the error names this machine", r)
    t.check(not os.path.exists(p.install), "nothing installed")


e2e.run(main)
