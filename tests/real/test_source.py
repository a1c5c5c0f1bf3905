#!/usr/bin/env python3
"""base: source on the real Go 1.19.8 source (suite 'source'; minutes).

The seed's own path: `lock` builds the host toolchain from the locked
go1.19.8.src.tar.gz with make.bash (bootstrap: Debian's Go 1.19), merges
linux/arm64's pkg and records the tree hash; `sync` installs exactly that
tree (from the tree store, no second build); its own `go version` runs and
the arm64 std is up to date in it.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import Tap, skip_all  # noqa: E402
from test_real import DEBIAN_GOROOT, HERE, run, show  # noqa: E402


def main():
    t = Tap()
    if not os.access(os.path.join(DEBIAN_GOROOT, "bin", "go"), os.X_OK):
        skip_all("golang-1.19-go not installed (%s)" % DEBIAN_GOROOT)
    gonative = os.environ["GONATIVE"]
    build_dir = os.environ.get("GONATIVE_BUILD_DIR") or os.getcwd()
    cache = os.environ.get("GONATIVE_REAL_CACHE") or os.path.join(build_dir, "real-mirror")
    r = run([sys.executable, os.path.join(HERE, "mkrealmirror.py"), cache, "--goroot",
             DEBIAN_GOROOT, "--targets", "linux/arm64,windows/amd64"], timeout=1500)
    if not t.ok(r.returncode == 0 and os.path.exists(os.path.join(cache, "go1.19.8.src.tar.gz")),
                "real mirror with go1.19.8.src.tar.gz", show(r)):
        return t.plan()
    with tempfile.TemporaryDirectory(prefix="gonative-source-") as tmp:
        proj = os.path.join(tmp, "proj")
        os.makedirs(proj)
        gcache = os.path.join(tmp, "cache")
        with open(os.path.join(proj, "gonative.yaml"), "w") as f:
            f.write('go: "1.19"\nhosts: [linux/amd64]\nplatforms: [linux/arm64]\n'
                    "index: file://%s/index.json\nmirrors: [file://%s/]\n"
                    "base: source\nbootstrap: %s\n" % (cache, cache, DEBIAN_GOROOT))
        env = dict(os.environ, NO_COLOR="1")
        env.pop("GOROOT_BOOTSTRAP", None)

        def gn(*args):
            return run([gonative, "-C", proj, "--cache-dir", gcache] + list(args), env=env,
                       timeout=1500)

        t0 = time.monotonic()
        rl = gn("lock")
        lock_s = time.monotonic() - t0
        t.ok(rl.returncode == 0, "lock builds with make.bash (%.0f s)" % lock_s, show(rl))
        lock = open(os.path.join(proj, "gonative.lock")).read() if rl.returncode == 0 else ""
        t.ok("- file: go1.19.8.src.tar.gz\n    os: \"\"\n    arch: \"\"\n" in lock,
             "the lock holds the source archive", lock)
        t.ok("go1.19.8.linux-amd64.tar.gz" not in lock and "go1.19.8.linux-arm64.tar.gz" in lock,
             "no host binary archive; the target's archive is locked", lock)
        tree = [l.split(": ")[1] for l in lock.splitlines() if l.startswith("  linux/amd64: ")]
        t.ok(len(tree) == 1 and tree[0].startswith("git-sha256:"), "the lock records the tree",
             lock)
        t0 = time.monotonic()
        rs = gn("sync")
        sync_s = time.monotonic() - t0
        t.ok(rs.returncode == 0 and "tree store" in rs.stderr,
             "sync installs the built tree from the store (%.1f s)" % sync_s, show(rs))
        t.ok(tree and tree[0] in rs.stdout, "sync proves the locked hash", show(rs))
        goroot = os.path.join(proj, ".gonative", "go")
        rv = run([os.path.join(goroot, "bin", "go"), "version"],
                 env=dict(env, GOROOT=goroot, GOCACHE=os.path.join(tmp, "gocache")))
        t.ok(rv.returncode == 0 and "go1.19.8 linux/amd64" in rv.stdout,
             "the built toolchain runs: " + rv.stdout.strip(), show(rv))
        rg = run([os.path.join(goroot, "bin", "go"), "list", "-f", "{{.ImportPath}} {{.Stale}}",
                  "fmt", "strings", "encoding/json"],
                 env=dict(env, GOROOT=goroot, GOCACHE=os.path.join(tmp, "gocache2"),
                          GOOS="linux", GOARCH="arm64", CGO_ENABLED="0", GOFLAGS=""))
        t.ok(rg.returncode == 0 and "true" not in rg.stdout,
             "pure-Go std merged from the linux/arm64 distribution is up to date", show(rg))
        t.ok(gn("verify").returncode == 0, "verify re-hashes the built tree")
        t.diag("figures: lock (make.bash) %.0f s, sync from the store %.1f s" % (lock_s, sync_s))
    return t.plan()


if __name__ == "__main__":
    sys.exit(main())
