#!/usr/bin/env python3
"""Case 6: resuming <cache>/tmp/<sha256>.part.

- a valid partial part completes with a Range request (206), and the bytes
  already there count in the sha256;
- a partial part with wrong bytes fails its hash after the resume, is
  dropped, and the same URL is fetched once more from byte 0;
- a server that ignores Range (200) replaces the part;
- file:// mirrors resume too;
- a part as long as the file (or longer) is not trusted: fetched whole;
- a download cut off on every mirror keeps its good-so-far part, and the
  next sync continues it."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def part_path(p, mirror, f):
    return os.path.join(p.cache, "tmp", mirror.sha256(f) + ".part")


def write_part(p, mirror, f, data):
    os.makedirs(os.path.join(p.cache, "tmp"), exist_ok=True)
    with open(part_path(p, mirror, f), "wb") as fh:
        fh.write(data)


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    f = hlib.new_files()[0]
    whole = hlib.read(mirror.path(f))
    half = len(whole) // 2

    def synced(p, what):
        r = p.run("sync", "-v")
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        t.check(not os.path.exists(part_path(p, mirror, f)), "%s: part file gone" % what)
        t.check(mirror.sha256(f) in p.archives(), "%s: archive cached" % what, p.archives())
        return r

    # A valid half: one Range request, 206, nothing else for that file.
    p = hlib.prepared(t, index, [srv.url], installed=True)
    write_part(p, mirror, f, whole[:half])
    n0 = len(srv.requests(settle=5.0))
    r = synced(p, "valid partial part")
    got = hlib.archive_gets(srv.wait_log(n0 + 2)[n0:], f)
    t.check(got == [("/" + f, "bytes=%d-" % half, 206)],
            "valid partial part: one request, 'Range: bytes=%d-', answered 206" % half, got)
    t.expect_in("resuming at byte %d" % half, r.err, "valid partial part: -v says so", r)

    # Wrong bytes in the part: Range request, hash fails, one fresh GET.
    p = hlib.prepared(t, index, [srv.url], installed=False)
    bad = bytearray(whole[:half])
    bad[half // 2] ^= 0x40
    write_part(p, mirror, f, bytes(bad))
    n0 = len(srv.requests(settle=5.0))
    r = synced(p, "partial part with wrong bytes")
    got = hlib.archive_gets(srv.wait_log(n0 + 3)[n0:], f)
    t.check(got == [("/" + f, "bytes=%d-" % half, 206), ("/" + f, "-", 200)],
            "wrong partial part: resumed once, then one fresh download from byte 0", got)
    t.expect_in("restarting from byte 0", r.err, "wrong partial part: the restart is reported", r)

    # The only mirror serves wrong bytes (honouring Range): one restart from
    # byte 0, then exit 4 blaming the mirror, not the part.
    wrong = bytearray(whole)
    wrong[-3] ^= 0x01
    other = t.server(hlib.custom_mirror(t, mirror, "wrong"))
    with open(os.path.join(other.root, f), "wb") as fh:
        fh.write(bytes(wrong))
    for g in hlib.new_files()[1:]:
        with open(os.path.join(other.root, g), "wb") as fh:
            fh.write(b"not " + hlib.read(mirror.path(g))[4:])
    p = hlib.prepared(t, index, [srv.url], installed=True)
    p.write_manifest(**hlib.fields(index, [other.url], go="1.9"))
    write_part(p, mirror, f, whole[:half])
    snap = hlib.Snapshot(t, p)
    r = p.run("sync")
    hlib.expect_error(t, r, 4, "good part, wrong mirror", names=[other.url + f],
                      values=(mirror.sha256(f), hashlib.sha256(bytes(wrong)).hexdigest()))
    hlib.expect_nothing_lost(t, p, snap, "good part, wrong mirror")
    got = [x[1:] for x in hlib.archive_gets(other.requests(settle=0.5), f)]
    t.check(got == [("bytes=%d-" % half, 206), ("-", 200)],
            "good part, wrong mirror: resumed, then exactly one restart from byte 0", got)
    t.check(not os.path.exists(part_path(p, mirror, f)),
            "good part, wrong mirror: no part kept")

    # A corrupting mirror that ignores Range: its 200 replaces the part
    # and the wrong bytes are its own (one request, exit 4).
    p = hlib.prepared(t, index, [srv.url], installed=False)
    p.write_manifest(**hlib.fields(index, [srv.url + "_fault/corrupt/"], go="1.9"))
    write_part(p, mirror, f, whole[:half])
    snap = hlib.Snapshot(t, p)
    n0 = len(srv.requests(settle=5.0))
    r = p.run("sync")
    hlib.expect_error(t, r, 4, "part, corrupting mirror", names=[srv.url + "_fault/corrupt/"])
    hlib.expect_nothing_lost(t, p, snap, "part, corrupting mirror")
    got = hlib.archive_gets(srv.wait_log(n0 + 2)[n0:], f)
    t.check(got == [("/_fault/corrupt/" + f, "bytes=%d-" % half, 200)],
            "part, corrupting mirror: one request", got)

    # The server ignores Range: its 200 replaces the part, one request.
    p = hlib.prepared(t, index, [srv.url], installed=False)
    p.write_manifest(**hlib.fields(index, [srv.url + "_fault/norange/"], go="1.9"))
    write_part(p, mirror, f, whole[:half])
    n0 = len(srv.requests(settle=5.0))
    synced(p, "server ignores Range")
    got = [x[1:] for x in hlib.archive_gets(srv.requests(settle=0.5)[n0:], f)]
    t.check(got == [("bytes=%d-" % half, 200)],
            "server ignores Range: asked for a range, took the 200 in one request", got)

    # file:// resumes from the offset.
    p = hlib.prepared(t, index, [srv.url], installed=False)
    p.write_manifest(**hlib.fields(index, [mirror.url], go="1.9"))
    write_part(p, mirror, f, whole[:half])
    synced(p, "file:// resume")

    # A part as long as the file, or longer, is fetched whole.
    for name, data in (("same length, wrong", b"x" * len(whole)),
                       ("longer", whole + b"junk")):
        p = hlib.prepared(t, index, [srv.url], installed=False)
        write_part(p, mirror, f, data)
        n0 = len(srv.requests(settle=5.0))
        synced(p, "part %s" % name)
        got = hlib.archive_gets(srv.wait_log(n0 + 2)[n0:], f)
        t.check(got == [("/" + f, "-", 200)], "part %s: one whole download" % name, got)

    # Cut off on every try and mirror: exit 3, the good half is kept ...
    p = hlib.prepared(t, index, [srv.url], installed=True)
    p.write_manifest(**hlib.fields(index, [srv.url + "_fault/truncate/"], go="1.9"))
    snap = hlib.Snapshot(t, p)
    r = p.run("sync")
    hlib.expect_error(t, r, 3, "cut off everywhere", names=[srv.url + "_fault/truncate/"])
    hlib.expect_nothing_lost(t, p, snap, "cut off everywhere")
    kept = hlib.read(part_path(p, mirror, f)) if os.path.exists(part_path(p, mirror, f)) else b""
    t.check(kept == whole[:half], "cut off everywhere: the good first half is kept in tmp/",
            "kept %d bytes" % len(kept))
    # ... and the next sync continues it.
    p.write_manifest(**hlib.fields(index, [srv.url], go="1.9"))
    n0 = len(srv.requests(settle=5.0))
    synced(p, "sync after a cut-off download")
    got = hlib.archive_gets(srv.wait_log(n0 + 2)[n0:], f)
    t.check(got == [("/" + f, "bytes=%d-" % half, 206)],
            "sync after a cut-off download: continued with a Range request", got)


hlib.run(main)
