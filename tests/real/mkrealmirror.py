#!/usr/bin/env python3
"""Build a REAL Go download mirror from Debian's Go 1.19 toolchain.

    python3 tests/real/mkrealmirror.py OUT [--targets linux/arm64,windows/amd64]
                                           [--goroot /usr/lib/go-1.19] [--force]

OUT receives, in the layout of https://dl.google.com/go/:

  go<V>.linux-amd64.tar.gz   Debian's GOROOT repackaged as an official host
                             distribution: go/ prefix, bin/, pkg/linux_amd64/,
                             pkg/tool/linux_amd64/, pkg/include/, src/, api/,
                             misc/, test/, VERSION.  Debian's symlinks into
                             /usr/share/go-1.19 are followed, so the archive
                             holds real files only.
  go<V>.<os>-<arch>.tar.gz   per target (.zip for windows): the
                             platform-independent tree plus std cross-built
                             by that same Go into pkg/<os>_<arch>/.
  go<V>.src.tar.gz           src/, api/, misc/, test/, VERSION.
  index.json                 go.dev's ?mode=json&include=all shape.
  .stamp                     written last; names the inputs.

Differences from a real official distribution, none of which gonative's
merge looks at: Debian's pkg/linux_amd64/cmd/ (140 MB of cmd/ packages no
official archive carries) is left out; a target archive carries neither bin/
nor pkg/tool/<os>_<arch>/ (cross-building the tools costs time and only
pkg/<os>_<arch>/ is merged), nor the host's own binaries; there are no
*_race variants.

Targets are cross-built with CGO_ENABLED=1 where a cross C compiler for them
exists (CROSS_CC below), as the natively built official distribution of that
platform would be; every other target uses CGO_ENABLED=0.  darwin targets in
particular cannot use cgo from linux: there is no Mach-O C toolchain or macOS
SDK here, so their runtime/cgo, net and os/user are the pure-Go variants.

Deterministic: members sorted, owner 0:0 with empty names, every mtime set to
the mtime of GOROOT/VERSION, gzip headers with mtime 0 and no name, zip
entries with that same fixed date.  No hard links, no symlinks.

Cached: when OUT/.stamp records the same inputs (this script, the GOROOT's
file list with sizes and mtimes, the cross compilers' versions) and a target
set that covers the requested one, and every indexed file is there with its
size, nothing is rebuilt.  Timings go to stdout.  Python 3 stdlib only.
"""

import argparse
import concurrent.futures
import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

DEFAULT_GOROOT = "/usr/lib/go-1.19"
DEFAULT_TARGETS = "linux/arm64,windows/amd64"

# Cross C compilers (Debian package names in comments).  Only targets listed
# here get CGO_ENABLED=1; darwin can never be cgo-built from linux.
CROSS_CC = {
    "linux/arm64": "aarch64-linux-gnu-gcc",  # gcc-aarch64-linux-gnu
}

# Index arch spelling (docs/design.md, section 4).
INDEX_ARCH = {("linux", "arm"): "armv6l"}

STAMP = ".stamp"
GZIP_LEVEL = 6


def log(msg):
    print("mkrealmirror: " + msg, flush=True)


def index_arch(os_, arch):
    return INDEX_ARCH.get((os_, arch), arch)


def archive_name(version, os_, arch):
    ext = ".zip" if os_ == "windows" else ".tar.gz"
    return "%s.%s-%s%s" % (version, os_, index_arch(os_, arch), ext)


