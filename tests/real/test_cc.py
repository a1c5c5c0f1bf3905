#!/usr/bin/env python3
"""The real C cross compiler proof (suite 'cc'): real Zig 0.11.0 (from npm,
repackaged and signed by tests/real/mkzigfixture.py) and the real Go 1.19.8
mirror (tests/real/mkrealmirror.py), locked and synced by gonative; a probe
using net, os/user and one cgo function is built with
`gonative exec --target OS/ARCH -- go build` and run:

  1. linux/arm64, glibc 2.17, under qemu-aarch64: cgo DNS resolver, the cgo
     result, newest GLIBC_ symbol <= 2.17; getrandom() fails to link at 2.17
     and links at 2.25 (a second manifest with cc.glibc "2.25").
  2. linux/amd64, musl: no dynamic section, runs natively.
  3. linux/arm, GOARM=7, under qemu-arm.
  4. windows/amd64: PE imports (objdump -p); wine64 only with
     GONATIVE_TEST_WINE=1.
  5. Two builds from two install folders are byte-identical (-trimpath
     -ldflags='-s -w -buildid=').
  6. A Zig tarball with a wrong sha256, size, key, trusted comment or file
     name: exit 4, nothing installed or cached.

Cold and warm build times are TAP diagnostics and <build dir>/cc-figures.json.
Environment: GONATIVE, GONATIVE_BUILD_DIR, GONATIVE_REAL_CACHE (Go mirror),
GONATIVE_ZIG_FIXTURE (Zig fixture, default <build dir>/zig-fixture),
GONATIVE_TEST_WINE.  Prints "1..0 # SKIP" when a tool is missing.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from taplib import Tap, skip_all  # noqa: E402

DEBIAN_GOROOT = "/usr/lib/go-1.19"
TARGETS = "linux/arm64,windows/amd64,linux/arm"
PLATFORMS = ["linux/amd64", "linux/arm", "linux/arm64", "windows/amd64"]
TOOLS = ["npm", "xz", "minisign", "qemu-aarch64", "qemu-arm", "objdump"]
ZIG_TARBALL = "zig-linux-x86_64-0.11.0.tar.xz"

PROBE = r'''package main

/*
#include <stdint.h>
static int32_t cgo_answer(int32_t a) { return a * 2; }
*/
import "C"

import (
	"fmt"
	"net"
	"os/user"
)

func main() {
	fmt.Println("cgo:", int(C.cgo_answer(21)))
	if u, err := user.Current(); err == nil {
		fmt.Println("user:", u.Uid)
	} else {
		fmt.Println("user error:", err)
	}
	addrs, err := net.LookupHost("localhost")
	fmt.Println("lookup:", len(addrs) > 0, err)
}
'''

RANDOM = r'''package main

/*
#include <sys/random.h>
static long fill(void) { char b[8]; return (long)getrandom(b, sizeof b, 0); }
*/
import "C"

import "fmt"

func main() { fmt.Println("getrandom:", int(C.fill())) }
'''


def run(cmd, env=None, cwd=None, timeout=1200):
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def show(r):
    return "exit %s\nstdout:\n%s\nstderr:\n%s" % (r.returncode, r.stdout[-2000:], r.stderr[-3000:])


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


class Project:
    def __init__(self, root, gonative, cache, manifest):
        self.root = root
        self.gonative = gonative
        self.cache = cache
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "gonative.yaml"), "w") as fh:
            fh.write(manifest)

    def run(self, *args, env=None, timeout=1200):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith(("GO", "CGO_", "ZIG_")) or k in ("CC", "CXX"):
                if k != "GONATIVE":
                    del e[k]
        e.update(env or {})
        return run([self.gonative, "-C", self.root, "--cache-dir", self.cache] + list(args),
                   env=e, timeout=timeout)

    @property
    def install(self):
        return os.path.join(self.root, ".gonative", "go")


def manifest(mirror, zig, glibc="2.17", zig_index=None, keys=None):
    return """go: "1.19.8"
hosts: [linux/amd64]
platforms: [%s]
index: "file://%s/index.json"
mirrors: ["file://%s/"]
cc:
  zig: "0.11.0"
  index: "%s"
  keys: ["%s"]
  glibc: "%s"
  musl: [linux/amd64]
