#!/usr/bin/env python3
"""Case 14 (extends tests/e2e/test_19): syncs at once.

- three syncs of one project from an empty cache and nothing installed,
  against a slow mirror: all exit 0, the install is the locked tree, and
  each archive was downloaded exactly once (the cache lock makes the later
  ones find it cached);
- two projects with their own caches but one install folder (`install:`
  pointing at the same path): both succeed, one after the other, and the
  tree is the locked one;
- a sync racing a `verify`: verify sees either nothing, or a whole tree.
No staging folder or part file is left anywhere."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def popen(p, *args):
    env = dict(os.environ, GONATIVE_CACHE=p.cache, NO_COLOR="1", LC_ALL="C")
    return subprocess.Popen([p.t.exe, "-C", p.root, "--cache-dir", p.cache] + list(args),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def finish(procs, timeout=60):
    out = []
    for proc in procs:
        o, e = proc.communicate(timeout=timeout)
        out.append((proc.returncode, o.decode(errors="replace"), e.decode(errors="replace")))
    return out


def main(t):
    mirror = t.mirror()
    slow = t.server(mirror.root, rate=2000)  # ~0.4 s per fixture archive
    index = "file://%s/index.json" % mirror.root
    fields = hlib.fields(index, [slow.url + "_fault/slow/"], go="1.9")

    # Three at once, cold.
    p = t.project(**fields)
    t.expect_rc(p.run("lock", cache=False, env={"GONATIVE_CACHE": t.cache()}), 0, "lock")
    n0 = len(slow.wait_log(2, timeout=5.0))  # the lock fetched both archives
    res = finish([popen(p, "sync", "--frozen") for _ in range(3)])
    t.check(all(rc == 0 for rc, _, _ in res), "three syncs at once: all succeed",
            "\n".join("%s %s" % (rc, e) for rc, _, e in res))
    hlib.expect_installed(t, p, "three syncs at once")
    # The server logs a request once its handler returns, which can be after
    # the client has every byte and has exited: wait for it to go idle.
    log = slow.requests(settle=5.0)[n0:]
    for f in hlib.new_files():
        got = [x for x in log if x.path.endswith("/" + f) and x.status == 200]
        t.check(len(got) == 1, "three syncs at once: %s downloaded once" % f, got)
    t.check(not [n for n in hlib.tmp_files(p) if n.endswith(".part")],
            "three syncs at once: no part file left", hlib.tmp_files(p))
    r = p.run("verify")
    t.expect_rc(r, 0, "three syncs at once: verify", hard=False)

    # Two projects, two caches, one install folder.
    shared = os.path.join(t.newdir("shared"), "go")
    a = t.project(**dict(fields, install=shared))
    b = t.project(**dict(fields, install=shared))
    for q in (a, b):
        t.expect_rc(q.run("lock"), 0, "lock in %s" % q.root)
    res = finish([popen(a, "sync", "--frozen"), popen(b, "sync", "--frozen")])
    t.check(all(rc == 0 for rc, _, _ in res), "two caches, one install: both succeed",
            "\n".join("%s %s" % (rc, e) for rc, _, e in res))
    hlib.expect_installed(t, a, "two caches, one install")
    stages = [n for n in os.listdir(os.path.dirname(shared)) if ".stage-" in n]
    t.check(not stages, "two caches, one install: no staging folder left", stages)

    # A sync racing verify: verify never sees half a tree.
    p = t.project(**fields)
    t.expect_rc(p.run("lock"), 0, "lock (race)")
    sync = popen(p, "sync", "--frozen")
    seen = []
    while sync.poll() is None:
        r = p.run("verify")
        seen.append(r.rc)
        if r.rc not in (0, 1):
            t.check(False, "verify during a sync: exit 0 or 1", r.describe())
        if r.rc == 1:
            t.check("not installed" in r.both.lower() or "no goroot" in r.both.lower()
                    or not os.path.isdir(p.install) or "changed" in r.both.lower()
                    or "differ" in r.both.lower() or "expected" in r.both.lower(),
                    "verify during a sync: says why", r.describe())
    sync.communicate(timeout=60)
    t.check(sync.returncode == 0, "the raced sync succeeds")
    t.check(seen, "verify ran during the sync (%d times: %s)" % (len(seen), sorted(set(seen))))
    r = p.run("verify")
    t.expect_rc(r, 0, "verify after the raced sync", hard=False)


hlib.run(main)
