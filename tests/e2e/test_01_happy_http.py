#!/usr/bin/env python3
"""Happy path over HTTP: lock -> sync -> check -> verify for Go 1.17 and 1.9;
the merged GOROOT is exactly the host archive plus the targets' pkg dirs."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HOST = e2e.HOST
# linux/amd64 is listed so its race dir is merged on other hosts; a target
# equal to the host is skipped.
PLATFORMS = ["linux/amd64", "linux/386", "linux/arm", "linux/arm64", "darwin/amd64",
             "windows/amd64"]


def happy(t, p, mirror, version):
    r = p.run("lock")
    t.expect_rc(r, 0, "%s: lock" % version)
    lock = e2e.check_lock(t, p, mirror, version, HOST, PLATFORMS)
    t.check(not os.path.exists(p.install), "%s: lock installs nothing" % version)

    r = p.run("sync")
    t.expect_rc(r, 0, "%s: sync" % version)
    locked = lock["goroot"][HOST]
    t.expect_in(locked, r.both, "%s: sync prints the tree hash" % version, r)
    t.check(e2e.parse_lock(p.lock_bytes().decode()) == lock, "%s: sync keeps the lock" % version)
    _, merged = e2e.check_install(t, p, mirror, version, HOST, PLATFORMS, lock,
                                  check_mtime=(version == "go1.17.13"))

    tree = os.listdir(os.path.join(p.install, "pkg"))
    for plat in PLATFORMS + [HOST]:
        d = plat.replace("/", "_")
        t.check(d in tree, "%s: pkg/%s merged" % (version, d), sorted(tree))
    race = sorted(n for n in tree if n.endswith("_race"))
    t.check(race == ["linux_amd64_race"], "%s: race dir only from linux/amd64" % version, race)
    tools = sorted(os.listdir(os.path.join(p.install, "pkg", "tool")))
    t.check(tools == [HOST.replace("/", "_")], "%s: pkg/tool holds only the host's tools" % version, tools)
    with open(os.path.join(p.install, "bin", "go")) as fh:
        t.check(HOST in fh.read(), "%s: bin/go is the host's" % version)
    with open(os.path.join(p.install, "pkg", "windows_amd64", "net.a")) as fh:
        got = fh.read()
    t.check(got == "%s windows_amd64 net.a\n" % version, "%s: windows net.a from the zip" % version, got)
    t.check(os.path.isdir(os.path.join(p.install, "pkg", "linux_arm")),
            "%s: linux/arm merged from the armv6l archive" % version)

    # Cache: exactly the verified archives, named by sha256.
    want = sorted(a["sha256"] for a in lock["artifacts"])
    t.check(p.archives() == want, "%s: <cache>/archives holds exactly the locked sha256s" % version,
            "got %s\nwant %s" % (p.archives(), want))

    r = p.run("check")
    t.expect_rc(r, 0, "%s: check after sync" % version, hard=False)
    r = p.run("verify")
    t.expect_rc(r, 0, "%s: verify after sync" % version, hard=False)


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        for go, version in (("1.17", "go1.17.13"), ("1.9", "go1.9.7")):
            p = t.project(go=go, platforms=PLATFORMS, index=srv.url + "index.json",
                          mirrors=[srv.url])
            happy(t, p, mirror, version)
        reqs = srv.requests(settle=5.0)
        t.check(all(r.path.startswith("/") for r in reqs) and reqs, "server saw the requests", reqs)


e2e.run(main)
