#!/usr/bin/env python3
"""Case 21: SIGINT, SIGTERM and SIGHUP stop a sync cleanly.

go1.17 is installed; the lock then asks for a go1.9.7 whose host archive
has ~300 extra files (a few MB), served slowly.  For each signal the sync
is signalled

- mid-download (a .part with bytes in <cache>/tmp), and
- mid-extraction (frozen by the faultfs shim after 200 writes into the
  stage folder, signalled, then let go),

and must exit 128 + the signal (130, 143, 129) promptly, leave no
<install>.stage-* folder, keep go1.17 byte-identical, release its locks,
and (after a download) keep the .part: the next sync resumes it with a
Range request and installs go1.9.

Also: a sync waiting for a busy <install>.flock stops at once on SIGTERM;
two signals in a row during cleanup leave no garbage either, and the first
one names the exit even when both arrive together; a signal
during the final swap (frozen at renameat2) leaves a whole tree, old or
new."""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import popen, stopped  # noqa: E402

SHIM = os.environ.get("GONATIVE_FAULTFS", "")
SIGNALS = (("SIGINT", signal.SIGINT, 130), ("SIGTERM", signal.SIGTERM, 143),
           ("SIGHUP", signal.SIGHUP, 129))


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def finish(t, proc, what, timeout=15):
    """Exit code and stderr of proc; None if it did not end in time."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        t.check(False, "%s: gonative ended within %d s of the signal" % (what, timeout))
        return None, ""
    return proc.returncode, err.decode(errors="replace")


def main(t):
    # About 4 s for the download: plenty of time to signal it in the middle.
    up = hlib.BigUpgrade(t, seconds=4, min_rate=16 * 1024)
    p, srv, trees, use, fast = up.p, up.srv, up.trees, up.use, up.fast_url

    def prepare(mode):
        """go1.17 installed; cold: the big archive not cached; extract: it
        is cached but the tree store does not hold go1.9."""
        use("old", fast)
        r = p.run("sync", "--frozen")
        t.require(r.rc == 0, "reset to go1.17", r.describe())
        if mode == "cold":
            up.uncache_big()
        else:
            t.require(up.big_sha in p.archives(), "the go1.9 archive is cached")
        shutil.rmtree(os.path.join(p.cache, "trees"), ignore_errors=True)
        use("new", up.slow_url)
        return hlib.Snapshot(t, p)

    def parts():
        d = os.path.join(p.cache, "tmp")
        out = {}
        for n in hlib.tmp_files(p):
            if n.endswith(".part"):
                out[n] = os.path.getsize(os.path.join(d, n))
        return out

    def after(what, snap, rc, err, want_rc):
        t.check(rc == want_rc, "%s: exit %d" % (what, want_rc), "exit %s\n%s" % (rc, err))
        t.check("gonative: error: " in err and "interrupted" in err,
                "%s: says it was interrupted" % what, err)
        hlib.expect_nothing_lost(t, p, snap, what, verified_ok=True)
        # The locks are released: this would block forever otherwise.
        for lock in (p.install + ".flock", os.path.join(p.cache, "lock")):
            if os.path.exists(lock):
                with open(lock, "a") as fh:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        fcntl.flock(fh, fcntl.LOCK_UN)
                        ok = True
                    except OSError:
                        ok = False
                t.check(ok, "%s: %s released" % (what, os.path.basename(lock)))

    def recover(what, expect_resume):
        log_before = len(srv.requests(settle=0.2))
        use("new", fast)
        r = p.run("sync", "--frozen")
        t.expect_rc(r, 0, "%s: the next sync succeeds" % what, hard=False)
        hlib.expect_installed(t, p, "%s: next sync" % what, git=False)
        if expect_resume:
            gets = [g for g in srv.requests(settle=5.0)[log_before:] if g.path == "/" + up.host_file]
            t.check(any(g.range.startswith("bytes=") and g.status == 206 for g in gets),
                    "%s: the next sync resumed the .part (Range, 206)" % what, gets)

    def start_sync(env=None):
        return popen(p, ["sync", "--frozen"], env=env)

    shim_env = None
    if SHIM and os.path.exists(SHIM):
        asan = os.environ.get("ASAN_OPTIONS", "")
        shim_env = {"LD_PRELOAD": SHIM,
                    "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}
    else:
        t.check(False, "the faultfs shim is built ($GONATIVE_FAULTFS)", SHIM)

    for name, signo, want_rc in SIGNALS:
        # Mid-download.
        what = "%s mid-download" % name
        snap = prepare("cold")
        proc = start_sync()
        got_bytes = wait_for(lambda: any(n > 64 * 1024 for n in parts().values()), 20)
        t.check(got_bytes and proc.poll() is None, "%s: the download is under way" % what,
                "parts %s, exit %s" % (parts(), proc.poll()))
        start = time.monotonic()
        proc.send_signal(signo)
        rc, err = finish(t, proc, what)
        took = time.monotonic() - start
        print("# %s: exit %s after %.2f s" % (what, rc, took))
        t.check(took < 3, "%s: stops within 3 s (took %.2f s)" % (what, took))
        after(what, snap, rc, err, want_rc)
        kept = parts()
        t.check(any(n > 0 for n in kept.values()),
                "%s: a resumable .part is kept in <cache>/tmp" % what, kept)
        recover(what, expect_resume=True)

        # Mid-extraction, frozen there by the shim.
        if not shim_env:
            continue
        what = "%s mid-extraction" % name
        snap = prepare("extract")
        env = dict(shim_env, GONATIVE_FAULT="write:stop:path=.stage-:after=200:count=1")
        proc = start_sync(env)
        froze = wait_for(lambda: stopped(proc.pid) or proc.poll() is not None, 20)
        t.check(froze and stopped(proc.pid), "%s: the sync reached the extraction" % what,
                "exit %s" % proc.poll())
        t.check(bool(p.stage_dirs()), "%s: a stage folder exists then" % what)
        start = time.monotonic()
        proc.send_signal(signo)
        proc.send_signal(signal.SIGCONT)
        rc, err = finish(t, proc, what)
        took = time.monotonic() - start
        print("# %s: exit %s after %.2f s" % (what, rc, took))
        t.check(took < 3, "%s: stops within 3 s (took %.2f s)" % (what, took))
        after(what, snap, rc, err, want_rc)
        recover(what, expect_resume=False)

    # Waiting for a busy install lock.
    what = "SIGTERM while waiting for the install lock"
    snap = prepare("extract")
    os.makedirs(os.path.dirname(p.install), exist_ok=True)
    holder = open(p.install + ".flock", "a")
    fcntl.flock(holder, fcntl.LOCK_EX)
    proc = start_sync()
    time.sleep(1.0)
    t.check(proc.poll() is None, "%s: the sync waits for the lock" % what,
            "exit %s" % proc.poll())
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rc, err = finish(t, proc, what)
    took = time.monotonic() - start
    fcntl.flock(holder, fcntl.LOCK_UN)
    holder.close()
    t.check(rc == 143 and took < 3, "%s: exit 143 at once" % what,
            "exit %s after %.2f s\n%s" % (rc, took, err))
    hlib.expect_nothing_lost(t, p, snap, what)
    recover(what, expect_resume=False)

    if not shim_env:
        return

    # Two signals in a row: the second one does not cut the cleanup short.
    what = "SIGINT then SIGTERM mid-extraction"
    snap = prepare("extract")
    env = dict(shim_env, GONATIVE_FAULT="write:stop:path=.stage-:after=200:count=1")
    proc = start_sync(env)
    wait_for(lambda: stopped(proc.pid) or proc.poll() is not None, 20)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)
    time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    rc, err = finish(t, proc, what)
    after(what, snap, rc, err, 130)
    recover(what, expect_resume=False)

    # Both pending at once (sent while frozen): the first still decides.
    what = "SIGINT and SIGTERM together mid-extraction"
    snap = prepare("extract")
    env = dict(shim_env, GONATIVE_FAULT="write:stop:path=.stage-:after=200:count=1")
    proc = start_sync(env)
    wait_for(lambda: stopped(proc.pid) or proc.poll() is not None, 20)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGCONT)
    rc, err = finish(t, proc, what)
    after(what, snap, rc, err, 130)
    recover(what, expect_resume=False)

    # During the final swap: the swap completes, a whole tree is installed.
    what = "SIGTERM during the swap"
    prepare("extract")
    env = dict(shim_env, GONATIVE_FAULT="renameat2:stop:count=1")
    proc = start_sync(env)
    froze = wait_for(lambda: stopped(proc.pid) or proc.poll() is not None, 30)
    t.check(froze and stopped(proc.pid), "%s: the sync reached renameat2" % what,
            "exit %s" % proc.poll())
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGCONT)
    rc, err = finish(t, proc, what)
    r = p.run("hash", p.install)
    t.check(r.rc == 0 and r.out.strip() in (trees["old"], trees["new"]),
            "%s: the install path holds a whole locked tree" % what, r.describe())
    t.check(not p.stage_dirs(), "%s: no staging folder left" % what, p.stage_dirs())
    print("# %s: exit %s, installed %s" % (what, rc,
                                           "go1.9" if r.out.strip() == trees["new"] else "go1.17"))
    recover(what, expect_resume=False)


hlib.run(main)