""" % (", ".join(PLATFORMS), mirror, mirror, zig_index or "file://%s/index.json" % zig,
       keys or os.path.join(zig, "test.pub"), glibc)


def go_build(t, p, target, src_dir, out, gocache, extra=(), env=None):
    e = {"GOCACHE": gocache, "GOPATH": os.path.join(gocache, "gopath"), "GOFLAGS": "-mod=mod",
         "GOPROXY": "off", "GOENV": "off", "HOME": gocache}
    e.update(env or {})
    return p.run("exec", "--frozen", "--target", target, "--", "sh", "-c",
                 'cd "$1" && shift && go build "$@"', "sh", src_dir, "-o", out, *extra, ".",
                 env=e)


def write_module(d, name, source):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "go.mod"), "w") as fh:
        fh.write("module %s\n\ngo 1.19\n" % name)
    with open(os.path.join(d, "main.go"), "w") as fh:
        fh.write(source)


def newest_glibc(objdump_out):
    vers = [tuple(int(x) for x in m.split(".")) for m in
            re.findall(r"GLIBC_(\d+(?:\.\d+)+)", objdump_out)]
    return max(vers) if vers else None


def main():
    t = Tap()
    exe = os.environ.get("GONATIVE")
    build_dir = os.environ.get("GONATIVE_BUILD_DIR") or os.getcwd()
    missing = [x for x in TOOLS if not shutil.which(x)]
    if not os.path.exists(os.path.join(DEBIAN_GOROOT, "bin", "go")):
        missing.append(DEBIAN_GOROOT)
    if not os.path.isdir("/usr/arm-linux-gnueabihf") or not os.path.isdir("/usr/aarch64-linux-gnu"):
        missing.append("libc6-dev-armhf-cross/libc6-dev-arm64-cross")
    if missing:
        skip_all("missing: %s (scripts/deps.sh real)" % ", ".join(missing))
    mirror = os.environ.get("GONATIVE_REAL_CACHE") or os.path.join(build_dir, "real-mirror")
    zig = os.environ.get("GONATIVE_ZIG_FIXTURE") or os.path.join(build_dir, "zig-fixture")
    r = run([sys.executable, os.path.join(HERE, "mkrealmirror.py"), mirror, "--goroot",
             DEBIAN_GOROOT, "--targets", TARGETS], timeout=1800)
    if not t.ok(r.returncode == 0, "real Go 1.19.8 mirror", show(r)):
        return 1
    r = run([sys.executable, os.path.join(HERE, "mkzigfixture.py"), zig], timeout=1800)
    if not t.ok(r.returncode == 0, "real Zig 0.11.0 fixture (npm integrity checked)", show(r)):
        return 1
    tmp = tempfile.mkdtemp(prefix="gonative-cc-")
    figures = {}
    try:
        cache = os.path.join(tmp, "cache")
        a = Project(os.path.join(tmp, "a"), exe, cache, manifest(mirror, zig))
        start = time.monotonic()
        r = a.run("sync")
        figures["lock_and_sync_s"] = round(time.monotonic() - start, 1)
        if not t.ok(r.returncode == 0, "lock + sync Go 1.19.8 and Zig 0.11.0", show(r)):
            return 1
        with open(os.path.join(a.root, "gonative.lock")) as fh:
            lock = fh.read()
        t.ok("aarch64-linux-gnu.2.17" in lock and "x86_64-linux-musl" in lock and
             "arm-linux-gnueabihf.2.17" in lock and "x86_64-windows-gnu" in lock,
             "the lock records each platform's -target", lock)
        zig_bin = a.install + "-zig/zig"
        r = run([zig_bin, "version"])
        t.ok(r.stdout.strip() == "0.11.0", "the installed zig is 0.11.0", show(r))

        src = os.path.join(tmp, "probe")
        write_module(src, "probe", PROBE)
        out = os.path.join(tmp, "out")
        os.makedirs(out)

        # 1. linux/arm64, glibc 2.17 (cold, then warm).
        gocache = os.path.join(tmp, "gocache-a")
        start = time.monotonic()
        r = go_build(t, a, "linux/arm64", src, os.path.join(out, "arm64"), gocache)
        figures["arm64_cold_build_s"] = round(time.monotonic() - start, 1)
        t.ok(r.returncode == 0, "go build for linux/arm64 through zig cc", show(r))
        os.utime(os.path.join(src, "main.go"))
        start = time.monotonic()
        r = go_build(t, a, "linux/arm64", src, os.path.join(out, "arm64-warm"), gocache,
                     )
        figures["arm64_warm_build_s"] = round(time.monotonic() - start, 1)
        t.diag("linux/arm64 probe: cold %.1f s, warm %.1f s" %
               (figures["arm64_cold_build_s"], figures["arm64_warm_build_s"]))
        r = run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", os.path.join(out, "arm64")],
                env=dict(os.environ, GODEBUG="netdns=cgo+2"))
        t.ok(r.returncode == 0 and "cgo: 42" in r.stdout and "lookup: true" in r.stdout,
             "arm64 probe runs under qemu-aarch64 with the cgo result", show(r))
        t.ok("using cgo DNS resolver" in r.stderr, "arm64 probe uses the cgo DNS resolver",
             show(r))
        r = run(["objdump", "-T", os.path.join(out, "arm64")])
        newest = newest_glibc(r.stdout)
        figures["arm64_newest_glibc"] = ".".join(map(str, newest or ()))
        t.ok(newest is not None and newest <= (2, 17),
             "newest GLIBC_ symbol is <= 2.17 (%s)" % figures["arm64_newest_glibc"],
             r.stdout[-2000:])
        rsrc = os.path.join(tmp, "random")
        write_module(rsrc, "random", RANDOM)
        r = go_build(t, a, "linux/arm64", rsrc, os.path.join(out, "random-217"), gocache)
        t.ok(r.returncode != 0 and "getrandom" in r.stdout + r.stderr,
             "getrandom() does not link at glibc 2.17", show(r))
        c = Project(os.path.join(tmp, "c"), exe, cache, manifest(mirror, zig, glibc="2.25"))
        r = c.run("sync")
        t.ok(r.returncode == 0, "sync with cc.glibc 2.25", show(r))
        r = go_build(t, c, "linux/arm64", rsrc, os.path.join(out, "random-225"),
                     os.path.join(tmp, "gocache-c"))
        t.ok(r.returncode == 0, "getrandom() links at glibc 2.25", show(r))
        r = run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", os.path.join(out, "random-225")])
        t.ok(r.returncode == 0 and "getrandom: 8" in r.stdout, "and runs", show(r))

        # 2. linux/amd64, static musl.
        r = go_build(t, a, "linux/amd64", src, os.path.join(out, "amd64-musl"), gocache)
        t.ok(r.returncode == 0, "go build for linux/amd64 (musl)", show(r))
        r = run(["objdump", "-p", os.path.join(out, "amd64-musl")])
        t.ok(r.returncode == 0 and "Dynamic Section" not in r.stdout and "NEEDED" not in r.stdout,
             "musl binary has no dynamic section", r.stdout[-1500:])
        r = run([os.path.join(out, "amd64-musl")], env=dict(os.environ, GODEBUG="netdns=cgo+2"))
        t.ok(r.returncode == 0 and "cgo: 42" in r.stdout, "musl binary runs natively", show(r))

        # 3. linux/arm, GOARM=7.
        r = go_build(t, a, "linux/arm", src, os.path.join(out, "arm"), gocache)
        t.ok(r.returncode == 0, "go build for linux/arm (GOARM=7)", show(r))
        r = run(["qemu-arm", "-L", "/usr/arm-linux-gnueabihf", os.path.join(out, "arm")],
                env=dict(os.environ, GODEBUG="netdns=cgo+2"))
        t.ok(r.returncode == 0 and "cgo: 42" in r.stdout, "arm probe runs under qemu-arm",
             show(r))

        # 4. windows/amd64.
        exe_path = os.path.join(out, "probe.exe")
        r = go_build(t, a, "windows/amd64", src, exe_path, gocache)
        t.ok(r.returncode == 0, "go build for windows/amd64", show(r))
        objdump = shutil.which("x86_64-w64-mingw32-objdump") or "objdump"
        r = run([objdump, "-p", exe_path])
        dlls = sorted(set(re.findall(r"DLL Name: (\S+)", r.stdout)))
        figures["windows_dlls"] = dlls
        t.ok("KERNEL32.dll" in [d.upper().replace(".DLL", ".dll") for d in dlls] and
             any(d.lower() in ("msvcrt.dll", "ucrtbase.dll") or d.lower().startswith("api-ms-win-crt")
                 for d in dlls),
             "PE imports kernel32 and a C runtime (%s)" % ", ".join(dlls), r.stdout[-1500:])
        if os.environ.get("GONATIVE_TEST_WINE") == "1" and shutil.which("wine64"):
            r = run(["wine64", exe_path], env=dict(os.environ, WINEDEBUG="-all"))
            t.ok(r.returncode == 0 and "cgo: 42" in r.stdout, "probe.exe runs under wine64",
                 show(r))
        else:
            t.skip("probe.exe runs under wine64", "set GONATIVE_TEST_WINE=1 (needs wine64)")

        # 5. Reproducible across install folders.
        b = Project(os.path.join(tmp, "elsewhere", "b"), exe, os.path.join(tmp, "cache-b"),
                    manifest(mirror, zig))
        r = b.run("sync")
        t.ok(r.returncode == 0, "sync a second project (other install folder, other cache)",
             show(r))
        flags = ["-trimpath", "-ldflags=-s -w -buildid="]
        outs = []
        for proj, name in ((a, "repro-a"), (b, "repro-b")):
            path = os.path.join(out, name)
            r = go_build(t, proj, "linux/arm64", src, path,
                         os.path.join(tmp, "gocache-" + name), extra=flags)
            t.ok(r.returncode == 0, "reproducible build in %s" % proj.root, show(r))
            outs.append(path)
        same = all(os.path.exists(x) for x in outs) and sha256(outs[0]) == sha256(outs[1])
        t.ok(same, "two install folders give byte-identical linux/arm64 binaries",
             " vs ".join(sha256(x) if os.path.exists(x) else "missing" for x in outs))

        # 6. Refusals with the real tarball: exit 4, nothing installed or cached.
        real = os.path.join(zig, ZIG_TARBALL)
        with open(os.path.join(zig, "index.json")) as fh:
            index = json.load(fh)
        entry = index["0.11.0"]["x86_64-linux"]
        other = os.path.join(tmp, "other-key")
        os.makedirs(other)
        run(["minisign", "-G", "-W", "-p", other + "/k.pub", "-s", other + "/k.key"])

        def case(name, edit_entry=None, sig=None, keys=None):
            d = os.path.join(tmp, "bad-" + name.replace(" ", "-"))
            os.makedirs(d)
            os.symlink(real, os.path.join(d, ZIG_TARBALL))
            if sig:
                sig(d)
            else:
                shutil.copy(real + ".minisig", os.path.join(d, ZIG_TARBALL + ".minisig"))
            e = dict(entry, tarball="file://%s/%s" % (d, ZIG_TARBALL))
            if edit_entry:
                e.update(edit_entry)
            with open(os.path.join(d, "index.json"), "w") as fh:
                json.dump({"0.11.0": {"date": "2023-08-04", "x86_64-linux": e}}, fh)
            p = Project(os.path.join(tmp, "p-" + name.replace(" ", "-")), exe,
                        os.path.join(tmp, "c-" + name.replace(" ", "-")),
                        manifest(mirror, zig, zig_index="file://%s/index.json" % d, keys=keys))
            r = p.run("sync")
            t.ok(r.returncode == 4, "%s: exit 4" % name, show(r))
            arch = os.path.join(p.cache, "archives")
            cached = os.listdir(arch) if os.path.isdir(arch) else []
            t.ok(not os.path.exists(p.install) and not os.path.exists(p.install + "-zig")
                 and entry["shasum"] not in cached and not any("minisig" in x for x in cached),
                 "%s: nothing installed or cached" % name, cached)

        def resign(comment):
            def f(d):
                tb = os.path.join(d, "signed.tar.xz")
                shutil.copy(real, tb)
                run(["minisign", "-S", "-s", os.path.join(zig, "test.key"), "-m", tb, "-t",
                     comment])
                os.rename(tb + ".minisig", os.path.join(d, ZIG_TARBALL + ".minisig"))
                os.unlink(tb)
            return f

        def tamper(d):
            with open(real + ".minisig") as fh:
                lines = fh.read().split("\n")
            lines[2] = lines[2].replace("timestamp:", "timestamp:1")
            with open(os.path.join(d, ZIG_TARBALL + ".minisig"), "w") as fh:
                fh.write("\n".join(lines))

        case("wrong sha256", {"shasum": "00" + entry["shasum"][2:]})
        case("wrong size", {"size": str(int(entry["size"]) - 1)})
        case("wrong key", keys=other + "/k.pub")
        case("tampered trusted comment", sig=tamper)
        case("signature for another file",
             sig=resign("timestamp:1691452800\tfile:zig-linux-x86_64-0.11.1.tar.xz"))
    finally:
        with open(os.path.join(build_dir, "cc-figures.json"), "w") as fh:
            json.dump(figures, fh, indent=1, sort_keys=True)
        t.diag("figures: " + json.dumps(figures, sort_keys=True))
        if not os.environ.get("GONATIVE_CC_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    return t.plan()


if __name__ == "__main__":
    sys.exit(main())
