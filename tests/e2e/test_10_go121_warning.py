#!/usr/bin/env python3
"""Go >= 1.20 ships no pkg/<os>_<arch>: lock and sync warn naming the
platforms, exit 0, and the GOROOT is the host distribution alone."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/arm64", "windows/amd64", "darwin/arm64"]


def warnings(text):
    return [l for l in text.splitlines() if l.startswith("gonative: warning: ")]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = p.run("lock")
        t.expect_rc(r, 0, "lock go 1.21")
        w = "\n".join(warnings(r.err))
        t.check(w, "lock prints a 'gonative: warning: ' line", r.describe())
        for plat in PLATFORMS:
            t.expect_in(plat, w, "lock warning names %s" % plat, r)
        t.check(r.err.count("no precompiled std") == 1,
                "lock prints the nothing-to-merge warning once", r.describe())
        t.check(not warnings(r.out), "warnings go to stderr, not stdout", r.describe())
        lock = e2e.check_lock(t, p, mirror, "go1.21.5", e2e.HOST, PLATFORMS)

        r = p.run("sync")
        t.expect_rc(r, 0, "sync go 1.21")
        w = "\n".join(warnings(r.err))
        for plat in PLATFORMS:
            t.expect_in(plat, w, "sync warning names %s" % plat, r)
        t.check(r.err.count("no precompiled std") == 1,
                "sync prints the nothing-to-merge warning once", r.describe())
        host_file = e2e.artifact_name("go1.21.5", e2e.HOST)
        t.check(p.archives() == [mirror.sha256(host_file)],
                "only the host archive was downloaded (no target distributions)",
                p.archives())
        e2e.check_install(t, p, mirror, "go1.21.5", e2e.HOST, PLATFORMS, lock, check_mtime=True)
        host_only = e2e.read_tree(p.install)
        want = mirror.members(e2e.artifact_name("go1.21.5", e2e.HOST))
        t.check(sorted(host_only) == sorted(want), "GOROOT is exactly the host archive")
        t.check(not os.path.exists(os.path.join(p.install, "pkg", "linux_arm64")),
                "no pkg/linux_arm64")

        # 1.20: same, first release named without .0.
        q = t.project(go="1.20.0", platforms=["linux/386"], index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = q.run("sync")
        t.expect_rc(r, 0, "sync go 1.20.0")
        t.check(r.err.count("no precompiled std") == 1,
                "a sync that locks first warns once, not three times", r.describe())
        t.expect_in("linux/386", "\n".join(warnings(r.err)), "1.20 warning names linux/386", r)
        t.check(q.lock().get("go") == "go1.20", "1.20.0 resolves to go1.20", q.lock().get("go"))


e2e.run(main)
