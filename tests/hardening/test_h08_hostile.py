#!/usr/bin/env python3
"""Case 8: hostile archives from a mirror, through the whole CLI.

Each case is the real go1.9.7 linux-386 (or windows-amd64 .zip) archive
plus one hostile entry, with the index updated to its sha256 (so only the
content check can stop it).  Two paths are exercised:
  lock  - hashes the merged GOROOT without writing it: exit 4;
  sync --frozen with a lock patched to the hostile archive's sha256 and
        size: extraction into the staging folder: exit 4.
After each: the error names the archive and the entry, the previous GOROOT
is byte-identical (or nothing is installed), nothing unverified in
<cache>/archives (the hostile archive itself matched its sha256, so it may
be cached: the lock pins exactly those bytes), no staging folder, and no
file named gonative-hostile-* anywhere outside (the test's whole temp
folder, /tmp, /etc).

Already covered by tests/e2e/test_18_unsafe_archive.py and not repeated:
go/pkg/linux_386/../../../x, notgo/x, /tmp/x, symlink out, hard link,
character device.

A NUL inside a name: libarchive ends every name (ustar field, GNU long
name, pax path record) at the first NUL and offers no way to see what came
after it.  gonative checks and writes that same string, so nothing can hide
behind the NUL: such names are either refused (when what is left is
unsafe) or taken as cut, and never reach outside.  That is what is checked.
"""
import gzip
import io
import os
import re
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

TAR_VICTIM = "go1.9.7.linux-386.tar.gz"
ZIP_VICTIM = "go1.9.7.windows-amd64.zip"
MTIME = 1500000000


# ---- raw tar pieces, for what tarfile will not write ----------------------

def raw_header(name, size=0, typ=b"0", mode=0o644, linkname=b""):
    h = bytearray(512)
    h[0:min(len(name), 100)] = name[:100]
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % MTIME
    h[148:156] = b" " * 8
    h[156:157] = typ
    h[157:157 + len(linkname)] = linkname
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def raw_entry(name, data=b"", typ=b"0", mode=0o644):
    return raw_header(name, len(data), typ, mode) + data + b"\0" * ((-len(data)) % 512)


def raw_pax_path(path):
    body = b" path=" + path + b"\n"
    n = len(body) + 1
    while len(b"%d" % n) + len(body) != n:
        n += 1
    return raw_entry(b"PaxHeader/x", (b"%d" % n) + body, b"x")


def base_tar(mirror):
    """The victim archive's members as an uncompressed tar, without the two
    zero blocks at its end."""
    raw = io.BytesIO()
    with tarfile.open(mirror.path(TAR_VICTIM)) as src, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for ti in src.getmembers():
            dst.addfile(ti, src.extractfile(ti) if ti.isfile() else None)
    data = raw.getvalue()
    end = len(data)
    while end >= 512 and data[end - 512:end] == b"\0" * 512:
        end -= 512
    return data[:end]


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as g:
        g.write(data)
    return out.getvalue()


def tar_with(mirror, extra):
    return gz(base_tar(mirror) + extra + b"\0" * 1024)


def tar_bomb(mirror, size):
    """One file of `size` zero bytes: gzip members of 16 MiB zeros chained
    (gzip allows several members), so a 1 GB entry is about 1 MB."""
    head = base_tar(mirror) + raw_header(b"go/pkg/linux_386/gonative-hostile-bomb", size)
    chunk = 16 << 20
    zero = gzip.compress(b"\0" * chunk, 9, mtime=0)
    parts = [gz(head)]
    left = size
    while left >= chunk:
        parts.append(zero)
        left -= chunk
    parts.append(gz(b"\0" * left + b"\0" * ((-size) % 512) + b"\0" * 1024))
    return b"".join(parts)


