#!/usr/bin/env python3
"""The real-toolchain proof: gonative's merged GOROOT with Go 1.19.

A REAL mirror (tests/real/mkrealmirror.py: Debian's Go 1.19 repackaged as
official distributions, std cross-built for linux/arm64 with cgo and
windows/amd64) is served on 127.0.0.1; gonative locks and syncs a manifest
for host linux/amd64 with platforms linux/arm64 and windows/amd64; then the
synced GOROOT's own go command shows which merged packages it reuses
(`go list -f {{.Stale}}`) and builds a small program that uses net and
os/user, which runs under qemu-aarch64.

Environment: GONATIVE (the binary, required), GONATIVE_BUILD_DIR (where the
figures JSON and, by default, the mirror cache go), GONATIVE_REAL_CACHE
(mirror cache folder, default <build dir>/real-mirror), GONATIVE_REAL_GOROOT
(default /usr/lib/go-1.19).  Output is TAP; figures are TAP diagnostics and
<build dir>/real-figures.json.  Python 3 stdlib only.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)

from faultserver import FaultServer  # noqa: E402
from taplib import Tap, skip_all  # noqa: E402

DEBIAN_GOROOT = os.environ.get("GONATIVE_REAL_GOROOT", "/usr/lib/go-1.19")
TARGETS = ["linux/arm64", "windows/amd64"]
ARM64_CC = "aarch64-linux-gnu-gcc"
ARM64_SYSROOT = "/usr/aarch64-linux-gnu"
TOOLS = [ARM64_CC, "qemu-aarch64", "file", "readelf"]
# std packages that use cgo on linux: they carry the C compiler in their
# build inputs, so only the same CC reuses them.
CGO_PKGS = ["runtime/cgo", "net", "os/user"]
# Pure-Go packages: reused whatever CC and CGO_ENABLED say.
PURE_PKGS = ["fmt", "strings", "sort", "encoding/json"]

PROBE_MAIN = """package main

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"runtime"
	"sort"
	"strings"
)

func main() {
	fmt.Printf("platform: %s/%s\\n", runtime.GOOS, runtime.GOARCH)
	fmt.Printf("cgo: %v\\n", cgoEnabled)
	if u, err := user.Current(); err != nil {
		fmt.Printf("user: error: %v\\n", err)
	} else {
		fmt.Printf("user: %s uid=%s\\n", u.Username, u.Uid)
	}
	addrs, err := net.LookupHost("localhost")
	if err != nil {
		fmt.Printf("localhost: error: %v\\n", err)
		os.Exit(1)
	}
	sort.Strings(addrs)
	fmt.Printf("localhost: %s\\n", strings.Join(addrs, " "))
}
"""
PROBE_CGO = "//go:build cgo\n\npackage main\n\nconst cgoEnabled = true\n"
PROBE_NOCGO = "//go:build !cgo\n\npackage main\n\nconst cgoEnabled = false\n"
PROBE_MOD = "module example.com/probe\n\ngo 1.19\n"


def run(cmd, env=None, cwd=None, timeout=900):
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    r.seconds = time.monotonic() - t0
    return r


def show(r):
    return "$ %s\nexit %d (%.1f s)\nstdout:\n%s\nstderr:\n%s" % (
        " ".join(r.args), r.returncode, r.seconds, r.stdout[-4000:], r.stderr[-4000:])


class Go:
    """One GOROOT's own go command with a hermetic environment."""

    def __init__(self, goroot, tmp):
        self.goroot = goroot
        self.tmp = tmp
        self.gopath = os.path.join(tmp, "gopath")

    def env(self, gocache, **extra):
        keep = ("PATH", "TMPDIR", "LANG", "LC_ALL")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update({
            "HOME": self.tmp, "GOROOT": self.goroot, "GOPATH": self.gopath,
            "GOCACHE": gocache, "GOFLAGS": "", "GOENV": "off", "GOPROXY": "off",
            "GOWORK": "off",
        })
        # GOTOOLCHAIN stays unset; GOOS/GOARCH/CC/CGO_* only as given.
        env.update(extra)
        return env

    def fresh_cache(self, name):
        d = os.path.join(self.tmp, "gocache-" + name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def run(self, args, gocache, cwd=None, **extra):
        return run([os.path.join(self.goroot, "bin", "go")] + args,
                   env=self.env(gocache, **extra), cwd=cwd)

    def stale(self, gocache, **extra):
        """{import path: stale reason} over std, or raise with the output."""
        r = self.run(["list", "-f", "{{.ImportPath}} {{.Stale}} {{.StaleReason}}", "std"],
                     gocache, **extra)
        if r.returncode != 0:
            raise RuntimeError(show(r))
        res = {}
        for line in r.stdout.splitlines():
            parts = line.split(" ", 2)
            if len(parts) >= 2:
                res[parts[0]] = parts[2] if parts[1] == "true" and len(parts) > 2 else \
                    ("" if parts[1] == "true" else None)
        return res


def stale_only(listing):
    return {p: why for p, why in listing.items() if why is not None}


def summary(stale, limit=8):
    items = sorted(stale.items())
    lines = ["%s: %s" % (p, why) for p, why in items[:limit]]
    if len(items) > limit:
        lines.append("... %d more" % (len(items) - limit))
    return "\n".join(lines)


def write_probe(d):
    os.makedirs(d, exist_ok=True)
    for name, text in (("main.go", PROBE_MAIN), ("cgo_on.go", PROBE_CGO),
                       ("cgo_off.go", PROBE_NOCGO), ("go.mod", PROBE_MOD)):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)


