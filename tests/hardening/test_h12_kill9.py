#!/usr/bin/env python3
"""Case 12: kill -9 of a sync at many points.

A go1.9.7 host archive with ~300 extra files (a few MB) served slowly gives
a sync with a real download, extraction and swap.  The test switches the
install between go1.17 (small) and that go1.9, killing the go1.9 sync:

- at 15 seeded random moments over the whole run, in turn with a cold
  cache (download + extraction + swap), with the archives cached but no
  finished tree in the tree store (extraction + swap), and with the tree
  store holding it (clone + swap);
- at exact points, frozen there by the faultfs shim ("stop" rules) and then
  killed: mid-download, before the cache insert, mid-extraction, before the
  flush, right before the swap (renameat2), and right after it.

After every kill the install path holds a whole tree: `gonative hash` of it
is the go1.17 or the go1.9 tree id of the lock, nothing else.  The next
sync then succeeds, leaves no staging folder, and the cache holds only
verified archives."""
import os
import random
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import popen, stopped  # noqa: E402

ITERATIONS = 15
RNG = random.Random(12)
SHIM = os.environ.get("GONATIVE_FAULTFS", "")


def main(t):
    # About 0.6 s for the download.
    up = hlib.BigUpgrade(t, seconds=0.6, min_rate=64 * 1024)
    p, trees, use, fast = up.p, up.trees, up.use, up.fast_url

    def install_old():
        use("old", fast)
        r = p.run("sync", "--frozen")
        t.require(r.rc == 0, "reset to go1.17", r.describe())

    def whole(what):
        if not os.path.lexists(p.install):
            t.check(False, "%s: the install path exists (go1.17 was there)" % what)
            return
        r = p.run("hash", p.install)
        got = r.out.strip()
        t.check(r.rc == 0 and got in (trees["old"], trees["new"]),
                "%s: the install path holds a whole locked tree" % what,
                "%s\nold %s\nnew %s" % (r.describe(), trees["old"], trees["new"]))

    def recover(what):
        use("new", fast)
        r = p.run("sync", "--frozen")
        t.expect_rc(r, 0, "%s: the next sync succeeds" % what, hard=False)
        hlib.expect_installed(t, p, "%s: next sync" % what, git=False)
        bad = [n for n in p.archives() if len(n) != 64]
        t.check(not bad, "%s: only verified archives in the cache" % what, bad)

    def prepare(mode):
        """cold: nothing cached; extract: archives cached, no finished tree
        in the tree store; store: the tree store has it (a clone)."""
        install_old()
        if mode == "cold":
            up.uncache_big()
        if mode in ("cold", "extract"):
            shutil.rmtree(os.path.join(p.cache, "trees"), ignore_errors=True)
        use("new", up.slow_url)

    # Calibrate: each kind of go1.9 sync, not killed.
    modes = ("cold", "extract", "store")
    durations = {}
    for mode in modes:
        prepare(mode)
        start = time.monotonic()
        r = p.run("sync", "--frozen")
        durations[mode] = time.monotonic() - start
        t.expect_rc(r, 0, "calibration: %s sync" % mode)
    print("# calibration: " + ", ".join("%s %.2f s" % (m, durations[m]) for m in modes))

    # Random moments.
    outcomes = {"old": 0, "new": 0}
    for i in range(ITERATIONS):
        mode = modes[i % 3]
        delay = RNG.uniform(0.01, durations[mode] * 1.1)
        what = "kill -9 #%d (%s, after %.2f s)" % (i + 1, mode, delay)
        prepare(mode)
        proc = popen(p, ["sync", "--frozen"])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        whole(what)
        r = p.run("hash", p.install)
        outcomes["new" if r.out.strip() == trees["new"] else "old"] += 1
        recover(what)
    print("# random kills left go1.17 %d times, go1.9 %d times" % (outcomes["old"],
                                                                    outcomes["new"]))

    # Exact points, frozen by the shim and killed there.
    if not SHIM or not os.path.exists(SHIM):
        t.check(False, "the faultfs shim is built ($GONATIVE_FAULTFS)", SHIM)
        return
    asan = os.environ.get("ASAN_OPTIONS", "")
    points = [
        ("mid-download", "write:stop:path=/tmp/:after=2", "cold"),
        ("before the cache insert", "renameat:stop:path=/archives/", "cold"),
        ("mid-extraction", "write:stop:path=.stage-:after=200", "extract"),
        ("before the flush", "syncfs:stop", "extract"),
        ("right before the swap", "renameat2:stop", "extract"),
        ("right before the swap (tree store)", "renameat2:stop", "store"),
        # The stat record is written before the swap (builder/install.h);
        # the third fsync under .gonative is the folder's, after the swap.
        ("right after the swap", "fsync:stop:path=/.gonative:after=2", "extract"),
    ]
    for name, rule, mode in points:
        what = "kill -9 %s" % name
        prepare(mode)
        env = {"LD_PRELOAD": SHIM, "GONATIVE_FAULT": rule,
               "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}
        proc = popen(p, ["sync", "--frozen"], env=env)
        deadline = time.monotonic() + 20
        while not stopped(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        froze = stopped(proc.pid)
        t.check(froze, "%s: the sync reached that point (%s)" % (what, rule),
                "exit %s" % proc.poll())
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        whole(what)
        r = p.run("hash", p.install)
        want = "new" if name == "right after the swap" else "old"
        t.check(r.out.strip() == trees[want], "%s: the install holds go%s" % (
            what, "1.9" if want == "new" else "1.17"), r.describe())
        recover(what)
    # Once with stock git too.
    hlib.expect_installed(t, p, "at the end", git=True)


hlib.run(main)
