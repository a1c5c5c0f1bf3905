#!/usr/bin/env python3
"""A file server for tests that misbehaves on request.

    python3 tests/faultserver.py --root DIR --port-file FILE [--log FILE]

Binds 127.0.0.1 on a random port and writes the port to FILE (atomically).
GET /path serves DIR/path (HTTP Range supported, 206).  A path of the form
/_fault/<spec>/<path> serves DIR/<path> with a fault:

    404 403 401 500 ...   always that status
    <code>x<N>            that status for the first N requests of this exact
                          path, then the file
    corrupt               one byte in the middle flipped
    truncate              full Content-Length, connection closed after half
    bigger                the file plus 1 MiB of garbage, no Content-Length
    endless               a body that never ends (bounded at 60 s)
    stall                 headers, then 30 s of silence
    trickle               full Content-Length, then 1 byte every 2 s
    html                  200 with an HTML page (text/html)
    redirect-file         302 to file:///etc/passwd
    redirect              302 to /<path> (no fault)

Each request is logged to --log as one tab-separated line:
METHOD, path, Range header ("-" when none), status.
"""

import argparse
import http.server
import os
import posixpath
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse

MAX_SLEEP = 60.0
GARBAGE = bytes(range(256)) * 256  # 64 KiB


class State:
    def __init__(self, root, log):
        self.root = os.path.realpath(root)
        self.log = log
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, path):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]

    def record(self, method, path, rng, status):
        if not self.log:
            return
        line = "%s\t%s\t%s\t%s\n" % (method, path, rng or "-", status)
        with self.lock:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(line)


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
    server_version = "faultserver/1"

    def log_message(self, fmt, *args):  # quiet: --log has what tests need
        pass

    # -- helpers -------------------------------------------------------

    def state(self):
        return self.server.state

    def reply(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def start_unbounded(self, status=200):
        """Headers for a body delimited by closing the connection."""
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.flush()

    def sleep_bounded(self, seconds):
        time.sleep(min(seconds, MAX_SLEEP))

    def local_file(self, rel):
        rel = posixpath.normpath("/" + rel).lstrip("/")
        path = os.path.realpath(os.path.join(self.state().root, rel))
        if path != self.state().root and not path.startswith(self.state().root + os.sep):
            return None
        if not os.path.isfile(path):
            return None
        return path

    # -- dispatch ------------------------------------------------------

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        raw = urllib.parse.urlsplit(self.path).path
        path = urllib.parse.unquote(raw)
        rng = self.headers.get("Range")
        status = "?"
        try:
            status = self.route(path)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            status = "%s(client gone)" % status
            self.close_connection = True
        finally:
            self.state().record(self.command, path, rng, status)

    def route(self, path):
        if not path.startswith("/_fault/"):
            return self.serve(path, None)
        rest = path[len("/_fault/"):]
        spec, _, rel = rest.partition("/")
        m = re.fullmatch(r"(\d{3})(?:x(\d+))?", spec)
        if m:
            code = int(m.group(1))
            if m.group(2) is None or self.state().count(path) <= int(m.group(2)):
                return self.reply(code, b"injected %d\n" % code)
            return self.serve("/" + rel, None)
        if spec == "redirect-file":
            return self.reply(302, b"", headers=[("Location", "file:///etc/passwd")])
        if spec == "redirect":
            return self.reply(302, b"", headers=[("Location", "/" + rel)])
        if spec == "html":
            page = b"<!doctype html><html><body><h1>Mirror portal</h1></body></html>\n"
            return self.reply(200, page, ctype="text/html; charset=utf-8")
        if spec in ("corrupt", "truncate", "bigger", "endless", "stall", "trickle"):
            return self.serve("/" + rel, spec)
        return self.reply(400, b"unknown fault %s\n" % spec.encode())

    def serve(self, rel, fault):
        path = self.local_file(rel)
        if path is None:
            return self.reply(404, b"not found\n")
        with open(path, "rb") as f:
            data = f.read()
        size = len(data)

        if fault is None:
            rng = parse_range(self.headers.get("Range"), size)
            if rng == "bad":
                return self.reply(416, b"", headers=[("Content-Range", "bytes */%d" % size)])
            if rng is not None:
                start, end = rng
                return self.reply(206, data[start:end + 1], ctype="application/octet-stream",
                                  headers=[("Content-Range", "bytes %d-%d/%d" % (start, end, size)),
                                           ("Accept-Ranges", "bytes")])
            return self.reply(200, data, ctype="application/octet-stream",
                              headers=[("Accept-Ranges", "bytes")])

        if fault == "corrupt":
            body = bytearray(data)
            if body:
                body[len(body) // 2] ^= 0x01
            return self.reply(200, bytes(body), ctype="application/octet-stream")

        if fault == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(data[:size // 2])
            self.wfile.flush()
            self.close_connection = True
            return 200

        if fault == "bigger":
            self.start_unbounded()
            self.wfile.write(data)
            for _ in range(16):  # 16 * 64 KiB = 1 MiB
                self.wfile.write(GARBAGE)
            self.wfile.flush()
            return 200

        if fault == "endless":
            self.start_unbounded()
            deadline = time.monotonic() + MAX_SLEEP
            self.wfile.write(data)
            while time.monotonic() < deadline:
                self.wfile.write(GARBAGE)
            return 200

        if fault in ("stall", "trickle"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            if fault == "stall":
                self.sleep_bounded(30)
                return 200
            deadline = time.monotonic() + MAX_SLEEP
            for i in range(size):
                if time.monotonic() >= deadline:
                    break
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                self.sleep_bounded(2)
            return 200

        raise AssertionError(fault)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # stall/trickle must not hold up shutdown
    allow_reuse_address = True


def write_port(port_file, port):
    tmp = "%s.tmp.%d" % (port_file, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, port_file)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args(argv)

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.state = State(args.root, args.log)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    write_port(args.port_file, httpd.server_address[1])
    while not stop.wait(0.5):
        pass
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
