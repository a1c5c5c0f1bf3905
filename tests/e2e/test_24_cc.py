#!/usr/bin/env python3
"""Issue 11: cc: (a pinned, signed Zig as the C cross compiler), fast and
without the real Zig: a tiny fake zig (.tar.xz holding a shell script) in a
Zig index of the official shape (sizes as strings, a "master" entry, plain
"date"/"docs" values), signed with a test minisign key.

Covers: lock's cc: section (per host file/url/size/sha256/signed-by/tree,
per platform the -target), byte-identical locks, PyYAML reads back what is
written, sync installs Zig beside the GOROOT (stat record, check, verify,
--offline), env/exec --target output, GOTOOLCHAIN=local always, exit 4 for
a wrong sha256, size, key, trusted comment or file name (nothing installed
or cached), exit 2 for a platform Zig cannot serve unless cc.skip lists it.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

MINISIGN = e2e.MINISIGN
keypair = e2e.minisign_keypair
ZIG = "0.11.0"
# This machine as Zig's index names it.
ZIG_KEYS = {"linux/amd64": "x86_64-linux", "linux/arm64": "aarch64-linux",
            "linux/386": "x86-linux", "linux/arm": "armv7a-linux",
            "darwin/amd64": "x86_64-macos", "darwin/arm64": "aarch64-macos"}
PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm", "windows/amd64"]
TARGETS = {"linux/amd64": "x86_64-linux-musl", "linux/arm64": "aarch64-linux-gnu.2.17",
           "linux/arm": "arm-linux-gnueabihf.2.17", "windows/amd64": "x86_64-windows-gnu"}
FAKE_ZIG = b'#!/bin/sh\necho "fake zig $*"\n'


def tarball_name(version=ZIG):
    arch, os_ = ZIG_KEYS[e2e.HOST].split("-")
    return "zig-%s-%s-%s.tar.xz" % (os_, arch, version)


def make_tarball(path, top, extra=b""):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz", format=tarfile.PAX_FORMAT) as tar:
        for name, mode, data in [("", 0o755, None), ("zig", 0o755, FAKE_ZIG),
                                 ("lib", 0o755, None),
                                 ("lib/zig.h", 0o644, b"/* zig.h */\n" + extra)]:
            ti = tarfile.TarInfo((top + "/" + name).rstrip("/"))
            ti.mtime = 1691452800
            ti.mode = mode
            ti.uid = ti.gid = 0
            if data is None:
                ti.type = tarfile.DIRTYPE
                tar.addfile(ti)
            else:
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())
    return buf.getvalue()


def sign(path, sec, comment=None):
    argv = [MINISIGN, "-S", "-s", sec, "-m", path]
    if comment:
        argv += ["-t", comment]
    subprocess.run(argv, check=True, capture_output=True)


def write_index(folder, base_url, file, data, size=None, sha=None):
    entry = {"tarball": base_url + file,
             "shasum": sha or hashlib.sha256(data).hexdigest(),
             "size": str(len(data) if size is None else size)}
    index = {
        "master": {"version": "0.12.0-dev.1+abcdef", "date": "2023-09-01",
                   "docs": "https://ziglang.org/documentation/master/",
                   ZIG_KEYS[e2e.HOST]: dict(entry, tarball=base_url + "nope.tar.xz")},
        ZIG: {"date": "2023-08-04", "docs": "https://ziglang.org/documentation/0.11.0/",
              "notes": "https://ziglang.org/download/0.11.0/release-notes.html",
              "src": {"tarball": base_url + "zig-0.11.0.tar.xz", "shasum": "0" * 64,
                      "size": "15"},
              ZIG_KEYS[e2e.HOST]: entry},
    }
    with open(os.path.join(folder, "index.json"), "w") as fh:
        json.dump(index, fh, indent=2)


def zig_dist(t, sec, tweak=None):
    """A folder with a signed fake Zig and its index; tweak(folder, path) may break it."""
    d = t.newdir("zigdist")
    name = tarball_name()
    path = os.path.join(d, name)
    data = make_tarball(path, name[:-len(".tar.xz")])
    sign(path, sec)
    return d, name, path, data


def env_lines(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            out[k] = v
    return out


def main(t):
    if not MINISIGN:
        e2e.skip_all("minisign is not installed", 77)
    import yaml

    mirror = t.mirror()
    pub, sec, keyid = keypair(t, "zig")
    other_pub, other_sec, _ = keypair(t, "other")
    zdir, zname, zpath, zdata = zig_dist(t, sec)
    zsha = hashlib.sha256(zdata).hexdigest()
    with t.server(zdir) as zsrv, t.server(mirror.root) as gsrv:
        write_index(zdir, zsrv.url, zname, zdata)
        cc = {"zig": ZIG, "index": zsrv.url + "index.json", "keys": [pub],
              "musl": ["linux/amd64"]}
        base = dict(go="1.17", platforms=PLATFORMS, index=gsrv.url + "index.json",
                    mirrors=[gsrv.url])
        p = t.project(cc=cc, **base)

        # 1. lock: the cc: section.
        r = p.run("lock")
        t.expect_rc(r, 0, "lock with cc:")
        raw = p.lock_bytes()
        lock = yaml.safe_load(raw)
        c = lock.get("cc") or {}
        t.check(c.get("zig") == ZIG and b'zig: "0.11.0"' in raw,
                "cc.zig is the string \"0.11.0\" (quoted)", raw.decode())
        h = (c.get("hosts") or {}).get(e2e.HOST) or {}
        t.check(h.get("file") == zname and h.get("url") == zsrv.url + zname,
                "cc.hosts names the tarball and its URL", h)
        t.check(h.get("size") == len(zdata) and h.get("sha256") == zsha,
                "cc.hosts has the tarball's size and sha256", h)
        t.check(h.get("signed-by") == keyid, "cc.hosts signed-by is the test key's id",
                "%s vs %s" % (h.get("signed-by"), keyid))
        unpacked = t.newdir("unpacked")
        with tarfile.open(zpath) as tar:
            tar.extractall(unpacked)
        want_tree = e2e.git_tree_hash(os.path.join(unpacked, zname[:-len(".tar.xz")]))
        t.check(h.get("tree") == want_tree, "cc tree is stock git's hash of the Zig tree",
                "%s vs %s" % (h.get("tree"), want_tree))
        t.check(c.get("targets") == TARGETS, "cc.targets: one -target per platform",
                c.get("targets"))
        t.check(raw.index(b"\ngoroot:") < raw.index(b"\ncc:"), "cc: comes after goroot:")
        t.expect_rc(p.run("lock"), 0, "lock again")
        t.check(p.lock_bytes() == raw, "the same manifest gives a byte-identical lock")
        q = t.project(cc=cc, **base)
        t.expect_rc(q.run("lock"), 0, "lock in a second folder")
        t.check(q.lock_bytes() == raw, "byte-identical lock from another folder and cache")

        # 2. sync: Zig beside the GOROOT.
        r = p.run("sync")
        t.expect_rc(r, 0, "sync with cc:")
        zroot = p.install + "-zig"
        zig = os.path.join(zroot, "zig")
        t.check(os.access(zig, os.X_OK), "zig installed at <install>-zig/zig", zroot)
        t.check(os.path.isfile(zroot + ".state"), "stat record beside the Zig tree")
        t.check(not os.path.exists(os.path.join(p.install, "zig")), "nothing of Zig in GOROOT")
        t.check(e2e.git_tree_hash(zroot) == want_tree, "installed Zig tree hashes as locked")
        r = p.run("sync")
        t.expect_rc(r, 0, "warm sync")
        t.expect_rc(p.run("check"), 0, "check: all in place")
        t.expect_rc(p.run("verify"), 0, "verify re-hashes GOROOT and Zig")
        with open(os.path.join(zroot, "lib", "zig.h"), "ab") as fh:
            fh.write(b"/* edited */\n")
        r = p.run("check")
        t.expect_rc(r, 1, "check sees the edited Zig tree", hard=False)
        t.expect_in(zroot, r.out + r.err, "check names the Zig tree", r)
        t.expect_rc(p.run("verify"), 1, "verify sees the edited Zig tree", hard=False)
        t.expect_rc(p.run("sync"), 0, "sync repairs it")
        t.check(e2e.git_tree_hash(zroot) == want_tree, "repaired tree hashes as locked")
        shutil.rmtree(zroot)
        os.unlink(zroot + ".state")
        t.expect_rc(p.run("sync", "--offline"), 0, "sync --offline reinstalls Zig from the cache")
        t.check(os.access(zig, os.X_OK), "zig back after --offline sync")

        # A folder at <install>-zig that gonative did not install is not replaced.
        o = t.project(cc=cc, **base)
        os.makedirs(o.install + "-zig")
        with open(os.path.join(o.install + "-zig", "mine.txt"), "w") as fh:
            fh.write("not gonative's\n")
        r = o.run("sync")
        t.expect_rc(r, 5, "sync refuses a <install>-zig it did not install", hard=False)
        t.check(os.listdir(o.install + "-zig") == ["mine.txt"] and not o.archives(),
                "the foreign folder is untouched, nothing downloaded", o.archives())

        # 3. env and exec.
        r = p.run("env", "--shell", "sh")
        t.expect_rc(r, 0, "env")
        e = env_lines(r.out)
        t.check(e.get("GOTOOLCHAIN") == "'local'", "env sets GOTOOLCHAIN=local", r.out)
        t.check("GOOS" not in e and "CC" not in e, "env without --target: no GOOS, no CC", r.out)
        r = p.run("env", "--shell", "sh", "--target", "linux/arm64")
        t.expect_rc(r, 0, "env --target linux/arm64")
        e = env_lines(r.out)
        want = {"GOOS": "'linux'", "GOARCH": "'arm64'", "CGO_ENABLED": "'1'",
                "GOTOOLCHAIN": "'local'",
                "CC": "'%s cc -target aarch64-linux-gnu.2.17'" % zig,
                "CXX": "'%s c++ -target aarch64-linux-gnu.2.17'" % zig,
                "GOROOT": "'%s'" % p.install}
        for k, v in want.items():
            t.check(e.get(k) == v, "env --target linux/arm64: %s=%s" % (k, v), r.out)
        t.check(e.get("ZIG_GLOBAL_CACHE_DIR", "").startswith("'" + p.cache)
                and e.get("ZIG_LOCAL_CACHE_DIR", "").startswith("'" + p.cache),
                "Zig's caches live under the gonative cache", r.out)
        t.check(e.get("CGO_LDFLAGS") == "'-O2'",
                "CGO_LDFLAGS=-O2: no -g after Go's -s on the link line", r.out)
        r = p.run("env", "--shell", "sh", "--target", "linux/amd64")
        e = env_lines(r.out)
        t.check(e.get("CC") == "'%s cc -target x86_64-linux-musl'" % zig and
                e.get("CGO_LDFLAGS") == "'-O2 -static'",
                "a musl target links statically (CGO_LDFLAGS=-O2 -static)", r.out)
        r = p.run("env", "--shell", "sh", "--target", "linux/arm")
        t.check(env_lines(r.out).get("GOARM") == "'7'", "linux/arm gets GOARM=7", r.out)
        r = p.run("env", "--json", "--target", "windows/amd64")
        t.expect_rc(r, 0, "env --json --target windows/amd64")
        j = json.loads(r.out)
        t.check(j.get("CC") == zig + " cc -target x86_64-windows-gnu" and
                j.get("GOOS") == "windows" and j.get("GOTOOLCHAIN") == "local",
                "env --json carries CC, GOOS and GOTOOLCHAIN", r.out)
        r = p.run("env", "--target", "linux/riscv64")
        t.expect_rc(r, 2, "env --target for a platform not locked")
        r = p.run("exec", "--target", "linux/arm64", "--", "sh", "-c",
                  'echo "GOTOOLCHAIN=$GOTOOLCHAIN CGO=$CGO_ENABLED"; $CC --version')
        t.expect_rc(r, 0, "exec --target runs $CC")
        t.expect_in("GOTOOLCHAIN=local CGO=1", r.out, "exec sets GOTOOLCHAIN and CGO_ENABLED", r)
        t.expect_in("fake zig cc -target aarch64-linux-gnu.2.17 --version", r.out,
                    "$CC runs the installed zig with the locked target", r)
        r = p.run("exec", "--", "sh", "-c", 'echo "GOTOOLCHAIN=$GOTOOLCHAIN"')
        t.expect_in("GOTOOLCHAIN=local", r.out, "exec without --target sets GOTOOLCHAIN", r)

        # 4. Refusals: exit 4, nothing installed, nothing cached.
        cases = []
        d, n, path, data = zig_dist(t, sec)
        cases.append(("wrong sha256", d, n, data, dict(sha="ab" * 32)))
        d, n, path, data = zig_dist(t, sec)
        cases.append(("wrong size", d, n, data, dict(size=len(data) + 1)))
        d, n, path, data = zig_dist(t, other_sec)
        cases.append(("signed by another key", d, n, data, {}))
        d, n, path, data = zig_dist(t, sec)
        with open(path + ".minisig") as fh:
            lines = fh.read().split("\n")
        lines[2] = lines[2] + "\tedited"
        with open(path + ".minisig", "w") as fh:
            fh.write("\n".join(lines))
        cases.append(("tampered trusted comment", d, n, data, {}))
        d, n, path, data = zig_dist(t, sec)
        sign(path, sec, "timestamp:1691452800\tfile:%s" % tarball_name("0.12.0"))
        cases.append(("signature for another file name", d, n, data, {}))
        d, n, path, data = zig_dist(t, sec)
        os.unlink(path + ".minisig")
        cases.append(("no signature", d, n, data, {}))
        for what, d, n, data, broken in cases:
            with t.server(d) as srv:
                write_index(d, srv.url, n, data, **broken)
                bad = t.project(cc=dict(cc, index=srv.url + "index.json"), **base)
                r = bad.run("sync")
                t.expect_rc(r, 4, "Zig tarball with %s: exit 4" % what, hard=False)
                t.expect_error_line(r, what)
                t.check(not os.path.exists(bad.install) and
                        not os.path.exists(bad.install + "-zig"),
                        "%s: nothing installed" % what)
                shas = {hashlib.sha256(data).hexdigest(), broken.get("sha", "")}
                arch = bad.archives()
                t.check(not shas & set(arch) and not [a for a in arch if "minisig" in a],
                        "%s: nothing of it cached" % what, arch)
                t.check(not os.path.exists(bad.lock_path), "%s: no lock written" % what)

        # 5. A platform Zig cannot serve: exit 2 before any download, unless skipped.
        dead = "http://127.0.0.1:9/index.json"
        u = t.project(cc=dict(cc, index=dead), go="1.17",
                      platforms=PLATFORMS + ["darwin/arm64"], index=dead, mirrors=[gsrv.url])
        r = u.run("lock")
        t.expect_rc(r, 2, "lock with darwin/arm64 and no cc.skip", hard=False)
        t.expect_in("darwin/arm64", r.err, "the error names the platform", r)
        t.expect_in("cc.skip", r.err, "the error says how to skip it", r)
        s = t.project(cc=dict(cc, skip=["darwin/arm64"]), go="1.17",
                      platforms=PLATFORMS + ["darwin/arm64"], index=gsrv.url + "index.json",
                      mirrors=[gsrv.url])
        t.expect_rc(s.run("lock"), 0, "lock with darwin/arm64 in cc.skip")
        targets = yaml.safe_load(s.lock_bytes())["cc"]["targets"]
        t.check("darwin/arm64" not in targets and targets == TARGETS,
                "a skipped platform gets no -target", targets)
        t.expect_rc(s.run("sync"), 0, "sync with a skipped platform")
        r = s.run("env", "--shell", "sh", "--target", "darwin/arm64")
        e = env_lines(r.out)
        t.check(e.get("CGO_ENABLED") == "'0'" and "CC" not in e,
                "a skipped platform gets CGO_ENABLED=0 and no CC", r.out)

        # 6. Manifest errors: exit 2 with the position.
        for what, bad_cc in (("musl for windows", dict(cc, musl=["windows/amd64"])),
                             ("no zig", {"index": cc["index"]}),
                             ("zig master", dict(cc, zig="master")),
                             ("glibc 3", dict(cc, glibc="3.1")),
                             ("skip not a platform", dict(cc, skip=["linux/386"])),
                             ("empty keys", dict(cc, keys=[]))):
            m = t.project(cc=bad_cc, **base)
            r = m.run("lock")
            t.expect_rc(r, 2, "manifest with %s: exit 2" % what, hard=False)
            t.expect_re(r"gonative\.yaml:\d+:\d+", r.err, "%s: error has file:line:col" % what, r)


if __name__ == "__main__":
    e2e.run(main)
