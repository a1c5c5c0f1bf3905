"""Helpers for the hardening tests (Python 3 stdlib only), on top of
tests/e2e/e2e.py: the same Test/Project/Mirror classes, plus

- custom mirrors (a copy of the fixture mirror with some archives replaced
  and the index updated to their new sha256 and size),
- the "nothing lost" checks every failing case ends with: the previous
  GOROOT byte-identical (stock git and `gonative hash`) or still absent,
  nothing new in <cache>/archives, no <install>.stage-* folder,
- the error message checks: the URL or file named, expected and received
  values shown.

Servers are tests/faultserver.py (t.server(root), its /_fault/<spec>/ URLs).
"""

import gzip
import hashlib
import io
import os
import random
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "e2e"))
sys.path.insert(0, TESTS)

import e2e  # noqa: E402,F401

HOST = e2e.HOST
GO = "go1.17.13"
TARGET = "linux/386"
HOST_FILE = e2e.artifact_name(GO, HOST) if HOST else None
TARGET_FILE = e2e.artifact_name(GO, TARGET)


def run(main):
    e2e.run(main)


def fields(index, mirrors, **extra):
    """The manifest every test starts from: go 1.17, host + linux/386."""
    f = dict(go="1.17", platforms=[TARGET], index=index, mirrors=list(mirrors))
    f.update(extra)
    return f


custom_mirror = e2e.custom_mirror


def file_url(root):
    return "file://" + root + "/"


class Snapshot:
    """What a failed command must leave as it was."""

    def __init__(self, t, p):
        self.installed = os.path.isdir(p.install)
        self.tree = e2e.git_tree_hash(p.install) if self.installed else None
        self.archives = p.archives()
        self.lock = p.lock_bytes() if os.path.exists(p.lock_path) else None


def expect_nothing_lost(t, p, snap, what, verified_ok=False):
    """The previous GOROOT is byte-identical (or still absent), nothing new
    in <cache>/archives, no staging folder left.  verified_ok: new cache
    entries are allowed when their bytes hash to their name (an archive that
    matched its locked sha256 but was refused later, e.g. as unsafe)."""
    if snap.installed:
        ok = os.path.isdir(p.install)
        git = e2e.git_tree_hash(p.install) if ok else None
        t.check(git == snap.tree, "%s: previous GOROOT byte-identical (stock git)" % what,
                "before %s\nafter  %s" % (snap.tree, git))
        if ok:
            r = p.run("hash", p.install)
            t.check(r.rc == 0 and r.out.strip() == snap.tree,
                    "%s: `gonative hash` agrees" % what, r.describe())
    else:
        t.check(not os.path.lexists(p.install), "%s: nothing installed" % what, p.install)
    if verified_ok:
        new = [n for n in p.archives() if n not in snap.archives]
        bad = [n for n in new if hashlib.sha256(
            read(os.path.join(p.cache, "archives", n))).hexdigest() != n]
        t.check(not bad and set(snap.archives) <= set(p.archives()),
                "%s: nothing unverified in <cache>/archives" % what, bad)
    else:
        t.check(p.archives() == snap.archives, "%s: nothing new in <cache>/archives" % what,
                "before %s\nafter  %s" % (snap.archives, p.archives()))
    t.check(not p.stage_dirs(), "%s: no staging folder left" % what, p.stage_dirs())


def expect_error(t, r, rc, what, names=(), values=None):
    """Exit code rc, a 'gonative: error:' line, every string in names in
    stderr (the URL or file), and, when values=(expected, got), both shown
    on the expected:/got: lines."""
    t.expect_rc(r, rc, what, hard=False)
    t.expect_error_line(r, what)
    for n in names:
        t.expect_in(n, r.err, "%s: the error names %s" % (what, n), r)
    if values:
        exp, got = values
        t.expect_re(r"expected:\s+.*%s" % _re(exp), r.err,
                    "%s: expected value shown" % what, r)
        t.expect_re(r"got:\s+.*%s" % _re(got), r.err, "%s: received value shown" % what, r)


def _re(s):
    import re

    return re.escape(str(s))


def expect_installed(t, p, what, git=True):
    """The install path holds exactly the locked tree (hashed by stock git,
    or, for big trees in loops, by `gonative hash`)."""
    want = p.lock()["goroot"][HOST]
    if not os.path.isdir(p.install):
        got = None
    elif git:
        got = e2e.git_tree_hash(p.install)
    else:
        got = p.run("hash", p.install).out.strip()
    t.check(got == want, "%s: installed tree is the locked one" % what,
            "lock %s\ngit  %s" % (want, got))
    t.check(not p.stage_dirs(), "%s: no staging folder left" % what, p.stage_dirs())
    return got == want


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def tmp_files(p):
    d = os.path.join(p.cache, "tmp")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def archive_gets(reqs, filename):
    """(path, range, status) of the requests for an archive in a server log."""
    return [(r.path, r.range, r.status) for r in reqs if r.path.endswith("/" + filename)]


