#!/usr/bin/env python3
"""Mirrors in the Go >= 1.21 shape for the benchmark's "modern" and "big" rows.

    python3 bench/mkmodern.py REAL_MIRROR OUT [--version go1.21.0]
                              [--targets linux/arm64,...] [--entries N]

Go 1.20 stopped shipping pkg/<os>_<arch>/ (std is built from source and
cached) and Go 1.21 added go.env; the official archives have no directory
entries.  Without --entries, OUT gets the real mirror's host archive
repackaged in that shape: the same files less pkg/linux_amd64/, VERSION
rewritten, go.env added, no directory entries.  Each target gets a small
archive of the same shape (a gonative that still fetched target archives
for Go >= 1.20 would show it in the fetch count, not in the bytes).

With --entries N, the host archive is synthetic instead: VERSION, go.env
and N-2 small files in folders of 100 (the "big" row: peak RSS of a cold
sync at 200k entries).

OUT/index.json lists the one release.  Deterministic (fixed mtimes, gzip
header mtime 0); cached: nothing is rebuilt when OUT/.stamp matches.
Python 3 stdlib only.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import zipfile

MTIME = 1700000000
GO_ENV = (b"# This file contains the initial defaults for go command configuration.\n"
          b"GOPROXY=https://proxy.golang.org,direct\n"
          b"GOSUMDB=sum.golang.org\n"
          b"GOTOOLCHAIN=auto\n")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def info(name, size, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mode = mode
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def write_tar_gz(path, members):
    """members: iterable of (TarInfo, fileobj or None).  Returns (size, sha256)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for ti, data in members:
                    tar.addfile(ti, data)
    os.rename(tmp, path)
    return os.path.getsize(path), sha256_file(path)


def small_files(version, plat):
    """A target's stand-in.  Each names its platform, so no two targets are
    the same bytes (gonative would fetch one sha256 twice, in parallel)."""
    ver = ("%s\ntime 2023-08-08T00:00:00Z\n" % version).encode()
    return [("go/VERSION", ver, 0o644), ("go/go.env", GO_ENV, 0o644),
            ("go/bin/go", b"#!/bin/sh\necho go version %s %s\n" % (version.encode(),
                                                                  plat.encode()), 0o755)]


def repackaged_host(real_archive, version):
    """The real host archive in the >= 1.21 shape, as a member generator."""
    ver = ("%s\ntime 2023-08-08T00:00:00Z\n" % version).encode()
    with tarfile.open(real_archive, "r:gz") as src:
        for ti in src:
            if ti.isdir() or ti.name.startswith("go/pkg/linux_amd64/") or \
               ti.name in ("go/VERSION", "go/go.env"):
                continue
            if ti.isfile():
                yield ti, src.extractfile(ti)
            else:
                yield ti, None
    yield info("go/VERSION", len(ver)), io.BytesIO(ver)
    yield info("go/go.env", len(GO_ENV)), io.BytesIO(GO_ENV)


def synthetic_host(version, entries):
    ver = ("%s\ntime 2023-08-08T00:00:00Z\n" % version).encode()
    yield info("go/VERSION", len(ver)), io.BytesIO(ver)
    yield info("go/go.env", len(GO_ENV)), io.BytesIO(GO_ENV)
    for i in range(entries - 2):
        body = b"package d%d\n\n// file %d of a 200k-entry tree\nconst X%d = %d\n" % (
            i // 100, i, i, i)
        yield info("go/src/big/d%05d/f%03d.go" % (i // 100, i % 100), len(body)), \
            io.BytesIO(body)


def write_small(path, version, plat, zip_):
    if zip_:
        tmp = path + ".tmp"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data, mode in small_files(version, plat):
                zi = zipfile.ZipInfo(name, date_time=(2023, 8, 8, 0, 0, 0))
                zi.external_attr = (0o100000 | mode) << 16
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, data)
        os.rename(tmp, path)
        return os.path.getsize(path), sha256_file(path)
    return write_tar_gz(path, ((info(n, len(d), m), io.BytesIO(d))
                               for n, d, m in small_files(version, plat)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("real_mirror")
    ap.add_argument("out")
    ap.add_argument("--version", default="go1.21.0")
    ap.add_argument("--targets", default="linux/arm64,linux/386,darwin/amd64,darwin/arm64,"
                    "windows/amd64")
    ap.add_argument("--entries", type=int, default=0)
    a = ap.parse_args()

    with open(os.path.join(a.real_mirror, "index.json"), encoding="utf-8") as f:
        real = json.load(f)[0]
    host = [x for x in real["files"] if x["os"] == "linux" and x["arch"] == "amd64"
            and x["kind"] == "archive"][0]
    stamp = json.dumps({"script": sha256_file(os.path.abspath(__file__)),
                        "host": host["sha256"], "version": a.version, "targets": a.targets,
                        "entries": a.entries}, sort_keys=True)
    stamp_path = os.path.join(a.out, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path, encoding="utf-8").read() == stamp:
        return
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    files = []
    name = "%s.linux-amd64.tar.gz" % a.version
    if a.entries:
        members = synthetic_host(a.version, a.entries)
    else:
        members = repackaged_host(os.path.join(a.real_mirror, host["filename"]), a.version)
    size, sha = write_tar_gz(os.path.join(a.out, name), members)
    files.append({"filename": name, "os": "linux", "arch": "amd64", "version": a.version,
                  "sha256": sha, "size": size, "kind": "archive"})
    for plat in [t for t in a.targets.split(",") if t and t != "linux/amd64"]:
        os_, arch = plat.split("/")
        ext = "zip" if os_ == "windows" else "tar.gz"
        name = "%s.%s-%s.%s" % (a.version, os_, arch, ext)
        size, sha = write_small(os.path.join(a.out, name), a.version, plat, ext == "zip")
        files.append({"filename": name, "os": os_, "arch": arch, "version": a.version,
                      "sha256": sha, "size": size, "kind": "archive"})
    files.sort(key=lambda f: (f["os"], f["arch"], f["kind"], f["filename"]))
    with open(os.path.join(a.out, "index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps([{"version": a.version, "stable": True, "files": files}], indent=1)
                + "\n")
    with open(stamp_path, "w", encoding="utf-8") as f:
        f.write(stamp)
    print("mkmodern: %s: %d files" % (a.out, len(files)), file=sys.stderr)


if __name__ == "__main__":
    main()
