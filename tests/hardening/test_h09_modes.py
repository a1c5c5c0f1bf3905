#!/usr/bin/env python3
"""Case 9: archives without directory entries (Go >= 1.21 distpack style)
extract fine, and folder modes are sane whatever the umask:
- unlisted folders are 0755 (not 0777 & ~umask);
- files keep the archive's exec bit; nobody but the owner may write
  (group/other write bits and setuid/setgid/sticky are dropped: the tree
  hash only sees the exec bit, so `verify` could not notice them);
- the installed tree hashes (stock git) to the lock's value."""
import gzip
import io
import os
import stat
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import e2e  # noqa: E402


def modes(root):
    dirs, files = {}, {}
    for d, dn, fn in os.walk(root):
        for n in dn:
            p = os.path.join(d, n)
            if not os.path.islink(p):
                dirs[os.path.relpath(p, root)] = stat.S_IMODE(os.lstat(p).st_mode)
        for n in fn:
            p = os.path.join(d, n)
            if not os.path.islink(p):
                files[os.path.relpath(p, root)] = stat.S_IMODE(os.lstat(p).st_mode)
    dirs["."] = stat.S_IMODE(os.lstat(root).st_mode)
    return dirs, files


def run_umask(p, mask, *args):
    old = os.umask(mask)
    try:
        return p.run(*args)
    finally:
        os.umask(old)


def host_archive_without_dirs(mirror, version):
    """The host archive re-packed: no folder entries, a deep path, odd modes."""
    name = e2e.artifact_name(version, hlib.HOST)
    raw = io.BytesIO()
    with tarfile.open(mirror.path(name)) as src, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for ti in src.getmembers():
            if ti.isdir():
                continue
            dst.addfile(ti, src.extractfile(ti) if ti.isfile() else None)
        for path, mode in (("go/a/b/c/d/e/f/g/deep.txt", 0o644),
                           ("go/odd/world-writable.txt", 0o666),
                           ("go/odd/setuid-exec", 0o4777),
                           ("go/odd/private.txt", 0o600)):
            ti = tarfile.TarInfo(path)
            ti.mode, ti.mtime, ti.size = mode, 1600000000, 3
            dst.addfile(ti, io.BytesIO(b"abc"))
        ti = tarfile.TarInfo("go/odd/listed-wide")
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o777, 1600000000
        dst.addfile(ti)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as g:
        g.write(raw.getvalue())
    return name, out.getvalue()


def main(t):
    mirror = t.mirror()

    # go1.21.5 fixture archives carry no folder entries (like distpack).
    for version, go in (("go1.21.5", "1.21"), ("go1.17.13", "1.17")):
        with tarfile.open(mirror.path(e2e.artifact_name(version, hlib.HOST))) as tf:
            has_dirs = any(m.isdir() for m in tf.getmembers())
        for mask in (0o077, 0o000, 0o022):
            what = "%s (%s folder entries), umask %03o" % (
                version, "with" if has_dirs else "no", mask)
            p = t.project(go=go, platforms=["linux/386"], index=mirror.index_url,
                          mirrors=[mirror.url])
            r = run_umask(p, mask, "sync")
            t.expect_rc(r, 0, what, hard=False)
            hlib.expect_installed(t, p, what)
            if not os.path.isdir(p.install):
                continue
            dirs, files = modes(p.install)
            bad = {k: oct(v) for k, v in dirs.items() if v != 0o755}
            t.check(dirs and not bad, "%s: every folder is 0755" % what, bad)
            badf = {k: oct(v) for k, v in files.items() if v not in (0o644, 0o755)}
            t.check(files and not badf, "%s: files are 0644 or 0755" % what, badf)
            members = mirror.members(e2e.artifact_name(version, hlib.HOST))
            wrong = [k for k, (typ, m, _, _) in members.items()
                     if typ == "file" and k in files and bool(m & 0o100) != bool(files[k] & 0o100)]
            t.check(not wrong, "%s: exec bits as in the archive" % what, wrong)

    # A host archive with no folder entries, a deep path and odd modes.
    name, data = host_archive_without_dirs(mirror, "go1.17.13")
    custom = hlib.custom_mirror(t, mirror, "nodirs", replace={name: data})
    p = t.project(go="1.17", platforms=["linux/386"], index="file://%s/index.json" % custom,
                  mirrors=[hlib.file_url(custom)])
    r = run_umask(p, 0o077, "sync")
    t.expect_rc(r, 0, "no folder entries, odd modes", hard=False)
    hlib.expect_installed(t, p, "no folder entries, odd modes")
    t.require(os.path.isdir(p.install), "no folder entries, odd modes: installed")
    dirs, files = modes(p.install)
    bad = {k: oct(v) for k, v in dirs.items() if v != 0o755}
    t.check(not bad, "no folder entries: every folder 0755, a listed 0777 one too", bad)
    for rel, want in (("a/b/c/d/e/f/g/deep.txt", 0o644), ("odd/world-writable.txt", 0o644),
                      ("odd/setuid-exec", 0o755), ("odd/private.txt", 0o600)):
        got = files.get(rel)
        t.check(got == want, "%s is %o (got %s)" % (rel, want, oct(got) if got else None))
    r = p.run("verify")
    t.expect_rc(r, 0, "no folder entries: verify", hard=False)
    # stock git agrees with gonative on the result
    r = p.run("hash", p.install)
    t.check(r.out.strip() == e2e.git_tree_hash(p.install), "gonative hash equals stock git",
            r.describe())


hlib.run(main)
