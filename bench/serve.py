#!/usr/bin/env python3
"""A static file server for the benchmark: 127.0.0.1, random port, sendfile.

    python3 bench/serve.py ROOT PORT_FILE [RATE]

A server copying each file through Python costs ~0.1 s of CPU per 100 MB on
a 2-core machine, which would be charged to the tool under test.  This
server hands the file to the kernel (socket.sendfile), so a loopback
download costs what a fast mirror would.  tests/faultserver.py does that too
but runs inside a test, logs every request and injects faults; the benchmark
wants a separate process with none of that, and one link shared by all
connections (RATE) where the test server paces each connection alone.
GET and HEAD only; "Range: bytes=N-" is honoured (206) for resumed fetches.

With RATE (bytes per second), the server is a throttled link (P7): every
response body goes out in 64 KiB slices, and each slice waits for its turn
on one schedule shared by all connections, so N parallel downloads share
RATE as they would share a real link.
"""

import http.server
import os
import posixpath
import re
import sys
import threading
import time
import urllib.parse

SLICE = 64 << 10


class Link:
    """One link's schedule: the time at which it is free again."""

    def __init__(self, rate):
        self.rate = float(rate)
        self.lock = threading.Lock()
        self.free_at = 0.0

    def wait_turn(self, n):
        """Book n bytes on the link; sleep until they may go out."""
        with self.lock:
            start = max(self.free_at, time.monotonic())
            self.free_at = start + n / self.rate
        delay = start - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gonative-bench/1"
    # Headers and body go out in two sends: with Nagle on, a reused
    # connection waits out the client's 40 ms delayed ACK on every request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def not_found(self):
        body = b"not found\n"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve(self, head):
        root = self.server.root
        rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        rel = posixpath.normpath("/" + rel).lstrip("/")
        # rel is normalised (no ".."); the root's entries may be symlinks.
        path = os.path.join(root, rel)
        if not rel or rel.startswith("..") or not os.path.isfile(path):
            self.not_found()
            return
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            start = 0
            m = re.fullmatch(r"\s*bytes=(\d+)-\s*", self.headers.get("Range") or "")
            if m and int(m.group(1)) < size:
                start = int(m.group(1))
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
            else:
                self.send_response(200)
            ctype = "application/json" if path.endswith(".json") else "application/octet-stream"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if head:
                return
            self.wfile.flush()
            link = self.server.link
            if not link:
                self.connection.sendfile(f, offset=start, count=size - start)
                return
            while start < size:
                n = min(SLICE, size - start)
                link.wait_turn(n)
                self.connection.sendfile(f, offset=start, count=n)
                start += n


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    root, port_file = sys.argv[1], sys.argv[2]
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = os.path.realpath(root)
    srv.link = Link(float(sys.argv[3])) if len(sys.argv) > 3 else None
    tmp = port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
