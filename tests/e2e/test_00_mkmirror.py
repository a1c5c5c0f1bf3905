#!/usr/bin/env python3
"""The fixture generator: byte-identical re-runs, go.dev's index shape, and
the archive layouts the other e2e tests rely on."""
import hashlib
import json
import os
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

FIELDS = ["filename", "os", "arch", "version", "sha256", "size", "kind"]


def main(t):
    a = e2e.Mirror(os.path.join(t.tmp, "a"))
    b = e2e.Mirror(os.path.join(t.tmp, "b"))
    names = sorted(os.listdir(a.root))
    t.require(names == sorted(os.listdir(b.root)), "both runs write the same file names")
    diff = []
    for n in names:
        with open(a.path(n), "rb") as fa, open(b.path(n), "rb") as fb:
            if fa.read() != fb.read():
                diff.append(n)
    t.check(not diff, "re-running gives byte-identical files", diff)

    with open(a.path("index.json"), "rb") as fh:
        raw = fh.read()
    t.check(raw.endswith(b"]\n") and raw.startswith(b"[\n {\n  \"version\""),
            "index has one-space indent and a trailing newline", raw[:80])
    idx = json.loads(raw)
    versions = [r["version"] for r in idx]
    t.check(versions == ["go1.22rc1", "go1.21.5", "go1.21.4", "go1.20.1", "go1.20",
                         "go1.17.13", "go1.9.7", "go1.4.3"], "releases newest first", versions)
    t.check([r["stable"] for r in idx] == [False] + [True] * 7, "only the rc is unstable")
    for rel in idx:
        files = rel["files"]
        t.check(list(rel) == ["version", "stable", "files"], "%s: release keys" % rel["version"])
        t.check(files[0]["kind"] == "source" and files[0]["os"] == "" and files[0]["arch"] == "",
                "%s: source file first with empty os/arch" % rel["version"])
        order = [(f["os"], f["arch"], f["kind"], f["filename"]) for f in files]
        t.check(order == sorted(order), "%s: files ordered by os, arch, kind, filename"
                % rel["version"])
        bad = []
        for f in files:
            if list(f) != FIELDS:
                bad.append("%s: keys %s" % (f["filename"], list(f)))
            with open(a.path(f["filename"]), "rb") as fh:
                data = fh.read()
            if f["sha256"] != hashlib.sha256(data).hexdigest() or f["size"] != len(data):
                bad.append("%s: sha256/size do not match the bytes" % f["filename"])
            if f["version"] != rel["version"]:
                bad.append("%s: version" % f["filename"])
        t.check(not bad, "%s: every field present, sha256/size real" % rel["version"], bad)
        names = [f["filename"] for f in files]
        v = rel["version"]
        t.check(("%s.linux-armv6l.tar.gz" % v) in names, "%s: linux/arm is linux-armv6l" % v)
        t.check(("%s.windows-amd64.zip" % v) in names and ("%s.windows-amd64.msi" % v) in names,
                "%s: windows zip + msi" % v)
        t.check((("%s.darwin-arm64.tar.gz" % v) in names) == (e2e.version_tuple(v) >= (1, 16, 0)),
                "%s: darwin/arm64 only from 1.16" % v)

    # Layouts.
    def tar_names(f):
        with tarfile.open(a.path(f)) as tar:
            return {m.name: m for m in tar.getmembers()}

    old = tar_names("go1.9.7.linux-amd64.tar.gz")
    t.check("go/pkg/linux_amd64/runtime/cgo.a" in old and "go/pkg/linux_amd64_race/runtime.a" in old,
            "1.9 linux/amd64 ships pkg/linux_amd64 and the race dir")
    t.check(old.get("go/bin") is not None and old["go/bin"].isdir() and old["go/bin"].mode == 0o755,
            "< 1.21 archives list folders (0755)")
    t.check(old["go/bin/go"].mode == 0o755 and old["go/misc/link"].issym()
            and old["go/misc/link"].linkname == "../VERSION", "exec bit and relative symlink")
    mt = {m.mtime for m in old.values() if m.isfile()}
    t.check(len(mt) > 3, "old releases: files have different mtimes", mt)
    new = tar_names("go1.21.5.linux-amd64.tar.gz")
    t.check(not any(m.isdir() for m in new.values()), ">= 1.21: no folder entries (distpack)")
    t.check(not any(n.startswith("go/pkg/linux_amd64") for n in new), ">= 1.21: no pkg/<os>_<arch>")
    g14 = tar_names("go1.4.3.linux-386.tar.gz")
    t.check("go/src/runtime/zasm_linux_386.h" in g14, "1.4 ships src/runtime/z*_<os>_<arch>* files")
    t.check("go/pkg/linux_386_race/runtime.a" not in g14, "race dir only for linux/amd64")
    with zipfile.ZipFile(a.path("go1.17.13.windows-amd64.zip")) as z:
        zn = z.namelist()
        t.check("go/pkg/windows_amd64/net.a" in zn and "go/bin/go.exe" in zn, "windows zip layout")
        t.check(z.read("go/pkg/windows_amd64/net.a") == b"go1.17.13 windows_amd64 net.a\n",
                "package bytes name version, platform and package")


e2e.run(main, needs_exe=False)
