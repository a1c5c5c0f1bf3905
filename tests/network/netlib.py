"""Helpers for the corporate-network tests (Python 3 stdlib + openssl).

    pki = Pki(t.newdir("pki"))              # CA + server cert (openssl req)
    with https_server(mirror.root, pki) as srv:  # srv.url = https://127.0.0.1:P/
        with Proxy(auth=("alice", "s3cret")) as px:   # px.url = http://127.0.0.1:Q
            ...

The proxy is a small real HTTP proxy on 127.0.0.1: CONNECT tunnels (or,
with mitm=, terminates TLS itself with a certificate from a CA the test
trusts) and absolute-form GETs for http:// URLs.  rewrite=True flips one
byte of every archive that passes through it.  Every request it sees is
logged (method, target, authorised).

clean_env() removes every CA and proxy variable this machine's own setup
may carry from os.environ, so each run names exactly what it tests.
"""

import base64
import http.client
import os
import select
import socket
import socketserver
import ssl
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import e2e  # noqa: E402,F401
from faultserver import FaultServer, Serving, TlsPerConnection, corrupt_bytes  # noqa: E402

NET_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "GONATIVE_CA_BUNDLE",
            "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
            "ALL_PROXY", "no_proxy", "NO_PROXY", "NETRC")


def clean_env():
    for name in NET_VARS:
        os.environ.pop(name, None)
    # No ~/.netrc of the machine's: HOME is set per run where netrc matters.
    os.environ["HOME"] = os.environ.get("NETLIB_EMPTY_HOME") or "/nonexistent"


def is_archive(path):
    return path.split("?", 1)[0].endswith((".tar.gz", ".zip"))


# --------------------------------------------------------------------------
# Certificates


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s" % (" ".join(args), r.stderr))
    return r.stdout


class Pki:
    """A CA (ca.pem) and a server certificate for 127.0.0.1, ::1 and
    localhost signed by it, all made with `openssl req`."""

    EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def __init__(self, root, name="gonative test CA"):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.ca = os.path.join(root, "ca.pem")
        self.ca_key = os.path.join(root, "ca.key")
        self.cert = os.path.join(root, "server.pem")
        self.key = os.path.join(root, "server.key")
        openssl("req", "-x509", *self.EC, "-keyout", self.ca_key, "-out", self.ca,
                "-days", "2", "-subj", "/CN=%s" % name,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", "-x509", *self.EC, "-keyout", self.key, "-out", self.cert,
                "-days", "2", "-subj", "/CN=127.0.0.1", "-CA", self.ca, "-CAkey", self.ca_key,
                "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
                "-addext", "basicConstraints=critical,CA:FALSE",
                "-addext", "extendedKeyUsage=serverAuth")

    def hashed_dir(self):
        """A folder holding the CA under its subject hash (openssl rehash)."""
        d = os.path.join(self.root, "certs")
        os.makedirs(d, exist_ok=True)
        with open(self.ca, "rb") as src, open(os.path.join(d, "company-ca.pem"), "wb") as dst:
            dst.write(src.read())
        openssl("rehash", d)
        return d

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self):
        return ssl.create_default_context(cafile=self.ca)


# --------------------------------------------------------------------------
# The mirror over https (or plain http on ::1): tests/faultserver.py


def https_server(root, pki=None, host="127.0.0.1"):
    """Serve root on 127.0.0.1 (or ::1) over https with pki's certificate,
    or over plain http when pki is None; a FaultServer to use with `with`."""
    return FaultServer(root, host=host, tls=pki.server_context() if pki else None)


