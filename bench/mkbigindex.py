#!/usr/bin/env python3
"""Make a go.dev-sized release index for the `lock` benchmark (P6).

    python3 bench/mkbigindex.py REAL_INDEX OUT [--bytes 2000000]

OUT holds REAL_INDEX's releases first (newest, as go.dev lists them) and
then synthetic older releases (go1.18.x down to go1.2, with rc and beta
prereleases) until the file is about --bytes long.  Their files are fake:
names, platforms, kinds and sizes shaped like go.dev's, sha256 derived from
the name.  They are never fetched; they only make `lock` parse, validate and
skip a realistic amount of JSON.  Formatting follows go.dev's encoder
(one-space indent, trailing newline).  Deterministic.
"""

import argparse
import hashlib
import json

PLATFORMS = [
    ("aix", "ppc64"), ("darwin", "amd64"), ("darwin", "arm64"), ("dragonfly", "amd64"),
    ("freebsd", "386"), ("freebsd", "amd64"), ("freebsd", "arm"), ("freebsd", "arm64"),
    ("illumos", "amd64"), ("linux", "386"), ("linux", "amd64"), ("linux", "arm64"),
    ("linux", "armv6l"), ("linux", "loong64"), ("linux", "mips"), ("linux", "mips64"),
    ("linux", "mips64le"), ("linux", "mipsle"), ("linux", "ppc64"), ("linux", "ppc64le"),
    ("linux", "riscv64"), ("linux", "s390x"), ("netbsd", "386"), ("netbsd", "amd64"),
    ("netbsd", "arm"), ("netbsd", "arm64"), ("openbsd", "386"), ("openbsd", "amd64"),
    ("openbsd", "arm"), ("openbsd", "arm64"), ("plan9", "386"), ("plan9", "amd64"),
    ("plan9", "arm"), ("solaris", "amd64"), ("windows", "386"), ("windows", "amd64"),
    ("windows", "arm"), ("windows", "arm64"),
]


def fake_file(version, os_, arch, kind, ext):
    if os_:
        name = "%s.%s-%s.%s" % (version, os_, arch, ext)
    else:
        name = "%s.src.tar.gz" % version
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "filename": name,
        "os": os_,
        "arch": arch,
        "version": version,
        "sha256": digest,
        "size": 60000000 + int(digest[:6], 16) * 3,
        "kind": kind,
    }


def fake_release(version, minor):
    files = [fake_file(version, "", "", "source", "")]
    # Older lines shipped fewer ports, as on go.dev.
    ports = PLATFORMS if minor >= 12 else PLATFORMS[::2]
    for os_, arch in ports:
        ext = "zip" if os_ == "windows" else "tar.gz"
        files.append(fake_file(version, os_, arch, "archive", ext))
        if os_ == "windows" and arch in ("386", "amd64", "arm64"):
            files.append(fake_file(version, os_, arch, "installer", "msi"))
        if os_ == "darwin":
            files.append(fake_file(version, os_, arch, "installer", "pkg"))
    return {
        "version": version,
        "stable": "rc" not in version and "beta" not in version,
        "files": files,
    }


def older_versions():
    """go1.18.10, go1.18.9, ..., go1.18, go1.18rc1, go1.18beta1, go1.17.13, ..."""
    for minor in range(18, 1, -1):
        for patch in range(13, 0, -1):
            yield "go1.%d.%d" % (minor, patch), minor
        yield "go1.%d" % minor, minor
        yield "go1.%drc2" % minor, minor
        yield "go1.%drc1" % minor, minor
        yield "go1.%dbeta1" % minor, minor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("real_index")
    ap.add_argument("out")
    ap.add_argument("--bytes", type=int, default=2_000_000)
    a = ap.parse_args()
    with open(a.real_index, encoding="utf-8") as f:
        releases = list(json.load(f))
    real = {r["version"] for r in releases}
    size = len(json.dumps(releases, indent=1))
    for version, minor in older_versions():
        if version in real:
            continue
        rel = fake_release(version, minor)
        releases.append(rel)
        # Nested one level deeper: one more space on each line.
        text = json.dumps(rel, indent=1)
        size += len(text) + text.count("\n") + 3
        if size >= a.bytes:
            break
    text = json.dumps(releases, indent=1) + "\n"
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)
    print("%s: %d releases, %d files, %d bytes" % (
        a.out, len(releases), sum(len(r["files"]) for r in releases), len(text)))


if __name__ == "__main__":
    main()
