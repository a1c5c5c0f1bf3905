#!/usr/bin/env python3
"""Case 13: ENOSPC and EIO at write, fsync, syncfs, rename and renameat2,
injected with the LD_PRELOAD shim tests/hardening/faultfs.c at each place a
sync writes: the download's part file, the cache insert, the staging
folder, the flush, the swap, the lock file.  Each ends with exit 5, a
message naming the file and the system error, the previous GOROOT
byte-identical (or nothing installed), nothing unverified cached, no
staging folder and no part file left.

Under AddressSanitizer the shim is preloaded with verify_asan_link_order=0;
if the binary still refuses to start with it, the test skips (exit 77)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

SHIM = os.environ.get("GONATIVE_FAULTFS", "")


def shim_env(spec, log):
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": SHIM, "GONATIVE_FAULT": spec, "GONATIVE_FAULT_LOG": log,
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


def shim_works(t):
    if not SHIM or not os.path.exists(SHIM):
        return False
    log = os.path.join(t.tmp, "probe.log")
    env = dict(os.environ, **shim_env("write:EIO:path=/nonexistent-probe", log))
    r = subprocess.run([t.exe, "--version"], env=env, capture_output=True)
    return r.returncode == 0


# (name, rule, where the failure must land, installed before?, expected text)
CASES = [
    ("download write ENOSPC", "write:ENOSPC:path=/cache-{c}/tmp/", "tmp", True,
     "No space left on device"),
    ("download write EIO mid-file", "write:EIO:path=/cache-{c}/tmp/:after=1", "tmp", False,
     "Input/output error"),
    ("download fsync EIO", "fsync:EIO:path=/cache-{c}/tmp/", "tmp", True, "Input/output error"),
    ("cache insert rename ENOSPC", "renameat:ENOSPC:path=/archives/", "archives", True,
     "No space left on device"),
    ("extraction write ENOSPC", "write:ENOSPC:path=.stage-", "stage", True,
     "No space left on device"),
    ("extraction write EIO late", "write:EIO:path=.stage-:after=6", "stage", False,
     "Input/output error"),
    ("flush syncfs EIO", "syncfs:EIO", "stage", True, "Input/output error"),
    ("swap renameat2 EIO", "renameat2:EIO", "stage", True, "Input/output error"),
    ("first install rename ENOSPC", "rename:ENOSPC:path=.stage-", "stage", False,
     "No space left on device"),
]


def main(t):
    if not shim_works(t):
        hlib.e2e.skip_all("the faultfs LD_PRELOAD shim cannot be loaded into this binary "
                          "(sanitizer runtime?)", 77)
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    for name, rule, where, installed, text in CASES:
        p = hlib.prepared(t, index, [srv.url], installed=installed)
        cache_tag = os.path.basename(p.cache).split("-", 1)[1]
        spec = rule.format(c=cache_tag)
        log = os.path.join(p.root, "faults.log")
        snap = hlib.Snapshot(t, p)
        r = p.run("sync", env=shim_env(spec, log))
        injected = hlib.read(log).decode() if os.path.exists(log) else ""
        t.check(injected, "%s: the fault was injected (%s)" % (name, spec), injected)
        hlib.expect_error(t, r, 5, name)
        t.expect_in(text, r.err, "%s: the error gives the system's reason" % name, r)
        path_named = any(w in r.err for w in (p.cache, p.install, os.path.dirname(p.install)))
        t.check(path_named, "%s: the error names the file" % name, r.describe())
        hlib.expect_nothing_lost(t, p, snap, name,
                                 verified_ok=(where == "stage" or "after=" in rule))
        parts = [n for n in hlib.tmp_files(p) if n.endswith(".part")]
        if where != "stage":
            t.check(not parts, "%s: no part file left after a local write failure" % name,
                    parts)
        # Space is back: the next sync works.
        r = p.run("sync")
        t.expect_rc(r, 0, "%s: the next sync succeeds" % name, hard=False)
        hlib.expect_installed(t, p, "%s: next sync" % name)

    # Writing the lock itself: the old lock stays.
    p = hlib.prepared(t, index, [srv.url], installed=True)
    before = p.lock_bytes()
    p.write_manifest(**hlib.fields(index, [srv.url], go="1.21"))
    log = os.path.join(p.root, "faults.log")
    r = p.run("lock", env=shim_env("write:ENOSPC:path=gonative.lock", log))
    t.check(os.path.exists(log), "lock write ENOSPC: injected")
    hlib.expect_error(t, r, 5, "lock write ENOSPC", names=["gonative.lock"])
    t.check(p.lock_bytes() == before, "lock write ENOSPC: the old lock is unchanged")
    leftovers = [n for n in os.listdir(p.root) if n.startswith("gonative.lock") and
                 n != "gonative.lock"]
    t.check(not leftovers, "lock write ENOSPC: no temp lock left", leftovers)


hlib.run(main)