def go_env(goroot, *names):
    env = clean_env(goroot)
    out = subprocess.run([os.path.join(goroot, "bin", "go"), "env"] + list(names),
                         env=env, check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def clean_env(goroot, **extra):
    """An environment with nothing inherited that steers the go command."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("GO") or k.startswith("CGO_") or k in ("CC", "CXX"))}
    env["GOROOT"] = goroot
    env["GOFLAGS"] = ""
    env["GOENV"] = "off"
    env.update(extra)
    return env


def walk_tree(root):
    """[(relpath, realpath, st)] for root's dirs and files, symlinks followed.

    Dirs end with "/".  Sorted so that a dir comes right before its content.
    """
    out = []

    def rec(rel, path):
        names = sorted(os.listdir(path))
        for name in names:
            p = os.path.join(path, name)
            r = rel + name
            st = os.stat(p)  # follows links: Debian's tree is mostly links
            if os.path.isdir(p):
                out.append((r + "/", p, st))
                rec(r + "/", p)
            else:
                out.append((r, os.path.realpath(p), st))

    rec("", root)
    return out


def select(entries, keep):
    """The entries whose path keep() accepts, plus every parent dir they need."""
    picked = [e for e in entries if not e[0].endswith("/") and keep(e[0])]
    dirs = set()
    for rel, _, _ in picked:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]) + "/")
    # Empty dirs the filter keeps count as well.
    for rel, _, _ in entries:
        if rel.endswith("/") and keep(rel):
            dirs.add(rel)
    res = [e for e in entries if (e[0] in dirs if e[0].endswith("/") else keep(e[0]))]
    return res


def is_host_only(rel, host_pkg):
    return (rel.startswith("bin/") or rel == "bin/"
            or rel.startswith("pkg/tool/") or rel == "pkg/tool/"
            or rel.startswith(host_pkg + "/") or rel == host_pkg + "/")


def write_tar_gz(path, entries, mtime):
    """Deterministic go/-prefixed tar.gz of entries; returns (size, sha256)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                           compresslevel=GZIP_LEVEL) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for rel, real, st in [("", None, None)] + entries:
                    ti = tarfile.TarInfo("go/" + rel.rstrip("/"))
                    ti.uid = ti.gid = 0
                    ti.uname = ti.gname = ""
                    ti.mtime = mtime
                    if rel == "" or rel.endswith("/"):
                        ti.type = tarfile.DIRTYPE
                        ti.mode = 0o755
                        tar.addfile(ti)
                    else:
                        ti.type = tarfile.REGTYPE
                        ti.mode = 0o755 if st.st_mode & 0o111 else 0o644
                        ti.size = st.st_size
                        with open(real, "rb") as f:
                            tar.addfile(ti, f)
    os.replace(tmp, path)
    return file_digest(path)


def write_zip(path, entries, mtime):
    """Deterministic go/-prefixed zip of entries; returns (size, sha256)."""
    tmp = path + ".tmp"
    date = time.gmtime(mtime)[:6]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=GZIP_LEVEL) as zf:
        for rel, real, st in [("", None, None)] + entries:
            zi = zipfile.ZipInfo("go/" + rel, date_time=date)
            zi.create_system = 3  # unix: external_attr carries the mode
            if rel == "" or rel.endswith("/"):
                zi.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(zi, b"")
            else:
                mode = 0o755 if st.st_mode & 0o111 else 0o644
                zi.external_attr = (0o100000 | mode) << 16
                zi.compress_type = zipfile.ZIP_DEFLATED
                with open(real, "rb") as src, zf.open(zi, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(tmp, path)
    return file_digest(path)


def file_digest(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return n, h.hexdigest()


def tool_version(cc):
    exe = shutil.which(cc)
    if not exe:
        return None
    r = subprocess.run([exe, "--version"], capture_output=True, text=True)
    return r.stdout.splitlines()[0] if r.returncode == 0 and r.stdout else None


def input_key(goroot, version, entries):
    """Digest of everything the mirror's bytes depend on, targets aside."""
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(("%s\n%s\n" % (os.path.realpath(goroot), version)).encode())
    for rel, _, st in entries:
        h.update(("%s %d %d %o\n" % (rel, st.st_size, int(st.st_mtime), st.st_mode)).encode())
    for plat in sorted(CROSS_CC):
        h.update(("%s %s\n" % (plat, tool_version(CROSS_CC[plat]))).encode())
    return h.hexdigest()


def stamp_ok(out, key, targets):
    try:
        with open(os.path.join(out, STAMP), encoding="utf-8") as f:
            st = json.load(f)
        with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError):
        return False
    if st.get("key") != key or not set(targets) <= set(st.get("targets", [])):
        return False
    for rel in index:
        for fl in rel["files"]:
            p = os.path.join(out, fl["filename"])
            if not os.path.isfile(p) or os.path.getsize(p) != fl["size"]:
                return False
    return True


def build_goroot(goroot, work):
    """A temp GOROOT to cross-build std in.

    bin/, pkg/tool/ and VERSION are real copies (the go command finds its
    tools there); the read-only source trees are linked, since a std build
    only reads them and writes nothing but pkg/<os>_<arch>/.
    """
    g = os.path.join(work, "goroot")
    os.makedirs(os.path.join(g, "pkg"))
    shutil.copytree(os.path.join(goroot, "bin"), os.path.join(g, "bin"))
    shutil.copytree(os.path.join(goroot, "pkg", "tool"), os.path.join(g, "pkg", "tool"))
    shutil.copy2(os.path.join(goroot, "VERSION"), os.path.join(g, "VERSION"))
    for name in ("src", "api", "misc", "test"):
        p = os.path.join(goroot, name)
        if os.path.exists(p):
            os.symlink(os.path.realpath(p), os.path.join(g, name))
    inc = os.path.join(goroot, "pkg", "include")
    if os.path.exists(inc):
        os.symlink(os.path.realpath(inc), os.path.join(g, "pkg", "include"))
    return g


def cross_build(g, gocache, os_, arch):
    """go install std for os_/arch into g/pkg/<os>_<arch>; returns seconds."""
    cc = CROSS_CC.get("%s/%s" % (os_, arch))
    extra = {"GOOS": os_, "GOARCH": arch, "GOCACHE": gocache,
             "CGO_ENABLED": "1" if cc else "0"}
    if cc:
        extra["CC"] = cc
    env = clean_env(g, **extra)
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(g, "bin", "go"), "install", "std"], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("mkrealmirror: go install std for %s/%s failed:\n%s%s"
                         % (os_, arch, r.stdout, r.stderr))
    return time.monotonic() - t0


