#!/usr/bin/env python3
"""Cases 1 and 2: a mirror serving one flipped byte is skipped for the next
one; when every mirror serves wrong bytes, sync fails with exit 4, names the
URL and both sha256s, and nothing is lost."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import e2e  # noqa: E402


def flipped(data, at=None):
    i = len(data) // 2 if at is None else at
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"

    # 1. Mirror 1 flips a byte, mirror 2 is good: installed from mirror 2.
    for installed in (False, True):
        what = "corrupt then good (%s)" % ("over go1.17" if installed else "fresh")
        p = hlib.prepared(t, index, [srv.url], installed=installed)
        p.write_manifest(**hlib.fields(index, [srv.url + "_fault/corrupt/", srv.url], go="1.9"))
        n0 = len(srv.requests(settle=5.0))
        r = p.run("sync")
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        reqs = srv.requests(settle=5.0)[n0:]
        for f in hlib.new_files():
            got = hlib.archive_gets(reqs, f)
            t.check(("/_fault/corrupt/" + f, "-", 200) in got and ("/" + f, "-", 200) in got,
                    "%s: %s fetched from mirror 1, then mirror 2" % (what, f), got)
        t.check(sorted(p.archives()) == sorted(
            set(hlib.Snapshot(t, p).archives)), "%s: archives listed" % what)
        for name in p.archives():
            data = hlib.read(os.path.join(p.cache, "archives", name))
            t.check(hashlib.sha256(data).hexdigest() == name,
                    "%s: cached %s… holds verified bytes" % (what, name[:12]))
        t.expect_in("trying next mirror", r.err, "%s: the switch is reported" % what, r)

    # 2. Every mirror serves wrong bytes (HTTP and file://, other bytes each).
    bad_files = {}
    for f in hlib.new_files():
        bad_files[f] = flipped(hlib.read(mirror.path(f)), at=3)
    other = hlib.custom_mirror(t, mirror, "wrong", replace=None)
    for f, data in bad_files.items():
        with open(os.path.join(other, f), "wb") as fh:
            fh.write(data)
    for installed in (False, True):
        what = "every mirror wrong (%s)" % ("over go1.17" if installed else "fresh")
        p = hlib.prepared(t, index, [srv.url], installed=installed)
        bad_url = hlib.file_url(other)
        p.write_manifest(**hlib.fields(index, [srv.url + "_fault/corrupt/", bad_url], go="1.9"))
        snap = hlib.Snapshot(t, p)
        r = p.run("sync")
        named = [f for f in hlib.new_files() if f in r.err]
        t.check(named, "%s: the error names the archive" % what, r.describe())
        f = named[0] if named else hlib.new_files()[0]
        want = mirror.sha256(f)
        got = hashlib.sha256(bad_files[f]).hexdigest()
        hlib.expect_error(t, r, 4, what, names=[bad_url + f], values=(want, got))
        hlib.expect_nothing_lost(t, p, snap, what)
        t.check(p.lock_bytes() == snap.lock, "%s: lock untouched" % what)
        left = [n for n in hlib.tmp_files(p) if n.endswith(".part")]
        t.check(not left, "%s: wrong bytes are not kept in <cache>/tmp" % what, left)


hlib.run(main)