NEW_GO = "go1.9.7"


def prepared(t, index, good_mirrors, installed=True):
    """A project whose lock is for go 1.9 (made with good mirrors in a
    throwaway cache) and whose own cache holds only the 1.17 archives.
    installed: go1.17 is installed first (its tree is what must survive).
    The caller then points mirrors: at bad places (mirrors do not count in
    the manifest digest, so the lock stays fresh) and runs sync."""
    p = t.project(**fields(index, good_mirrors))
    if installed:
        r = p.run("sync")
        t.expect_rc(r, 0, "setup: first sync (go1.17)")
    own = p.cache
    p.cache = t.cache()
    p.write_manifest(**fields(index, good_mirrors, go="1.9"))
    r = p.run("lock")
    t.expect_rc(r, 0, "setup: lock go1.9")
    p.cache = own
    return p


def new_files():
    """The archives a go1.9 sync needs."""
    return [e2e.artifact_name(NEW_GO, HOST), e2e.artifact_name(NEW_GO, TARGET)]


# --------------------------------------------------------------------------
# Interrupted syncs (test_h12_kill9, test_h21_signals)


def big_archive(mirror, name, n_files=300, size=16 * 1024):
    """The archive plus n_files random files: a sync with a real download,
    extraction and swap."""
    raw = io.BytesIO()
    rng = random.Random(1)
    with tarfile.open(mirror.path(name)) as src, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for ti in src.getmembers():
            dst.addfile(ti, src.extractfile(ti) if ti.isfile() else None)
        for i in range(n_files):
            ti = tarfile.TarInfo("go/src/bulk/d%02d/f%04d.go" % (i % 40, i))
            data = bytes(rng.getrandbits(8) for _ in range(256)) * (size // 256)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1500000000
            dst.addfile(ti, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=1) as g:
        g.write(raw.getvalue())
    return out.getvalue()


class BigUpgrade:
    """go1.17 and a go1.9.7 whose host archive is big_archive(), both locked
    once; the mirror is served at about size/seconds bytes/s under slow_url
    and at full speed under fast_url."""

    def __init__(self, t, seconds, min_rate):
        mirror = t.mirror()
        self.host_file = e2e.artifact_name(NEW_GO, HOST)
        root = custom_mirror(t, mirror, "big",
                             replace={self.host_file: big_archive(mirror, self.host_file)})
        size = os.path.getsize(os.path.join(root, self.host_file))
        self.srv = t.server(root, rate=max(int(size / seconds), min_rate))
        self.fast_url = self.srv.url
        self.slow_url = self.srv.url + "_fault/slow/"
        self.index = "file://%s/index.json" % root
        self.p = t.project(**fields(self.index, [self.fast_url]))
        self.locks, self.trees = {}, {}
        for version, go in (("old", "1.17"), ("new", "1.9")):
            self.p.write_manifest(**fields(self.index, [self.fast_url], go=go))
            t.expect_rc(self.p.run("lock"), 0, "setup: lock %s" % go)
            self.locks[version] = self.p.lock_bytes().decode()
            self.trees[version] = self.p.lock()["goroot"][HOST]
        self.big_sha = [a["sha256"] for a in self.p.lock()["artifacts"]
                        if a["file"] == self.host_file][0]

    def use(self, version, mirror_url):
        """Manifest and lock for version "old" (go1.17) or "new" (go1.9)."""
        go = "1.17" if version == "old" else "1.9"
        self.p.write_manifest(**fields(self.index, [mirror_url], go=go))
        self.p.write_file("gonative.lock", self.locks[version])

    def uncache_big(self):
        """Drop the big archive and any part of it from the cache."""
        p = self.p
        for n in p.archives():
            if n == self.big_sha:
                os.unlink(os.path.join(p.cache, "archives", n))
        for n in tmp_files(p):
            os.unlink(os.path.join(p.cache, "tmp", n))


def popen(p, args, env=None):
    """gonative running in the background, stderr piped."""
    e = dict(os.environ, GONATIVE_CACHE=p.cache, NO_COLOR="1", LC_ALL="C")
    e.update(env or {})
    return subprocess.Popen([p.t.exe, "-C", p.root, "--cache-dir", p.cache] + list(args),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=e)


def stopped(pid):
    """The process is stopped (SIGSTOP, e.g. by a faultfs "stop" rule)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "T"
    except OSError:
        return False