def tar_many_bombs(mirror, n, each):
    """n files of `each` zeros (ratio limit by the total, not one entry)."""
    head = base_tar(mirror)
    parts = [gz(head)]
    body = gzip.compress(b"\0" * each, 9, mtime=0)
    for i in range(n):
        parts.append(gz(raw_header(b"go/pkg/linux_386/gonative-hostile-b%03d" % i, each)))
        parts.append(body)
        parts.append(gz(b"\0" * ((-each) % 512)))
    parts.append(gz(b"\0" * 1024))
    return b"".join(parts)


def zip_with(mirror, name, data=b"x", symlink=False):
    out = io.BytesIO()
    with zipfile.ZipFile(mirror.path(ZIP_VICTIM)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for zi in src.infolist():
            dst.writestr(zi, src.read(zi))
        zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        zi.create_system = 3
        zi.external_attr = ((0o120777 if symlink else 0o100644) << 16)
        dst.writestr(zi, data)
    return out.getvalue()


def cases(mirror):
    """(name, victim file, archive bytes, message regex)"""
    e = raw_entry
    yield ("leading ../", TAR_VICTIM,
           tar_with(mirror, e(b"../gonative-hostile-dotdot", b"x")), r"outside go/")
    yield ("go/../../x", TAR_VICTIM,
           tar_with(mirror, e(b"go/../../gonative-hostile-gododo", b"x")), r"\.\.")
    yield ("/etc/x", TAR_VICTIM,
           tar_with(mirror, e(b"/etc/gonative-hostile-etc", b"x")), r"absolute")
    yield ("go/./x", TAR_VICTIM,
           tar_with(mirror, e(b"go/./gonative-hostile-dot", b"x")), r"'\.'")
    yield ("backslash", TAR_VICTIM,
           tar_with(mirror, e(b"go\\..\\..\\gonative-hostile-bs", b"x")), r"backslash")
    yield ("block device", TAR_VICTIM,
           tar_with(mirror, e(b"go/pkg/linux_386/gonative-hostile-blk", typ=b"4")), r"device")
    yield ("FIFO", TAR_VICTIM,
           tar_with(mirror, e(b"go/pkg/linux_386/gonative-hostile-fifo", typ=b"6")), r"FIFO")
    yield ("symlink to /", TAR_VICTIM,
           tar_with(mirror, raw_header(b"go/pkg/linux_386/gonative-hostile-abs", typ=b"2",
                                       linkname=b"/")), r"absolute")
    yield ("a file through a symlink", TAR_VICTIM,
           tar_with(mirror, raw_header(b"go/pkg/linux_386/lnk", typ=b"2", linkname=b".")
                    + e(b"go/pkg/linux_386/lnk/gonative-hostile-through", b"x")),
           r"(folder|file|symlink)")
    yield ("NUL before ../ (ustar)", TAR_VICTIM,
           tar_with(mirror, e(b"go/\0../../../gonative-hostile-nul1", b"x")), None)
    yield ("NUL at the start (ustar)", TAR_VICTIM,
           tar_with(mirror, e(b"\0go/../../gonative-hostile-nul2", b"x")), None)
    yield ("NUL in a pax path", TAR_VICTIM,
           tar_with(mirror, raw_pax_path(b"go/pkg/linux_386/n.a\0/../../../../"
                                         b"gonative-hostile-nul3")
                    + e(b"go/pkg/linux_386/placeholder", b"x")), None)
    yield ("NUL in a GNU long name", TAR_VICTIM,
           tar_with(mirror, e(b"././@LongLink",
                              b"../gonative-hostile-nul4\0go/pkg/linux_386/ok.a\0", b"L")
                    + e(b"go/pkg/linux_386/placeholder", b"x")), None)
    yield ("1 GB of zeros in one entry", TAR_VICTIM, tar_bomb(mirror, 1 << 30),
           r"expands past")
    yield ("100 MB spread over 50 entries", TAR_VICTIM, tar_many_bombs(mirror, 50, 2 << 20),
           r"expands past")
    yield ("zip ../", ZIP_VICTIM, zip_with(mirror, "go/../../gonative-hostile-zip"), r"\.\.")
    yield ("zip symlink out", ZIP_VICTIM,
           zip_with(mirror, "go/pkg/windows_amd64/gonative-hostile-zlink", b"../../../..",
                    symlink=True), r"outside go/")


def escaped(t):
    found = []
    for top in (t.tmp, "/tmp", "/etc"):
        for d, dirs, files in os.walk(top):
            if ".stage-" in d:
                dirs[:] = []
                continue
            for n in files + dirs:
                if n.startswith("gonative-hostile-"):
                    found.append(os.path.join(d, n))
            if top != t.tmp:
                dirs[:] = []  # only the top level of /tmp and /etc
    return found


def patch_lock(p, victim, data):
    import hashlib

    old = p.lock()
    a = [x for x in old["artifacts"] if x["file"] == victim][0]
    text = p.lock_bytes().decode()
    text = text.replace("size: %s\n    sha256: %s" % (a["size"], a["sha256"]),
                        "size: %d\n    sha256: %s" % (len(data), hashlib.sha256(data).hexdigest()))
    p.write_file("gonative.lock", text)


def main(t):
    mirror = t.mirror()
    for name, victim, data, msg in cases(mirror):
        plats = ["linux/386"] + (["windows/amd64"] if victim.endswith(".zip") else [])
        evil = hlib.custom_mirror(t, mirror, "evil", replace={victim: data})
        clean = hlib.custom_mirror(t, mirror, "clean")
        idx_evil = "file://%s/index.json" % evil
        idx_clean = "file://%s/index.json" % clean
        nul = msg is None

        # lock: the merged GOROOT is hashed (no extraction), and refused.
        p = t.project(go="1.9", platforms=plats, index=idx_evil, mirrors=[hlib.file_url(evil)])
        snap = hlib.Snapshot(t, p)
        r = p.run("lock")
        what = "%s: lock" % name
        if nul:
            t.check(r.rc in (0, 4), "%s: exit 0 (name cut at the NUL) or 4" % what,
                    r.describe())
        else:
            hlib.expect_error(t, r, 4, what, names=[victim])
            t.expect_re(msg, r.err, "%s: says why" % what, r)
            t.check(not os.path.exists(p.lock_path), "%s: no lock written" % what)
        hlib.expect_nothing_lost(t, p, snap, what, verified_ok=True)

        # sync --frozen with a lock pointing at the hostile archive: extraction.
        for installed in (False, True):
            what = "%s: sync (%s)" % (name, "over go1.17" if installed else "fresh")
            q = t.project(go="1.17", platforms=plats, index=idx_clean,
                          mirrors=[hlib.file_url(clean)])
            if installed:
                t.expect_rc(q.run("sync"), 0, "%s: setup sync" % what)
            q.write_manifest(go="1.9", platforms=plats, index=idx_clean,
                             mirrors=[hlib.file_url(clean)])
            t.expect_rc(q.run("lock"), 0, "%s: setup lock" % what)
            patch_lock(q, victim, data)
            q.write_manifest(go="1.9", platforms=plats, index=idx_clean,
                             mirrors=[hlib.file_url(evil)])
            snap = hlib.Snapshot(t, q)
            r = q.run("sync", "--frozen")
            if nul:
                # The cut name makes another tree than the lock's: exit 4 either way.
                hlib.expect_error(t, r, 4, what, names=[])
            else:
                hlib.expect_error(t, r, 4, what, names=[victim])
                t.expect_re(msg, r.err, "%s: says why" % what, r)
            hlib.expect_nothing_lost(t, q, snap, what, verified_ok=True)
        found = escaped(t)
        t.check(not found, "%s: nothing written outside the staging folder" % name, found)
        for f in found:
            if os.path.isdir(f):
                os.rmdir(f)
            else:
                os.unlink(f)


hlib.run(main)
