#!/usr/bin/env python3
"""An interrupted sync leaves the previous GOROOT as it was; two syncs at
once on one project serialize and both end with the locked tree."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def popen(p, *args):
    env = dict(os.environ, GONATIVE_CACHE=p.cache, NO_COLOR="1")
    return subprocess.Popen([p.t.exe, "-C", p.root, "--cache-dir", p.cache] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL)


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        fields = dict(go="1.17", platforms=["linux/386", "windows/amd64"],
                      index=srv.url + "index.json", mirrors=[srv.url])
        p = t.project(**fields)
        t.expect_rc(p.run("sync"), 0, "first sync")
        before = e2e.git_tree_hash(p.install)
        cached = p.archives()

        # Switch to 1.9 from a mirror that stalls, then interrupt.
        p.write_manifest(**dict(fields, go="1.9", mirrors=[srv.url + "_fault/stall/"]))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            proc = popen(p, "sync")
            # The server logs a request when it is done, so wait for the
            # index fetch, then give the stalled downloads a moment to start.
            n0 = len(srv.requests())
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if any(r.path == "/index.json" for r in srv.requests()[n0:]) \
                        or proc.poll() is not None or sig == signal.SIGKILL:
                    break
                time.sleep(0.05)
            time.sleep(1.0)
            still = proc.poll() is None
            t.check(still, "sync is still running while the mirror stalls (%s)" % sig.name)
            proc.send_signal(sig)
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                t.check(False, "sync exits within 10 s of %s" % sig.name)
            t.check(e2e.git_tree_hash(p.install) == before,
                    "after %s the previous GOROOT is exactly as it was" % sig.name)
            verified = [n for n in p.archives() if len(n) == 64]
            t.check(verified == cached, "after %s no new verified archive" % sig.name, verified)
            t.check(p.archives() == verified,
                    "after %s no temp files in <cache>/archives (they belong in <cache>/tmp)"
                    % sig.name, p.archives())
            if sig == signal.SIGTERM:
                t.check(not p.stage_dirs(), "SIGTERM: staging folder removed", p.stage_dirs())

        # A later good sync cleans up whatever a SIGKILL left behind.
        p.write_manifest(**dict(fields, go="1.9"))
        t.expect_rc(p.run("sync"), 0, "sync after the interruptions")
        t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST], "1.9 installed")
        t.check(not p.stage_dirs(), "no staging folder left after a good sync", p.stage_dirs())
        t.check(all(len(n) == 64 for n in p.archives()),
                "after a good sync <cache>/archives holds only verified archives", p.archives())
        tmp = os.path.join(p.cache, "tmp")
        left = os.listdir(tmp) if os.path.isdir(tmp) else []
        t.check(not left, "no partial downloads left in <cache>/tmp", left)

        # Two syncs at once on one project and cache.
        p.write_manifest(**dict(fields, go="1.21"))
        a, b = popen(p, "sync"), popen(p, "sync")
        ra, rb = a.communicate(timeout=60), b.communicate(timeout=60)
        t.check(a.returncode == 0 and b.returncode == 0, "both concurrent syncs succeed",
                "a: %s %s\nb: %s %s" % (a.returncode, ra[1].decode(), b.returncode,
                                        rb[1].decode()))
        lk = p.lock()
        t.check(lk.get("go") == "go1.21.5", "lock says go1.21.5", lk.get("go"))
        t.check(e2e.git_tree_hash(p.install) == lk["goroot"][e2e.HOST],
                "installed tree matches the lock")
        t.expect_rc(p.run("verify"), 0, "verify after concurrent syncs", hard=False)
        t.check(not p.stage_dirs(), "no staging folder", p.stage_dirs())


e2e.run(main)
