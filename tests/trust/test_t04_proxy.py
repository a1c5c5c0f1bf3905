"""source: proxy: toolchains as golang.org/toolchain module zips from a
GOPROXY, each zip's h1 proven in the checksum database, laid out as cmd/go
does after a toolchain download; no release index reachable at all.  A zip
that differs from the log's record is exit 4 with nothing installed."""

import os
import stat

import trustlib
from trustlib import e2e

PLATFORMS = ["linux/arm64"]
NOWHERE = "http://127.0.0.1:9/"  # a closed port: no index, no mirror


def main(t):
    mirror = t.mirror()
    log = trustlib.Log(t, mirror)
    log.start()

    def project():
        return t.project(go="1.21", platforms=PLATFORMS, index=NOWHERE + "index.json",
                         mirrors=[NOWHERE], source="proxy", proxy=[log.url],
                         sumdb=log.config())

    p = project()
    r = p.run("sync")
    t.expect_rc(r, 0, "sync through source: proxy with no index reachable")
    lock = p.lock()
    host_module = log.module_version(e2e.artifact_name("go1.21.5", e2e.HOST))
    t.check(lock["go"] == "go1.21.5", "go 1.21 resolves to go1.21.5 from @v/list", lock["go"])
    t.check(lock["index"] == log.url + "/golang.org/toolchain/@v/list",
            "the lock names the proxy's list", lock["index"])
    arts = {a["file"]: a for a in lock["artifacts"]}
    t.check(host_module + ".zip" in arts, "the host's module zip is locked", sorted(arts))
    for name, a in sorted(arts.items()):
        want = log.h1[name[:-len(".zip")]]
        t.check(a.get("h1") == want, "%s: h1 equals dirhash.HashZip (%s)" % (name, want), a)
        with open(os.path.join(log.proxy, "golang.org/toolchain/@v", name), "rb") as fh:
            data = fh.read()
        t.check(int(a["size"]) == len(data), "%s: size of the zip" % name)

    root = p.install
    t.check(os.path.isfile(os.path.join(root, "src", "go.mod")),
            "_go.mod is copied back to src/go.mod")
    t.check(os.path.isfile(os.path.join(root, "src", "cmd", "go.mod")),
            "... and src/cmd/go.mod")
    t.check(not os.path.exists(os.path.join(root, "api")), "no api/ (not in the module)")
    mode = os.stat(os.path.join(root, "bin", "go")).st_mode
    t.check(mode & stat.S_IXUSR, "bin/go is executable")
    tool = os.path.join(root, "pkg", "tool", "linux_arm64" if e2e.HOST == "linux/arm64"
                        else e2e.HOST.replace("/", "_"), "compile")
    t.check(os.path.isfile(tool) and os.stat(tool).st_mode & stat.S_IXUSR,
            "pkg/tool/<host>/compile is executable")
    t.check(not os.stat(os.path.join(root, "VERSION")).st_mode & stat.S_IXUSR,
            "VERSION is not executable")

    first = p.lock_bytes()
    r = p.run("lock")
    t.expect_rc(r, 0, "lock again")
    t.check(p.lock_bytes() == first, "the lock is byte-identical")
    r = p.run("verify")
    t.expect_rc(r, 0, "verify the installed tree", hard=False)
    r = p.run("check", "--upstream")
    t.expect_rc(r, 0, "check --upstream through the proxy", hard=False)
    t.expect_in("go1.21.5 is the newest match", r.out, "check --upstream reads @v/list", r)
    t.expect_in("checksum database: tree of", r.out, "check --upstream reads the log", r)

    # The same zips, locked by a fresh cache: the same lock.
    q = project()
    t.expect_rc(q.run("lock"), 0, "lock in a fresh cache")
    t.check(q.lock_bytes() == first, "same lock from a fresh cache")

    # A proxy serving a zip that is not the one the log records.
    log.start(mode="bad-zip")
    b = project()
    r = b.run("sync")
    t.expect_rc(r, 4, "zip differs from the log's record", hard=False)
    t.expect_in("the module zip from the proxy and the checksum database test.sumdb "
                "disagree", r.err, "message names both sources", r)
    t.expect_in("expected: " + log.h1[host_module], r.err, "the log's value", r)
    t.check(not os.path.exists(b.install), "bad zip: nothing installed")
    t.check(not os.path.exists(b.lock_path), "bad zip: no lock")
    t.check(b.archives() == [], "bad zip: nothing cached", b.archives())

    # sumdb: off is refused for toolchains.
    o = t.project(go="1.21", source="proxy", proxy=[log.url], sumdb="off")
    t.expect_rc(o.run("lock"), 2, "source: proxy with sumdb: off", hard=False)


e2e.run(main)
