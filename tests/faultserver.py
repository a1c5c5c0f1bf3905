"""The one HTTP(S) file server of the tests: it misbehaves on request.

    sys.path.insert(0, TESTS_DIR)          # the folder holding this file
    from faultserver import FaultServer

    with FaultServer(root) as srv:         # srv.url == "http://127.0.0.1:PORT/"
        ...
        srv.requests()                     # [Request(method, path, range, status, sent, gone)]

It runs in the test's own process (threads), on 127.0.0.1 and a random port,
or on host="::1"; tls=<ssl server context> makes it https.  GET and HEAD of
/path serve ROOT/path (Range honoured: 206, 416).  A path of the form
/_fault/<spec>/<path> serves ROOT/<path> with a fault:

    404 403 401 500 ...   always that status
    <code>x<N>            that status for the first N requests of this exact
                          path, then the file
    corrupt               one byte in the middle flipped (corrupt_bytes)
    truncate              full Content-Length, connection closed after half
    bigger                the file plus 1 MiB of garbage, no Content-Length
    endless               the file, then garbage until the client hangs up
                          (no Content-Length; bounded at 60 s)
    liar                  Content-Length 2^40, then up to 64 MiB of garbage
    stall                 headers, then 30 s of silence
    trickle               full Content-Length, then 1 byte every 2 s
    slow                  the file (Range honoured) at about `rate` bytes/s
    norange               the whole file with 200 whatever Range asks
    html                  200 with an HTML page (text/html)
    redirect              302 to /<path> (no fault)
    redirect-file         302 to file:///etc/passwd
    to-<scheme>           302 to <scheme>://<this host:port>/<path>
    late                  nothing for `hold` seconds, then /<path> (which
                          may be another /_fault/<spec>/...)

srv.faults = {"/<path>": [spec, ...]} gives a plain path its faults, as if
it were asked for as /_fault/<spec>/.../<path> (one file of a mirror
misbehaves).  auth=(user, password): every request without that Basic
login gets 401 and a WWW-Authenticate challenge.

Every request is logged when it is done (requests(), and with log=FILE one
tab-separated line per request: METHOD, path, Range ("-" when none),
status, with "(client gone)" when the client hung up first).  bench/serve.py
is the benchmark's own server: it paces one shared link and must cost the
tool under test nothing, so it keeps no log and has no faults.
"""

import base64
import collections
import http.server
import os
import posixpath
import re
import socket
import ssl
import threading
import time
import urllib.parse

MAX_SLEEP = 60.0
GARBAGE = bytes(range(256)) * 256  # 64 KiB

Request = collections.namedtuple("Request", "method path range status sent gone")


def corrupt_bytes(data):
    """Same size, the middle byte's low bit flipped."""
    if not data:
        return data
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


