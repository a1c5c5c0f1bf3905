#!/usr/bin/env python3
"""Case 4: a mirror that goes idle after its headers, or trickles below
1 byte/s, is given up after GONATIVE_STALL_TIMEOUT seconds and the next
mirror is used; when every mirror stalls, sync fails (exit 3) within a
bounded time naming the URL, and nothing is lost."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

STALL = 1  # seconds


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    env = {"GONATIVE_STALL_TIMEOUT": str(STALL)}
    for fault in ("stall", "trickle"):
        # Slow mirror first, good one second: installed, bounded time.
        what = "%s then good" % fault
        p = hlib.prepared(t, index, [srv.url], installed=True)
        p.write_manifest(**hlib.fields(index, [srv.url + "_fault/%s/" % fault, srv.url],
                                       go="1.9"))
        n0 = len(srv.requests(settle=5.0))
        start = time.monotonic()
        r = p.run("sync", env=env, timeout=60)
        took = time.monotonic() - start
        t.expect_rc(r, 0, what, hard=False)
        hlib.expect_installed(t, p, what)
        # Both archives stall in parallel: about one timeout (+ curl's 1 s
        # tick), and a stalled mirror is not retried while another is left.
        t.check(STALL - 0.5 <= took < 2 * STALL + 2,
                "%s: gave up after the %d s stall timeout (%.1f s)" % (what, STALL, took))
        reqs = srv.wait_log(n0 + 2, timeout=3)[n0:]
        for f in hlib.new_files():
            got = hlib.archive_gets(reqs, f)
            t.check(any(g[0] == "/" + f for g in got),
                    "%s: %s came from the second mirror" % (what, f), got)
        t.expect_re(r"(?i)(too slow|timed out|timeout|speed)", r.err,
                    "%s: the switch says why" % what, r)

        # Only slow mirrors: exit 3 within a bounded time, nothing lost.
        what = "only %s mirrors" % fault
        p = hlib.prepared(t, index, [srv.url], installed=True)
        bad = srv.url + "_fault/%s/" % fault
        p.write_manifest(**hlib.fields(index, [bad], go="1.9"))
        snap = hlib.Snapshot(t, p)
        start = time.monotonic()
        r = p.run("sync", env=env, timeout=90)
        took = time.monotonic() - start
        hlib.expect_error(t, r, 3, what, names=[bad])
        hlib.expect_nothing_lost(t, p, snap, what)
        # The last mirror gets 1 + 2 tries with backoff; bounded well below
        # the server's 30-60 s of misbehaviour.
        t.check(took < 3 * (STALL + 1) + 3, "%s: bounded (%.1f s)" % (what, took))
        f = hlib.new_files()[0]
        retries = [ln for ln in r.err.splitlines() if f in ln and "retrying in" in ln]
        t.check(len(retries) == 2, "%s: the last mirror is retried twice" % what, r.describe())


hlib.run(main)