def ipv6_loopback():
    """True when this machine can listen and connect on ::1."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
            s.listen(1)
            with socket.create_connection(("::1", s.getsockname()[1]), timeout=2):
                pass
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# The proxy


def _read_head(rfile):
    """Request line and lower-cased headers of one HTTP request, or None."""
    line = rfile.readline(65537).decode("latin-1")
    if not line.strip():
        return None
    headers = {}
    while True:
        h = rfile.readline(65537).decode("latin-1")
        if h in ("\r\n", "\n", ""):
            break
        k, _, v = h.partition(":")
        headers[k.strip().lower()] = v.strip()
    parts = line.split()
    if len(parts) != 3:
        return None
    return parts[0], parts[1], headers


def _split_host(hostport, default_port):
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    return host, int(port or default_port)


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        owner = self.server.owner
        head = _read_head(self.rfile)
        if not head:
            return
        method, target, headers = head
        ok = owner.auth is None or headers.get("proxy-authorization") == owner.expected
        with owner.lock:
            owner.log.append((method, target, ok))
        if not ok:
            body = b"proxy authentication required\n"
            self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Proxy-Authenticate: Basic realm=\"corp\"\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                             + body)
            return
        if method == "CONNECT":
            host, port = _split_host(target, 443)
            if owner.mitm:
                return self.intercept(host, port)
            return self.tunnel(host, port)
        if method in ("GET", "HEAD") and target.startswith("http://"):
            return self.forward(method, target, headers)
        self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")

    def tunnel(self, host, port):
        try:
            up = socket.create_connection((host, port), timeout=10)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        down = self.connection
        with up:
            while True:
                # TLS to the proxy: bytes already decrypted wait in the
                # SSL object, where select cannot see them.
                if isinstance(down, ssl.SSLSocket) and down.pending():
                    up.sendall(down.recv(65536))
                    continue
                r, _, _ = select.select([down, up], [], [], 15)
                if not r:
                    return
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (up if s is down else down).sendall(data)

    # Passed on both ways (a registry needs Accept, Authorization and its
    # Docker-Content-Digest / WWW-Authenticate answers).
    PASS = ("accept", "authorization", "range", "user-agent")
    PASS_BACK = ("content-type", "docker-content-digest", "www-authenticate", "location",
                 "content-range", "docker-distribution-api-version")

    def respond(self, wfile, status, reason, body, headers=(), length=None):
        head = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n" % (
            status, reason.encode("latin-1"), len(body) if length is None else length)
        for k, v in headers:
            head += ("%s: %s\r\n" % (k, v)).encode("latin-1")
        wfile.write(head + b"\r\n" + body)
        wfile.flush()

    def upstream(self, conn, path, method="GET", headers=None):
        sent = {k: v for k, v in (headers or {}).items() if k in self.PASS}
        sent["Accept-Encoding"] = "identity"
        conn.request(method, path, headers=sent)
        resp = conn.getresponse()
        body = resp.read()
        back = [(k, v) for k, v in resp.getheaders() if k.lower() in self.PASS_BACK]
        length = resp.getheader("Content-Length")
        conn.close()
        if self.server.owner.rewrite and resp.status == 200 and is_archive(path):
            body = corrupt_bytes(body)
            with self.server.owner.lock:
                self.server.owner.rewritten.append(path)
        return resp.status, resp.reason, body, back, length

    def forward(self, method, target, headers):
        rest = target[len("http://"):]
        hostport, _, path = rest.partition("/")
        host, port = _split_host(hostport, 80)
        conn = http.client.HTTPConnection(host, port, timeout=10)
        status, reason, body, back, length = self.upstream(conn, "/" + path, method, headers)
        if method == "HEAD":
            self.respond(self.wfile, status, reason, b"", back, int(length or 0))
        else:
            self.respond(self.wfile, status, reason, body, back)

    def intercept(self, host, port):
        """A TLS-inspecting proxy: it answers the TLS handshake itself."""
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            tls = self.server.owner.mitm.server_context().wrap_socket(self.connection,
                                                                      server_side=True)
        except (ssl.SSLError, OSError):
            return
        with tls:
            rfile = tls.makefile("rb")
            wfile = tls.makefile("wb")
            head = _read_head(rfile)
            if not head:
                return
            _, path, _ = head
            conn = http.client.HTTPSConnection(host, port, timeout=10,
                                               context=self.server.owner.upstream_ctx)
            status, reason, body, back, _ = self.upstream(conn, path)
            self.respond(wfile, status, reason, body, back)


class _ProxyServer(TlsPerConnection, socketserver.ThreadingTCPServer):
    """context: an https:// proxy (TLS to the proxy itself)."""

    daemon_threads = True
    allow_reuse_address = True


class Proxy(Serving):
    """An HTTP proxy on 127.0.0.1.

    auth: (user, password) it insists on (Basic), or None.
    rewrite: flip one byte of every archive it forwards.
    mitm: a Pki whose server certificate it shows for every CONNECT (a
    TLS-inspecting proxy); upstream: the Pki the real server's certificate
    comes from.  tls: a Pki whose certificate the proxy itself shows (an
    https:// proxy).
    """

    def __init__(self, auth=None, rewrite=False, mitm=None, upstream=None, tls=None):
        self.auth = auth
        self.expected = None
        if auth:
            self.expected = "Basic " + base64.b64encode(
                ("%s:%s" % auth).encode()).decode()
        self.rewrite = rewrite
        self.mitm = mitm
        self.upstream_ctx = upstream.client_context() if upstream else None
        self.lock = threading.Lock()
        self.log = []
        self.rewritten = []
        self.serve(_ProxyServer(("127.0.0.1", 0), _ProxyHandler),
                   tls.server_context() if tls else None)
        self.scheme = "https" if tls else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def url_with(self, user, password):
        return "%s://%s:%s@127.0.0.1:%d" % (self.scheme, user, password, self.port)

    def requests(self):
        with self.lock:
            return list(self.log)


# --------------------------------------------------------------------------
# Checks


def archives_or_parts(p):
    """Every file under the project's cache (archives and anything half-done)."""
    out = []
    for dirpath, _, files in os.walk(p.cache):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), p.cache)
            if rel.startswith("archives" + os.sep) or rel.startswith("tmp" + os.sep):
                out.append(rel)
    return sorted(out)
