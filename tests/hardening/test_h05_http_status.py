#!/usr/bin/env python3
"""Case 5: HTTP answers that are not the file.

- 200 with an HTML page: wrong bytes (exit 4 when it is the only mirror;
  the next mirror when there is one), never retried on the same URL;
- 401, 403, 404: the next mirror at once, no retry; everywhere: exit 3;
- 408, 429, 500, 503 for a while: bounded retries on the same URL with
  growing backoff, then success; for ever: exit 3 after 1 + 2 tries.
Every failure names the URL and leaves nothing behind."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    files = hlib.new_files()

    def attempt(mirrors, what, installed=True):
        p = hlib.prepared(t, index, [srv.url], installed=installed)
        p.write_manifest(**hlib.fields(index, mirrors, go="1.9"))
        snap = hlib.Snapshot(t, p)
        n0 = len(srv.requests(settle=5.0))
        start = time.monotonic()
        r = p.run("sync")
        took = time.monotonic() - start
        reqs = srv.wait_log(n0 + 2)[n0:]
        return p, snap, r, reqs, took

    # HTML instead of the archive.
    p, snap, r, reqs, _ = attempt([srv.url + "_fault/html/"], "html only")
    named = [f for f in files if f in r.err]
    f = named[0] if named else files[0]
    hlib.expect_error(t, r, 4, "html only", names=[srv.url + "_fault/html/" + f],
                      values=("%d bytes" % mirror.size(f), "bytes"))
    hlib.expect_nothing_lost(t, p, snap, "html only")
    t.check(len(hlib.archive_gets(reqs, files[0])) == 1, "html only: not retried",
            hlib.archive_gets(reqs, files[0]))
    p, snap, r, reqs, _ = attempt([srv.url + "_fault/html/", srv.url], "html then good")
    t.expect_rc(r, 0, "html then good", hard=False)
    hlib.expect_installed(t, p, "html then good")

    # Refusals: next mirror at once, never retried.
    for code in (401, 403, 404):
        bad = srv.url + "_fault/%d/" % code
        what = "%d then good" % code
        p, snap, r, reqs, _ = attempt([bad, srv.url], what)
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        for f in files:
            got = hlib.archive_gets(reqs, f)
            # The server logs a request when its reply is done, so the two
            # lines can land in either order under load: compare as sets.
            t.check(sorted(g[2] for g in got) == sorted([code, 200]),
                    "%s: %s asked once per mirror" % (what, f), got)
        what = "%d everywhere" % code
        p, snap, r, reqs, _ = attempt([bad, bad + "x/../"], what, installed=(code != 404))
        hlib.expect_error(t, r, 3, what, names=[bad])
        t.expect_in("HTTP %d" % code, r.err, "%s: the error gives the status" % what, r)
        hlib.expect_nothing_lost(t, p, snap, what)

    # Temporary failures: bounded retries with backoff on the same URL.
    for code in (408, 429, 500, 503):
        what = "%d twice, then the file" % code
        spec = "_fault/%dx2/" % code
        p, snap, r, reqs, took = attempt([srv.url + spec], what)
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        for f in files:
            got = [g[2] for g in hlib.archive_gets(reqs, f)]
            t.check(got == [code, code, 200],
                    "%s: %s retried on the same URL until it came" % (what, f), got)
        # Backoff 200 ms then 400 ms.
        t.check(took >= 0.55, "%s: retries back off (%.2f s)" % (what, took))

        what = "%d for ever" % code
        bad = srv.url + "_fault/%d/" % code
        p, snap, r, reqs, took = attempt([bad], what)
        hlib.expect_error(t, r, 3, what, names=[bad])
        t.expect_in("HTTP %d" % code, r.err, "%s: the error gives the status" % what, r)
        hlib.expect_nothing_lost(t, p, snap, what)
        got = hlib.archive_gets(srv.wait_log(len(srv.requests(settle=5.0)) + 0)[-6:], files[0])
        t.check(len(got) == 3, "%s: 1 + 2 tries, then it gives up" % what, got)
        t.check(0.55 <= took < 10, "%s: bounded, with backoff (%.2f s)" % (what, took))


hlib.run(main)