def parse_range(header, size):
    """(start, end) inclusive, None for no/ignored range, 'bad' if unsatisfiable."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    if m.group(1) == "":
        n = int(m.group(2))
        if n == 0:
            return "bad"
        return (max(0, size - n), size - 1)
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size or end < start:
        return "bad"
    return (start, min(end, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultserver/2"
    # Headers and body go out in separate sends: without this a reused
    # connection waits out the client's delayed ACK on every request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: requests() has what tests need
        pass

    # -- sending -------------------------------------------------------

    def send_response(self, code, message=None):
        self.status = code
        super().send_response(code, message)

    def write(self, data):
        self.wfile.write(data)
        self.sent += len(data)

    def reply(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.write(body)

    def head(self, status, length=None, close=False, headers=()):
        """Headers for a body sent piecewise; no length: ended by closing."""
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in headers:
            self.send_header(k, v)
        if close or length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()

    def garbage_until(self, deadline, limit=None):
        while time.monotonic() < deadline and (limit is None or self.sent < limit):
            self.write(GARBAGE)

    # -- dispatch ------------------------------------------------------

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        owner = self.server.owner
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        rng = self.headers.get("Range")
        self.status, self.sent, gone = "?", 0, False
        owner.busy(+1)
        try:
            if owner.auth and self.headers.get("Authorization") != owner.auth:
                self.reply(401, headers=[("WWW-Authenticate", 'Basic realm="faultserver"')])
            else:
                specs = owner.faults.get(path, ())
                self.route("".join("/_fault/" + spec for spec in specs) + path)
        except (OSError, socket.timeout):  # BrokenPipe, ConnectionReset, ssl errors
            gone = True
            self.close_connection = True
        finally:
            owner.record(Request(self.command, path, rng or "-", self.status, self.sent, gone))
            owner.busy(-1)

    def route(self, path):
        if not path.startswith("/_fault/"):
            return self.serve(path, None)
        spec, _, rel = path[len("/_fault/"):].partition("/")
        rel = "/" + rel
        if spec == "late":
            time.sleep(self.server.owner.hold)
            return self.route(rel)
        m = re.fullmatch(r"(\d{3})(?:x(\d+))?", spec)
        if m:
            code = int(m.group(1))
            if m.group(2) is None or self.server.owner.count(path) <= int(m.group(2)):
                return self.reply(code, b"injected %d\n" % code)
            return self.serve(rel, None)
        if spec == "redirect-file":
            return self.reply(302, headers=[("Location", "file:///etc/passwd")])
        if spec == "redirect":
            return self.reply(302, headers=[("Location", rel)])
        if spec.startswith("to-"):
            where = "%s://%s%s" % (spec[3:], self.server.owner.netloc, rel)
            return self.reply(302, headers=[("Location", where)])
        if spec == "html":
            page = b"<!doctype html><html><body><h1>Mirror portal</h1></body></html>\n"
            return self.reply(200, page, ctype="text/html; charset=utf-8")
        if spec in FAULTS:
            return self.serve(rel, spec)
        return self.reply(400, b"unknown fault %s\n" % spec.encode())

    def local_file(self, rel):
        root = self.server.owner.root
        rel = posixpath.normpath("/" + rel).lstrip("/")
        path = os.path.realpath(os.path.join(root, rel))
        if path != root and not path.startswith(root + os.sep):
            return None
        return path if os.path.isfile(path) else None

    def serve(self, rel, fault):
        path = self.local_file(rel)
        if path is None:
            return self.reply(404, b"not found\n")
        if fault is None:
            return self.serve_file(path)
        with open(path, "rb") as f:
            data = f.read()
        FAULTS[fault](self, data)

    def serve_file(self, path):
        """The file, or the asked range of it, handed to the kernel."""
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            rng = parse_range(self.headers.get("Range"), size)
            if rng == "bad":
                return self.reply(416, headers=[("Content-Range", "bytes */%d" % size)])
            start, end = rng if rng else (0, size - 1)
            headers = [("Accept-Ranges", "bytes")]
            if rng:
                headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, size)))
            self.head(206 if rng else 200, end + 1 - start, headers=headers)
            if self.command == "HEAD" or end < start:
                return
            if isinstance(self.connection, ssl.SSLSocket):
                f.seek(start)
                self.write(f.read(end + 1 - start))
            else:
                self.sent += self.connection.sendfile(f, offset=start, count=end + 1 - start)

    # -- faults on a file's bytes (FAULTS) -----------------------------

    def corrupt(self, data):
        self.reply(200, corrupt_bytes(data), ctype="application/octet-stream")

    def truncate(self, data):
        self.head(200, len(data), close=True)
        self.write(data[:len(data) // 2])

    def bigger(self, data):
        self.head(200)
        self.write(data)
        self.garbage_until(time.monotonic() + MAX_SLEEP, limit=len(data) + (1 << 20))

    def endless(self, data):
        self.head(200)
        self.write(data)
        self.garbage_until(time.monotonic() + MAX_SLEEP)

    def liar(self, data):
        self.head(200, 1 << 40)
        self.garbage_until(time.monotonic() + MAX_SLEEP, limit=64 << 20)

    def stall(self, data):
        self.head(200, len(data), close=True)
        time.sleep(30)

    def trickle(self, data):
        self.head(200, len(data), close=True)
        deadline = time.monotonic() + MAX_SLEEP
        for i in range(len(data)):
            if time.monotonic() >= deadline:
                break
            self.write(data[i:i + 1])
            time.sleep(2)

    def slow(self, data):
        rng = parse_range(self.headers.get("Range"), len(data))
        start, end = rng if rng and rng != "bad" else (0, len(data) - 1)
        headers = []
        if rng and rng != "bad":
            headers = [("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))]
        body = data[start:end + 1]
        self.head(206 if headers else 200, len(body), headers=headers)
        step = max(1, self.server.owner.rate // 20)
        for i in range(0, len(body), step):
            self.write(body[i:i + step])
            time.sleep(0.05)

    def norange(self, data):
        self.reply(200, data, ctype="application/octet-stream")


FAULTS = {name: getattr(Handler, name) for name in (
    "corrupt", "truncate", "bigger", "endless", "liar", "stall", "trickle", "slow", "norange")}


class TlsPerConnection:
    """Mixin for a threading socketserver: with context set, TLS per
    connection, in the connection's thread, so a client that hangs up during
    the handshake (it refused our certificate) stops nothing."""

    context = None

    def finish_request(self, request, client_address):
        if self.context is not None:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)


class _Server(TlsPerConnection, http.server.ThreadingHTTPServer):
    daemon_threads = True  # stall/trickle must not hold up shutdown
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class Serving:
    """A socketserver answering on a daemon thread until stop(); `with` stops
    it at the end.  serve() hands it over; its handlers find self as
    self.server.owner."""

    httpd = None

    def serve(self, httpd, context=None):
        self.httpd = httpd
        httpd.owner = self
        httpd.context = context
        self.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class FaultServer(Serving):
    """Serve root until stop(); a context manager, or start() it.

    log: also append each request to this file (for a C test).
    host: "127.0.0.1" or "::1".  tls: an ssl server context (https).
    rate: bytes per second of /_fault/slow/; hold: seconds of /_fault/late/.
    auth: (user, password) of the Basic login every request needs.
    """

    def __init__(self, root, log=None, host="127.0.0.1", tls=None, rate=64 * 1024, hold=1.5,
                 auth=None):
        self.root = os.path.realpath(root)
        self.auth = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode() \
            if auth else None
        self.log = log
        self.host = host
        self.tls = tls
        self.rate = rate
        self.hold = hold
        self.faults = {}
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.active = 0
        self.counts = {}
        self.log_entries = []
        self.port = None
        self.url = None

    def start(self):
        cls = _Server6 if ":" in self.host else _Server
        self.serve(cls((self.host, 0), Handler), self.tls)
        shown = "[%s]" % self.host if ":" in self.host else self.host
        self.netloc = "%s:%d" % (shown, self.port)
        self.url = "%s://%s/" % ("https" if self.tls else "http", self.netloc)
        return self

    # -- called by handlers --------------------------------------------

    def count(self, path):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]

    def busy(self, delta):
        with self.lock:
            self.active += delta
            self.idle.notify_all()

    def record(self, req):
        with self.lock:
            self.log_entries.append(req)
            if self.log:
                status = "%s%s" % (req.status, "(client gone)" if req.gone else "")
                with open(self.log, "a", encoding="utf-8") as f:
                    f.write("%s\t%s\t%s\t%s\n" % (req.method, req.path, req.range, status))

    # -- for the test ----------------------------------------------------

    def requests(self, settle=0.0):
        """The log so far; with settle, after waiting up to that many seconds
        for requests still being answered."""
        deadline = time.monotonic() + settle
        with self.lock:
            while self.active and time.monotonic() < deadline:
                self.idle.wait(max(0.0, deadline - time.monotonic()))
            return list(self.log_entries)

    def wait_log(self, n, timeout=3.0):
        """The log once it has at least n entries (or after timeout)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.log_entries) < n and time.monotonic() < deadline:
                self.idle.wait(max(0.0, deadline - time.monotonic()))
            return list(self.log_entries)

    def __enter__(self):
        return self.start() if self.httpd is None else self