def built_packages(r):
    """Import paths `go build -v` printed (the packages it compiled)."""
    return [l for l in r.stderr.splitlines() if l and not l.startswith("#")]


def main():
    t = Tap()
    if not os.access(os.path.join(DEBIAN_GOROOT, "bin", "go"), os.X_OK):
        skip_all("golang-1.19-go not installed (%s)" % DEBIAN_GOROOT)
    gonative = os.environ.get("GONATIVE")
    build_dir = os.environ.get("GONATIVE_BUILD_DIR") or os.getcwd()
    if not gonative or not os.access(gonative, os.X_OK):
        t.ok(False, "GONATIVE names the gonative binary", "GONATIVE=%r" % gonative)
        return t.plan()
    missing = [x for x in TOOLS if not shutil.which(x)]
    if not t.ok(not missing, "tools present: " + ", ".join(TOOLS),
                "missing %s: run scripts/deps.sh real" % ", ".join(missing)):
        return t.plan()

    suite_t0 = time.monotonic()
    figures = {}
    cache = os.environ.get("GONATIVE_REAL_CACHE") or os.path.join(build_dir, "real-mirror")

    # 1. The mirror, built once and reused while its inputs stay the same.
    r = run([sys.executable, os.path.join(HERE, "mkrealmirror.py"), cache,
             "--goroot", DEBIAN_GOROOT, "--targets", ",".join(TARGETS)], timeout=1500)
    cached = "cached:" in r.stdout
    figures["mirror_seconds"] = round(r.seconds, 1)
    figures["mirror_was_cached"] = cached
    if not t.ok(r.returncode == 0, "real mirror ready in %s (%.1f s, %s)"
                % (cache, r.seconds, "cached" if cached else "built"), show(r)):
        return t.plan()
    t.diag(r.stdout)
    with open(os.path.join(cache, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    version = index[0]["version"]

    with tempfile.TemporaryDirectory(prefix="gonative-real-") as tmp:
        proj = os.path.join(tmp, "proj")
        os.makedirs(proj)
        gcache = os.path.join(tmp, "gonative-cache")
        genv = dict(os.environ, GONATIVE_CACHE=gcache, NO_COLOR="1")

        def gn(*args):
            return run([gonative, "-C", proj, "--cache-dir", gcache] + list(args), env=genv)

        # 2. lock + sync over HTTP from a cold gonative cache.
        with FaultServer(cache) as srv:
            with open(os.path.join(proj, "gonative.yaml"), "w", encoding="utf-8") as f:
                f.write('go: "1.19"\nhosts: [linux/amd64]\n'
                        "platforms: [%s]\nindex: %sindex.json\nmirrors: [%s]\n"
                        "install: .gonative/go\n" % (", ".join(TARGETS), srv.url, srv.url))
            rl = gn("lock")
            t.ok(rl.returncode == 0, "gonative lock", show(rl))
            lock = open(os.path.join(proj, "gonative.lock"), encoding="utf-8").read() \
                if rl.returncode == 0 else ""
            want = ["%s.linux-amd64.tar.gz" % version, "%s.linux-arm64.tar.gz" % version,
                    "%s.windows-amd64.zip" % version]
            t.ok(("go: %s\n" % version) in lock and all("- file: %s\n" % w in lock for w in want)
                 and re.search(r"linux/amd64: git-sha256:[0-9a-f]{64}", lock),
                 "lock pins %s and its 3 archives" % version, lock)
            rs = gn("sync")
            if not t.ok(rs.returncode == 0, "gonative sync", show(rs)):
                return t.plan()
            rw = gn("sync")
        figures["lock_seconds"] = round(rl.seconds, 2)
        figures["sync_seconds"] = round(rs.seconds, 2)
        figures["lock_plus_sync_seconds"] = round(rl.seconds + rs.seconds, 2)
        figures["sync_noop_seconds"] = round(rw.seconds, 3)
        figures["mirror_bytes"] = sum(fl["size"] for fl in index[0]["files"]
                                      if fl["filename"] in want)
        t.diag("lock %.1f s + sync %.1f s = %.1f s (cold gonative cache, %.0f MB of archives);"
               " no-op sync %.3f s" % (rl.seconds, rs.seconds, rl.seconds + rs.seconds,
                                       figures["mirror_bytes"] / 1e6, rw.seconds))
        t.ok(rw.returncode == 0 and "up to date" in rw.stdout + rw.stderr,
             "second sync is a no-op", show(rw))

        rv = gn("verify")
        t.ok(rv.returncode == 0, "gonative verify re-hashes the real tree (%.1f s)" % rv.seconds,
             show(rv))
        figures["verify_seconds"] = round(rv.seconds, 2)

        goroot = os.path.join(proj, ".gonative", "go")
        go = Go(goroot, tmp)
        pkgs_ok = all(os.path.isfile(os.path.join(goroot, "pkg", d, p))
                      for d in ("linux_amd64", "linux_arm64", "windows_amd64")
                      for p in ("net.a", "runtime.a", "os/user.a"))
        pkgs_ok = pkgs_ok and os.path.isfile(os.path.join(goroot, "pkg/linux_arm64/runtime/cgo.a"))
        t.ok(pkgs_ok, "synced GOROOT holds pkg/linux_amd64, pkg/linux_arm64 (with runtime/cgo.a)"
             " and pkg/windows_amd64")
        rv = go.run(["version"], go.fresh_cache("version"))
        t.ok(rv.returncode == 0 and ("go version %s linux/amd64" % version) in rv.stdout,
             "synced bin/go runs: %s" % rv.stdout.strip(), show(rv))

        # 3. Staleness: what the merge buys with Go 1.19's build-ID staleness.
        arm64_cgo = dict(GOOS="linux", GOARCH="arm64", CGO_ENABLED="1", CC=ARM64_CC)
        win = dict(GOOS="windows", GOARCH="amd64", CGO_ENABLED="0")

        lst = go.stale(go.fresh_cache("l1"), **arm64_cgo)
        st = stale_only(lst)
        t.ok(len(lst) > 150 and not st and all(p in lst for p in CGO_PKGS),
             "linux/arm64 CGO_ENABLED=1 CC=%s: none of %d std packages stale"
             " (runtime/cgo, net, os/user included)" % (ARM64_CC, len(lst)), summary(st))

        lst = go.stale(go.fresh_cache("l2"), **win)
        st = stale_only(lst)
        t.ok(len(lst) > 150 and not st,
             "windows/amd64 CGO_ENABLED=0: none of %d std packages stale" % len(lst), summary(st))

        lst = go.stale(go.fresh_cache("l3"), GOOS="linux", GOARCH="amd64",
                       CGO_ENABLED="1", CC="gcc")
        st = stale_only(lst)
        t.ok(not st, "host linux/amd64 (CC=gcc): none of %d std packages stale" % len(lst),
             summary(st))

        # Control: a platform that was not merged must come out stale, or
        # the checks above prove nothing.
        lst = go.stale(go.fresh_cache("l4"), GOOS="linux", GOARCH="386", CGO_ENABLED="0")
        st = stale_only(lst)
        # (unsafe and embed/internal/embedtest compile nothing: never stale.)
        fresh = sorted(p for p in lst if p not in st)
        t.ok(len(lst) > 150 and len(fresh) <= 3 and "runtime" in st and "net" in st,
             "control linux/386 (not merged): %d of %d std packages stale (runtime: %r)"
             % (len(st), len(lst), st.get("runtime")), "fresh: " + " ".join(fresh))

        # cgo on, no CC: the default "gcc" is not the CC the merged std was
        # built with, so the cgo packages (and what imports them) are stale,
        # while pure-Go packages are still reused.
        lst = go.stale(go.fresh_cache("l5"), GOOS="linux", GOARCH="arm64", CGO_ENABLED="1")
        st = stale_only(lst)
        t.ok(all(p in st for p in CGO_PKGS)
             and st["runtime/cgo"] == "build ID mismatch"
             and all(st[p].startswith("stale dependency") or st[p] == "build ID mismatch"
                     for p in CGO_PKGS),
             "linux/arm64 CGO_ENABLED=1 without CC: %s stale (runtime/cgo: %r, net: %r)"
             % (", ".join(CGO_PKGS), st.get("runtime/cgo"), st.get("net")), summary(st, 40))
        t.ok(all(p in lst and p not in st for p in PURE_PKGS),
             "... while pure-Go %s stay fresh (%d of %d stale)"
             % (", ".join(PURE_PKGS), len(st), len(lst)), summary(st, 40))
        t.diag("stale with CGO_ENABLED=1 and no CC: %d of %d: %s"
               % (len(st), len(lst), " ".join(sorted(st))))

        # CGO_ENABLED=0 for a platform whose std was built with cgo: the
        # packages whose file set depends on the cgo tag (net, os/user, also
        # crypto/sha1 via boring.go) and their importers are stale.
        lst = go.stale(go.fresh_cache("l6"), GOOS="linux", GOARCH="arm64", CGO_ENABLED="0")
        st = stale_only(lst)
        own = sorted(p for p, why in st.items() if why == "build ID mismatch")
        t.ok(st.get("net") == "build ID mismatch" and st.get("os/user") == "build ID mismatch"
             and all(p in lst and p not in st for p in PURE_PKGS),
             "linux/arm64 CGO_ENABLED=0: %d of %d stale, own build ID mismatch in %s;"
             " pure-Go ones fresh" % (len(st), len(lst), ", ".join(own)), summary(st, 40))

        # 4. Build and run a program that uses net and os/user.
        probe = os.path.join(tmp, "probe")
        write_probe(probe)
        arm_bin = os.path.join(tmp, "probe-arm64")
        rb = go.run(["build", "-v", "-o", arm_bin, "."], go.fresh_cache("b1"),
                    cwd=probe, **arm64_cgo)
        figures["go_build_arm64_merged_seconds"] = round(rb.seconds, 2)
        compiled = built_packages(rb)
        if t.ok(rb.returncode == 0, "go build linux/arm64 (cgo) with the merged GOROOT",
                show(rb)):
            std_built = [p for p in compiled if not p.startswith("example.com/")]
            t.ok(not std_built, "... compiled no std package (go build -v: %s)"
                 % " ".join(compiled), "compiled: " + " ".join(compiled))
            rf = run(["file", "-b", arm_bin])
            t.ok("ELF 64-bit" in rf.stdout and "ARM aarch64" in rf.stdout
                 and "dynamically linked" in rf.stdout,
                 "file: %s" % rf.stdout.strip()[:100], show(rf))
            rl_ = run(["readelf", "-l", arm_bin])
            t.ok("[Requesting program interpreter: /lib/ld-linux-aarch64.so.1]" in rl_.stdout,
                 "readelf -l: interpreter /lib/ld-linux-aarch64.so.1", show(rl_))
            rd = run(["readelf", "-d", arm_bin])
            t.ok("Shared library: [libc.so.6]" in rd.stdout, "readelf -d: NEEDED libc.so.6",
                 show(rd))
            # The native resolver and user database: libc's, not Go's fallbacks.
            rs_ = run(["readelf", "--dyn-syms", "-W", arm_bin])
            und = {m.group(1) for m in re.finditer(r"\bUND (\w+)@", rs_.stdout)}
            t.ok({"getaddrinfo", "getpwuid_r"} <= und,
                 "binary imports getaddrinfo and getpwuid_r from libc (cgo net, os/user)",
                 show(rs_))
            rq = run(["qemu-aarch64", "-L", ARM64_SYSROOT, arm_bin], timeout=120)
            out = rq.stdout
            try:
                me = pwd.getpwuid(os.getuid()).pw_name
                want_user = "user: %s uid=%d\n" % (me, os.getuid())
            except KeyError:
                want_user = "user: error"
            loopback = re.search(r"^localhost: .*\b(127\.0\.0\.1|::1)\b", out, re.M)
            t.ok(rq.returncode == 0 and "platform: linux/arm64\n" in out and "cgo: true\n" in out
                 and want_user in out and loopback,
                 "runs under qemu-aarch64: %s" % out.strip().replace("\n", "; "), show(rq))

        win_bin = os.path.join(tmp, "probe.exe")
        rb = go.run(["build", "-v", "-o", win_bin, "."], go.fresh_cache("b2"),
                    cwd=probe, **win)
        figures["go_build_windows_merged_seconds"] = round(rb.seconds, 2)
        compiled = built_packages(rb)
        if t.ok(rb.returncode == 0, "go build windows/amd64 with the merged GOROOT", show(rb)):
            std_built = [p for p in compiled if not p.startswith("example.com/")]
            t.ok(not std_built, "... compiled no std package (go build -v: %s)"
                 % " ".join(compiled), "compiled: " + " ".join(compiled))
            rf = run(["file", "-b", win_bin])
            t.ok("PE32+ executable" in rf.stdout and "x86-64" in rf.stdout,
                 "file: %s" % rf.stdout.strip()[:100], show(rf))

        # 5. The same arm64 build against the plain host tree (Debian's
        # GOROOT, no pkg/linux_arm64): std has to compile.
        # The machine may be shared: time each build a few times, each with
        # a fresh GOCACHE and a new output file (go build skips the link when
        # the output's build ID already matches), and quote the fastest.
        plain = Go(DEBIAN_GOROOT, tmp)
        merged_times = [figures["go_build_arm64_merged_seconds"]]
        for i in range(2):
            rb = go.run(["build", "-o", "%s-%d" % (arm_bin, i), "."], go.fresh_cache("b1"),
                        cwd=probe, **arm64_cgo)
            merged_times.append(round(rb.seconds, 2))
        plain_times = []
        for i in range(2):
            rp = plain.run(["build", "-v", "-o", os.path.join(tmp, "probe-plain-%d" % i), "."],
                           plain.fresh_cache("b3"), cwd=probe, **arm64_cgo)
            plain_times.append(round(rp.seconds, 2))
            if rp.returncode != 0:
                break
        figures["go_build_arm64_merged_runs"] = merged_times
        figures["go_build_arm64_plain_runs"] = plain_times
        figures["go_build_arm64_merged_seconds"] = min(merged_times)
        figures["go_build_arm64_plain_seconds"] = min(plain_times)
        compiled_plain = built_packages(rp)
        figures["go_build_arm64_plain_std_packages_compiled"] = len(
            [p for p in compiled_plain if not p.startswith("example.com/")])
        t.ok(rp.returncode == 0 and figures["go_build_arm64_plain_std_packages_compiled"] > 10,
             "without the merge the same build compiles %d std packages"
             % figures["go_build_arm64_plain_std_packages_compiled"], show(rp))
        t.diag("go build linux/arm64 (cgo), fresh GOCACHE, best of %d/%d: merged GOROOT %.1f s,"
               " plain host GOROOT %.1f s" % (len(merged_times), len(plain_times),
                                             figures["go_build_arm64_merged_seconds"],
                                             figures["go_build_arm64_plain_seconds"]))

    figures["suite_seconds"] = round(time.monotonic() - suite_t0, 1)
    figures["go"] = version
    figures["cpus"] = os.cpu_count()
    path = os.path.join(build_dir, "real-figures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(figures, f, indent=1, sort_keys=True)
        f.write("\n")
    t.diag("figures (%s):\n%s" % (path, json.dumps(figures, indent=1, sort_keys=True)))
    return t.plan()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        print("not ok - unexpected exception")
        for line in traceback.format_exc().splitlines():
            print("# " + line)
        print("Bail out! unexpected exception")
        sys.exit(1)
