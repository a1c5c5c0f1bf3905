#!/usr/bin/env python3
"""Case 15: a cache file changed after it was cached is caught when used
(re-hashed), fetched again, and never installed.

- <cache>/archives/<sha256> with one byte flipped (same size, same mtime):
  online, sync warns, evicts it, downloads it again and installs the locked
  tree; offline, sync fails with exit 4 naming the archive and both
  sha256s, and nothing is installed (the previous tree stays);
- the same with a byte appended (another size);
- a finished tree kept in <cache>/trees (the tree store) with one byte of
  one file changed, size and mtime kept: a new install must not get it."""
import hashlib
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def tamper(path, how):
    st = os.stat(path)
    data = bytearray(hlib.read(path))
    if how == "flip":
        data[len(data) // 2] ^= 0x04
    else:
        data += b"\0"
    os.chmod(path, 0o644)
    with open(path, "wb") as fh:
        fh.write(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    return hashlib.sha256(bytes(data)).hexdigest()


def seed_cache(p, mirror):
    """Put the go1.9 archives into the cache as a past sync would have."""
    for f in hlib.new_files():
        dst = os.path.join(p.cache, "archives", mirror.sha256(f))
        shutil.copyfile(mirror.path(f), dst)


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    victim = hlib.new_files()[0]
    want = mirror.sha256(victim)

    for how in ("flip", "append"):
        # Offline: refused, nothing installed, previous tree kept.
        p = hlib.prepared(t, index, [srv.url], installed=True)
        seed_cache(p, mirror)
        cached = os.path.join(p.cache, "archives", want)
        got = tamper(cached, how)
        snap = hlib.Snapshot(t, p)
        what = "cache file %s, offline" % how
        r = p.run("sync", "--offline")
        if how == "flip":
            hlib.expect_error(t, r, 4, what, names=[victim], values=(want, got))
        else:
            # Another size: not the cached file at all, so not available offline.
            t.check(r.rc in (3, 4), "%s: exit 3 or 4" % what, r.describe())
            t.expect_error_line(r, what)
            t.expect_in(victim, r.err, "%s: names the archive" % what, r)
        hlib.expect_nothing_lost(t, p, dict_minus(snap, want), what)
        still = os.path.exists(cached) and hashlib.sha256(hlib.read(cached)).hexdigest() != want
        t.check(not still or how == "append",
                "%s: the changed file is not kept as <cache>/archives/%s" % (what, want[:12]))

        # Online: caught, fetched again, installed.
        p = hlib.prepared(t, index, [srv.url], installed=True)
        seed_cache(p, mirror)
        cached = os.path.join(p.cache, "archives", want)
        tamper(cached, how)
        what = "cache file %s, online" % how
        n0 = len(srv.requests(settle=5.0))
        r = p.run("sync")
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        gets = hlib.archive_gets(srv.wait_log(n0 + 1)[n0:], victim)
        t.check(len(gets) == 1, "%s: %s fetched again, once" % (what, victim), gets)
        t.check(hashlib.sha256(hlib.read(cached)).hexdigest() == want,
                "%s: the cache holds the right bytes again" % what)
        if how == "flip":
            t.expect_re(r"(?i)changed|evict|again", r.err, "%s: warns about it" % what, r)

    # The tree store: a finished tree whose file changed in place.
    p = t.project(**hlib.fields(index, [srv.url], go="1.9"))
    t.expect_rc(p.run("sync"), 0, "tree store: first sync")
    locked = p.lock()["goroot"][hlib.HOST]
    trees = os.path.join(p.cache, "trees")
    stored = [os.path.join(trees, n) for n in os.listdir(trees)] if os.path.isdir(trees) else []
    stored = [s for s in stored if os.path.isdir(s)]
    if not stored:
        print("# no tree store in this build: the store case does not apply")
        return
    # A second project on the same cache installs from the store.
    target = os.path.join(stored[0], "VERSION")
    tamper(target, "flip")
    q = t.project(**hlib.fields(index, [srv.url], go="1.9"))
    q.cache = p.cache
    q.write_file("gonative.lock", p.lock_bytes().decode())
    r = q.run("sync", "--frozen")
    if r.rc == 0:
        hlib.expect_installed(t, q, "tree store tampered: the install is still the locked tree")
    else:
        hlib.expect_error(t, r, 4, "tree store tampered", values=(locked, ""))
        t.check(not os.path.exists(q.install), "tree store tampered: nothing installed")
    # And the first project's own GOROOT must still verify (no shared inode).
    r = p.run("verify")
    t.expect_rc(r, 0, "tree store tampered: the first install is not changed with it",
                hard=False)


def dict_minus(snap, sha):
    """The offline run may evict the tampered file: that is not a loss."""
    snap.archives = [a for a in snap.archives if a != sha]
    return snap


hlib.run(main)
