"""Helpers for the hardening tests (Python 3 stdlib only), on top of
tests/e2e/e2e.py: the same Test/Project/Mirror classes, plus

- custom mirrors (a copy of the fixture mirror with some archives replaced
  and the index updated to their new sha256 and size),
- the "nothing lost" checks every failing case ends with: the previous
  GOROOT byte-identical (stock git and `gonative hash`) or still absent,
  nothing new in <cache>/archives, no <install>.stage-* folder,
- the error message checks: the URL or file named, expected and received
  values shown.
"""

import hashlib
import json
import os
import shutil
import sys

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


def custom_mirror(t, base, name, replace=None, drop_from_index=False):
    """A copy of mirror `base` (an e2e.Mirror) in a new folder, with the files
    in `replace` ({filename: bytes}) swapped in and index.json updated to
    their sha256 and size.  Returns the folder."""
    root = os.path.join(t.newdir(name), "m")
    shutil.copytree(base.root, root)
    replace = replace or {}
    for fn, data in replace.items():
        with open(os.path.join(root, fn), "wb") as fh:
            fh.write(data)
    idx = json.loads(json.dumps(base.index))
    for rel in idx:
        for f in rel["files"]:
            if f["filename"] in replace:
                data = replace[f["filename"]]
                f["sha256"] = hashlib.sha256(data).hexdigest()
                f["size"] = len(data)
    with open(os.path.join(root, "index.json"), "w", newline="\n") as fh:
        fh.write(json.dumps(idx, indent=1) + "\n")
    return root


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
    """(path, range, status) of the requests for an archive in a FaultServer log."""
    return [(r[1], r[2], r[3]) for r in reqs if r[1].endswith("/" + filename)]


class _Raw:
    """serverctl.FaultServer with its raw (method, path, range, status) log."""

    def __init__(self, root):
        import serverctl  # noqa: E402

        self._srv = serverctl.FaultServer(root)
        self.url = self._srv.__enter__()
        self.root = root

    def requests(self):
        return self._srv.requests()

    def wait_log(self, n, timeout=3.0):
        """The server logs a request when it is done: wait for n lines."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.requests()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests()

    def stop(self):
        if self._srv:
            self._srv.__exit__(None, None, None)
            self._srv = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def fault_server(t, root):
    srv = _Raw(root)
    t._servers.append(srv)
    return srv


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
# A second server for what tests/faultserver.py does not do: GET /<mode>/<file>
#
#   liar/F      announces Content-Length 2^40, then streams garbage
#   endless/F   no Content-Length, the file then garbage until the client
#               hangs up; counts the bytes it managed to send
#   norange/F   ignores Range: always 200 with the whole file
#   slow/F      the whole file at about `rate` bytes/s (Range honoured)
#   to-S/F      302 to S://127.0.0.1:<this port>/F
#   F           the file (Range honoured)
#
# Each request is logged as (mode, file, range, status, bytes_sent).

import http.server as _hs  # noqa: E402
import re as _re_mod  # noqa: E402
import socketserver as _ss  # noqa: E402
import threading as _th  # noqa: E402
import time as _time  # noqa: E402


class _LiarHandler(_hs.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        own = self.server.owner
        path = self.path.split("?", 1)[0].lstrip("/")
        mode, _, fn = path.partition("/")
        if mode.startswith("to-"):
            # 302 to <scheme>://127.0.0.1:<port>/<file>
            self.send_response(302)
            self.send_header("Location", "%s://127.0.0.1:%d/%s" % (
                mode[3:], self.server.server_address[1], fn))
            self.send_header("Content-Length", "0")
            self.end_headers()
            with own.lock:
                own.log.append((mode, os.path.basename(fn), "-", 302, 0))
            return
        if mode not in ("liar", "endless", "norange", "slow"):
            mode, fn = "plain", path
        rng = self.headers.get("Range")
        full = os.path.join(own.root, os.path.basename(fn))
        sent = 0
        status = 404
        try:
            if not os.path.isfile(full):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = read(full)
            if mode == "liar":
                status = 200
                self.send_response(200)
                self.send_header("Content-Length", str(1 << 40))
                self.end_headers()
                while sent < (64 << 20):
                    self.wfile.write(own.garbage)
                    sent += len(own.garbage)
                return
            if mode == "endless":
                status = 200
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self.wfile.write(data)
                sent = len(data)
                deadline = _time.monotonic() + 30
                while _time.monotonic() < deadline:
                    self.wfile.write(own.garbage)
                    sent += len(own.garbage)
                return
            start = 0
            m = _re_mod.fullmatch(r"bytes=(\d+)-", rng or "")
            if m and mode != "norange" and int(m.group(1)) < len(data):
                start = int(m.group(1))
                status = 206
                self.send_response(206)
                self.send_header("Content-Range",
                                 "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            else:
                status = 200
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if mode == "slow":
                step = max(1, own.rate // 20)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    sent += len(body[i:i + step])
                    _time.sleep(0.05)
            else:
                self.wfile.write(body)
                sent = len(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with own.lock:
                own.log.append((mode, os.path.basename(fn), rng or "-", status, sent))


class LiarServer:
    def __init__(self, root, rate=64 * 1024):
        self.root = root
        self.rate = rate
        self.log = []
        self.lock = _th.Lock()
        self.garbage = bytes(range(256)) * 256
        self.httpd = _hs.ThreadingHTTPServer(("127.0.0.1", 0), _LiarHandler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = _th.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def requests(self, settle=0.5):
        """The log, after waiting for handlers still running (up to settle s)."""
        deadline = _time.monotonic() + settle
        while _time.monotonic() < deadline:
            with self.lock:
                n = len(self.log)
            _time.sleep(0.05)
            with self.lock:
                if len(self.log) == n:
                    break
        with self.lock:
            return list(self.log)

    def wait_count(self, n, timeout=5.0):
        """The log once it has at least n entries (or after timeout)."""
        deadline = _time.monotonic() + timeout
        while _time.monotonic() < deadline:
            with self.lock:
                if len(self.log) >= n:
                    break
            _time.sleep(0.02)
        with self.lock:
            return list(self.log)

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def liar_server(t, root, **kw):
    srv = LiarServer(root, **kw)
    t._servers.append(srv)
    return srv
