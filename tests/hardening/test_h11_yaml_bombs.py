#!/usr/bin/env python3
"""Case 11: hostile YAML is refused quickly with bounded memory.

Manifest (and, the same way, the lock and the release index): anchors and
aliases, a 9-level billion laughs, a 50 MB scalar, 10 000-deep nesting (flow
and block), 100 000 keys.  Each run must exit 2 within 2 s, with a max RSS
under 200 MB (measured per child with wait4), without any network access."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import e2e  # noqa: E402

MAX_RSS_KB = 200 * 1024
MAX_SECONDS = 2.0


def laughs(levels=9):
    out = ['lol0: &a0 "lol"']
    for i in range(1, levels + 1):
        out.append("lol%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)))
    return "\n".join(out) + "\n"


def bombs(head):
    """(name, text) for a YAML document; head is a valid start (keys)."""
    yield ("anchor and alias", head + "platforms: &p [linux/386]\nbase: *p\n")
    yield ("billion laughs", head + laughs())
    yield ("billion laughs in a list", head + "platforms: " + "[" * 1 + laughs().replace(
        "\n", " ") + "]\n")
    yield ("50 MB scalar", head + 'index: "' + "a" * (50 << 20) + '"\n')
    yield ("50 MB plain scalar", head + "x: " + "a" * (50 << 20) + "\n")
    yield ("10 000-deep flow nesting", head + "platforms: " + "[" * 10000 + "]" * 10000 + "\n")
    yield ("10 000-deep unclosed", head + "platforms: " + "[" * 10000 + "\n")
    yield ("10 000-deep flow maps", head + "checksums: " + "{a: " * 10000 + "b" + "}" * 10000
           + "\n")
    yield ("10 000-deep block nesting", head + "".join(
        "%sk%d:\n" % (" " * i, i) for i in range(10000)))
    yield ("100 000 keys", head + "checksums:\n" + "".join(
        "  f%d: %s\n" % (i, "0" * 64) for i in range(100000)))
    yield ("tag", head + "platforms: !!python/object:os.system [linux/386]\n")


# Forks the command and reports its own max RSS.  A child forked straight
# from this (big) test process would inherit the test's RSS high-water mark.
LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write("%d %d\n" % (os.waitstatus_to_exitcode(status), ru.ru_maxrss))
"""


def run_measured(p, args, timeout=20):
    """Run gonative; returns (Result, seconds, max RSS in KiB) of that process."""
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C", GONATIVE_CACHE=p.cache,
               XDG_CACHE_HOME=os.path.join(p.cache, "xdg"))
    argv = [p.t.exe, "-C", p.root, "--cache-dir", p.cache] + list(args)
    errf = os.path.join(p.root, "stderr.txt")
    report = os.path.join(p.root, "rusage.txt")
    start = time.monotonic()
    with open(errf, "wb") as err:
        proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, report] + argv,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                              env=env, cwd=p.root, timeout=timeout)
    took = time.monotonic() - start
    rc, rss = (int(x) for x in hlib.read(report).split())
    del proc
    text = hlib.read(errf).decode(errors="replace")
    return e2e.Result(argv, rc, "", text, took), took, rss


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    base = hlib.prepared(t, index, [srv.url], installed=True)
    snap = hlib.Snapshot(t, base)
    manifest = hlib.read(base.manifest_path).decode()
    lock = base.lock_bytes().decode()
    n0 = len(srv.requests())

    def measure(what, args, rc, name):
        r, took, rss = run_measured(base, args)
        hlib.expect_error(t, r, rc, what, names=[name])
        t.check(took < MAX_SECONDS, "%s: refused in %.2f s" % (what, took))
        t.check(rss < MAX_RSS_KB, "%s: max RSS %d MiB" % (what, rss // 1024))
        print("# %-45s %5.2f s %4d MiB" % (what, took, rss // 1024))

    # The manifest.
    for name, text in bombs(manifest):
        base.write_file("gonative.yaml", text)
        for cmd in (["sync"], ["check"]):
            measure("manifest %s: %s" % (name, cmd[0]), cmd, 2, "gonative.yaml")
    base.write_file("gonative.yaml", manifest)

    # The lock (the manifest is fine, the lock is read next).
    for name, text in bombs(lock):
        base.write_file("gonative.lock", text)
        measure("lock %s: sync --frozen" % name, ["sync", "--frozen"], 2, "gonative.lock")
    base.write_file("gonative.lock", lock)
    t.check(len(srv.requests()) == n0, "manifest and lock bombs: no network access",
            srv.requests()[n0:])
    hlib.expect_nothing_lost(t, base, snap, "after the manifest and lock bombs")

    # The release index: fetched, then refused (exit 2), nothing else asked for.
    raw = hlib.read(mirror.path("index.json")).decode().rstrip()
    assert raw.endswith("]")
    for name, text in bombs(""):
        d = t.newdir("index")
        with open(os.path.join(d, "index.json"), "w") as fh:
            if name.startswith("anchor") or name.startswith("billion") or name == "tag":
                fh.write(raw[:-1] + ", " + text.replace("\n", " ").replace(": ", ": ", 1) + "]")
            else:
                fh.write(text)
        isrv = t.server(d)
        q = t.project(**hlib.fields(isrv.url + "index.json", [srv.url]))
        base_p, base.root, base.cache = (base.root, base.cache), q.root, q.cache
        try:
            measure("index %s: lock" % name, ["lock"], 2, isrv.url + "index.json")
        finally:
            base.root, base.cache = base_p
        t.check([x.path for x in isrv.wait_log(1)] == ["/index.json"],
                "index %s: nothing asked for after the index" % name, isrv.requests())
        t.check(not os.path.exists(q.lock_path), "index %s: no lock written" % name)
        isrv.stop()


hlib.run(main)