def parse_targets(s):
    out = []
    for t in s.split(","):
        t = t.strip()
        if not t:
            continue
        parts = t.split("/")
        if len(parts) != 2 or not all(parts):
            raise SystemExit("mkrealmirror: bad target %r (want os/arch)" % t)
        if t not in out:
            out.append(t)
    return out


def index_json(version, files):
    """go.dev's JSON: one release, files ordered by OS, Arch, Kind, Filename."""
    files = sorted(files, key=lambda f: (f["os"], f["arch"], f["kind"], f["filename"]))
    rel = [{"version": version, "stable": True, "files": files}]
    return json.dumps(rel, indent=1) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--targets", default=DEFAULT_TARGETS,
                    help="comma-separated os/arch list (default %s)" % DEFAULT_TARGETS)
    ap.add_argument("--goroot", default=DEFAULT_GOROOT)
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args()

    t_start = time.monotonic()
    goroot = os.path.abspath(args.goroot)
    gobin = os.path.join(goroot, "bin", "go")
    if not os.access(gobin, os.X_OK):
        raise SystemExit("mkrealmirror: no go command at %s" % gobin)
    with open(os.path.join(goroot, "VERSION"), encoding="utf-8") as f:
        version = f.readline().strip()
    hostos, hostarch = go_env(goroot, "GOHOSTOS", "GOHOSTARCH")
    host = "%s/%s" % (hostos, hostarch)
    host_pkg = "pkg/%s_%s" % (hostos, hostarch)
    targets = [t for t in parse_targets(args.targets) if t != host]
    mtime = int(os.stat(os.path.join(goroot, "VERSION")).st_mtime)

    t0 = time.monotonic()
    # Debian's pkg/<host>/cmd/ is no part of an official distribution.
    all_entries = [e for e in walk_tree(goroot)
                   if not e[0].startswith(host_pkg + "/cmd/")]
    key = input_key(goroot, version, all_entries)
    log("scanned %s (%s, %d entries) in %.1f s" % (goroot, version, len(all_entries),
                                                      time.monotonic() - t0))

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # One builder per OUT at a time (the test suite and bench/ may share it).
    lockf = open(os.path.join(out, ".lock"), "w")
    fcntl.flock(lockf, fcntl.LOCK_EX)
    if not args.force and stamp_ok(out, key, targets):
        log("cached: %s already holds this mirror (%.1f s)" % (out, time.monotonic() - t_start))
        return 0
    stamp = os.path.join(out, STAMP)
    if os.path.exists(stamp):
        os.unlink(stamp)
    for name in os.listdir(out):  # left by an interrupted run
        if name.startswith(".work-"):
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
        elif name.endswith(".tmp"):
            os.unlink(os.path.join(out, name))

    for t in targets:
        if t in CROSS_CC and not shutil.which(CROSS_CC[t]):
            raise SystemExit("mkrealmirror: %s needs %s (not found)" % (t, CROSS_CC[t]))

    # What every distribution shares, and what only the host's has.
    common = select(all_entries, lambda r: not is_host_only(r, host_pkg))
    src = select(all_entries, lambda r: not (r.startswith("bin/") or r.startswith("pkg/")
                                              or r in ("bin/", "pkg/")))

    jobs = []  # (filename, os, arch, kind, writer, entries)
    jobs.append(("%s.src.tar.gz" % version, "", "", "source", write_tar_gz, src))
    jobs.append((archive_name(version, hostos, hostarch), hostos, hostarch, "archive",
                 write_tar_gz, all_entries))

    work = tempfile.mkdtemp(prefix=".work-", dir=out)
    try:
        timings = {}
        if targets:
            t0 = time.monotonic()
            g = build_goroot(goroot, work)
            gocache = os.path.join(work, "gocache")
            for t in targets:
                os_, arch = t.split("/")
                secs = cross_build(g, gocache, os_, arch)
                timings["std " + t] = secs
                cgo = "cgo, CC=" + CROSS_CC[t] if t in CROSS_CC else "CGO_ENABLED=0"
                log("go install std for %s (%s): %.1f s" % (t, cgo, secs))
                pkgdir = "pkg/%s_%s" % (os_, arch)
                built = [(pkgdir + "/" + rel, real, st)
                         for rel, real, st in walk_tree(os.path.join(g, pkgdir))]
                built.insert(0, (pkgdir + "/", os.path.join(g, pkgdir),
                                 os.stat(os.path.join(g, pkgdir))))
                entries = sorted(common + built, key=lambda e: e[0])
                writer = write_zip if os_ == "windows" else write_tar_gz
                jobs.append((archive_name(version, os_, arch), os_, index_arch(os_, arch),
                             "archive", writer, entries))
            log("cross builds: %.1f s" % (time.monotonic() - t0))

        # zlib drops the GIL while it compresses: threads use every core.
        t0 = time.monotonic()
        files = []
        ncpu = os.cpu_count() or 1
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, ncpu)) as ex:
            futs = {}
            for name, os_, arch, kind, writer, entries in jobs:
                futs[ex.submit(writer, os.path.join(out, name),
                               sorted(entries, key=lambda e: e[0]), mtime)] = \
                    (name, os_, arch, kind)
            for fut in concurrent.futures.as_completed(futs):
                name, os_, arch, kind = futs[fut]
                size, sha = fut.result()
                files.append({"filename": name, "os": os_, "arch": arch, "version": version,
                              "sha256": sha, "size": size, "kind": kind})
                log("wrote %s (%.1f MB)" % (name, size / 1e6))
        log("archives: %.1f s" % (time.monotonic() - t0))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # Drop archives of earlier runs that this index no longer lists.
    names = {f["filename"] for f in files}
    for name in os.listdir(out):
        if name.startswith("go") and name not in names and \
           (name.endswith(".tar.gz") or name.endswith(".zip")):
            os.unlink(os.path.join(out, name))

    with open(os.path.join(out, "index.json.tmp"), "w", encoding="utf-8") as f:
        f.write(index_json(version, files))
    os.replace(os.path.join(out, "index.json.tmp"), os.path.join(out, "index.json"))
    with open(stamp + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"key": key, "version": version, "host": host, "targets": targets,
                   "timings": timings}, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(stamp + ".tmp", stamp)
    log("mirror %s complete in %.1f s" % (out, time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
