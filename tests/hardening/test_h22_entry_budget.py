#!/usr/bin/env python3
"""Case 22: an archive with too many entries.

Bytes are bounded (case 3); entries must be too: a few MB of .tar.gz can
hold 300,000 empty files, and creating each one costs an inode.  gonative
allows 200,000 entries per archive (a Go distribution has about 15,000):

- `lock` against a mirror whose go1.9 host archive holds 300,000 empty
  files exits 4 naming the archive and the limit, and writes no lock;
- `sync` with a lock that pins such an archive as the linux/386 target
  (it downloads fine: its sha256 is the locked one) exits 4 the same way,
  with go1.17 still installed byte-identical and no staging folder left.
  A target contributes only pkg/linux_386, so none of those entries would
  be written: they count all the same, and the refusal comes after reading
  200,000 headers, not after making 200,000 inodes.

The time each run takes is printed; the limit is checked before an entry's
inode exists, so no more than 200,000 are ever made."""
import gzip
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import e2e  # noqa: E402

ENTRIES = 300000
LIMIT = 200000


def ustar(names):
    """A tar stream of empty regular files (hand-made headers: tarfile is
    too slow for 300,000 members)."""
    def field(value, width):
        return value + b"\0" * (width - len(value))

    base = bytearray(512)
    base[100:108] = field(b"0000644", 8)
    base[108:116] = field(b"0000000", 8)
    base[116:124] = field(b"0000000", 8)
    base[124:136] = field(b"00000000000", 12)
    base[136:148] = field(b"13050000000", 12)
    base[148:156] = b" " * 8
    base[156:157] = b"0"
    base[257:263] = b"ustar\0"
    base[263:265] = b"00"
    base_sum = sum(base)
    out = bytearray()
    for name in names:
        raw = name.encode()
        h = bytearray(base)
        h[0:len(raw)] = raw
        h[148:156] = b"%06o\0 " % (base_sum + sum(raw))
        out += h
    out += b"\0" * 1024
    return bytes(out)


def many_files_archive():
    names = ["go/bulk/d%03d/f%06d" % (i // 1000, i) for i in range(ENTRIES)]
    out = gzip.compress(ustar(names), compresslevel=6, mtime=0)
    return out


def main(t):
    mirror = t.mirror()
    host_file = e2e.artifact_name(hlib.NEW_GO, hlib.HOST)
    start = time.monotonic()
    data = many_files_archive()
    print("# %s: %d entries, %d bytes gzipped, made in %.1f s" % (
        host_file, ENTRIES, len(data), time.monotonic() - start))
    t.require(len(data) < 8 << 20, "the archive is a few MB", len(data))
    root = hlib.custom_mirror(t, mirror, "many", replace={host_file: data})
    bad_url, bad_index = hlib.file_url(root), "file://%s/index.json" % root

    # lock: the merged tree is hashed from the archives, so it is refused there.
    c = t.project(**hlib.fields(bad_index, [bad_url], go="1.9"))
    r = c.run("lock")
    print("# lock: exit %s after %.2f s" % (r.rc, r.seconds))
    hlib.expect_error(t, r, 4, "lock", names=[host_file, str(LIMIT)])
    t.expect_in("entries", r.err, "lock: the error says what is over the limit", r)
    t.check(not os.path.exists(c.lock_path), "lock: no lock written")

    # sync: a lock (made against the real mirror) edited to pin the big
    # archive as the linux/386 target.
    target_file = e2e.artifact_name(hlib.NEW_GO, hlib.TARGET)
    root = hlib.custom_mirror(t, mirror, "many-target", replace={target_file: data})
    p = hlib.prepared(t, mirror.index_url, [mirror.url])
    good_sha = mirror.sha256(target_file)
    text = p.lock_bytes().decode()
    t.require(good_sha in text, "setup: the lock pins the target archive")
    text = text.replace(good_sha, hashlib.sha256(data).hexdigest())
    text = text.replace("size: %d\n" % mirror.size(target_file), "size: %d\n" % len(data))
    p.write_file("gonative.lock", text)
    # Mirrors do not count in the manifest digest: the lock stays fresh.
    p.write_manifest(**hlib.fields(mirror.index_url, [hlib.file_url(root)], go="1.9"))
    snap = hlib.Snapshot(t, p)
    r = p.run("sync", "--frozen")
    print("# sync: exit %s after %.2f s" % (r.rc, r.seconds))
    hlib.expect_error(t, r, 4, "sync", names=[target_file, str(LIMIT)])
    t.expect_in("entries", r.err, "sync: the error says what is over the limit", r)
    t.check(r.seconds < 30, "sync: refused within 30 s (took %.2f s)" % r.seconds)
    hlib.expect_nothing_lost(t, p, snap, "sync", verified_ok=True)


hlib.run(main)
