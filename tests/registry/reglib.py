"""Real OCI registries for the tests: Debian's docker-registry (the CNCF
distribution registry 2.8) on 127.0.0.1 with a config written here, open,
with htpasswd Basic auth, or with token auth served by a small token server
that signs real JWTs (RS256, x5c) with openssl; plus a redirecting front
that sends blob reads to a second loopback server, as registries backed by
object storage do."""
import base64
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import threading
import time
import urllib.parse
import urllib.request

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
HTPASSWD = shutil.which("htpasswd") or "/usr/bin/htpasswd"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server:
    def __init__(self, handler, owner):
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = owner
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TokenServer:
    """Issues registry tokens for good Basic credentials (or anonymously
    for pulls when anonymous_pull), signed RS256 with a key whose
    self-signed certificate the registry trusts."""

    def __init__(self, folder, users, anonymous_pull=False):
        self.folder = folder
        self.users = users
        self.anonymous_pull = anonymous_pull
        self.key = os.path.join(folder, "token.key")
        self.cert = os.path.join(folder, "token.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=gonative-token",
                        "-batch"], check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.issuer = "gonative-test-issuer"
        self.service = "gonative-test-registry"
        self.requests = []
        owner = self

        class Handler(_Quiet):
            def do_GET(self):
                owner.requests.append(self.path)
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                user = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    name, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    if owner.users.get(name) != pw:
                        return self.send(401, b'{"details":"bad credentials"}')
                    user = name
                scope = q.get("scope", [""])[0]
                access = []
                if scope.startswith("repository:"):
                    _, repo, actions = scope.split(":", 2)
                    want = actions.split(",")
                    granted = want if user else [a for a in want if a == "pull"]
                    if not user and not owner.anonymous_pull:
                        return self.send(401, b'{"details":"login required"}')
                    access.append({"type": "repository", "name": repo, "actions": granted})
                body = json.dumps({"token": owner.sign(user or "", access)}).encode()
                self.send(200, body, [("Content-Type", "application/json")])

        self.server = _Server(Handler, self)
        self.realm = self.server.url + "/token"

    def sign(self, subject, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service, "exp": now + 600,
                  "nbf": now - 60, "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=signing_input, check=True, capture_output=True).stdout
        return signing_input.decode() + "." + b64url(sig)

    def stop(self):
        self.server.stop()


class Registry:
    """docker-registry serve CONFIG on 127.0.0.1:<free port>."""

    def __init__(self, folder, auth=None, users=None, token=None):
        self.folder = folder
        self.storage = os.path.join(folder, "storage")
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.host
        self.log_path = os.path.join(folder, "registry.log")
        config = ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:",
                  "    rootdirectory: %s" % self.storage, "  delete:", "    enabled: true",
                  "http:", "  addr: %s" % self.host, "  secret: gonative-tests"]
        if auth == "htpasswd":
            pw = os.path.join(folder, "htpasswd")
            with open(pw, "w") as fh:
                for name, secret in (users or {}).items():
                    line = subprocess.run([HTPASSWD, "-Bbn", name, secret], check=True,
                                          capture_output=True, text=True).stdout.strip()
                    fh.write(line + "\n")
            config += ["auth:", "  htpasswd:", "    realm: gonative-tests",
                       "    path: %s" % pw]
        elif auth == "token":
            config += ["auth:", "  token:", "    realm: %s" % token.realm,
                       "    service: %s" % token.service, "    issuer: %s" % token.issuer,
                       "    rootcertbundle: %s" % token.cert]
        self.config = os.path.join(folder, "config.yml")
        with open(self.config, "w") as fh:
            fh.write("\n".join(config) + "\n")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([REGISTRY, "serve", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/v2/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # 401: up, and asking for a login
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("docker-registry did not start: " + self.log_text())

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as fh:
            return fh.read().decode(errors="replace")

    def count(self, method, path_part):
        """Requests the registry logged with this method whose URI holds path_part."""
        n = 0
        for line in self.log_text().splitlines():
            if ('"%s ' % method) in line and path_part in line:
                n += 1
        return n

    def blob_data(self, sha256):
        return os.path.join(self.storage, "docker", "registry", "v2", "blobs", "sha256",
                            sha256[:2], sha256, "data")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class RedirectingFront:
    """A registry front whose blob reads answer 307 to a second loopback
    server (the "storage backend"), which reads the bytes from the real
    registry.  Everything else is passed through."""

    def __init__(self, registry):
        self.registry = registry
        self.backend_hits = []
        owner = self

        class Backend(_Quiet):
            def do_GET(self):
                owner.backend_hits.append(self.path)
                parts = urllib.parse.urlsplit(self.path)
                digest = parts.path.rsplit("/", 1)[-1]
                repo = urllib.parse.parse_qs(parts.query)["repo"][0]
                with urllib.request.urlopen("%s/v2/%s/blobs/%s" % (
                        registry.url, repo, digest)) as r:
                    body = r.read()
                self.send(200, body, [("Content-Type", "application/octet-stream")])

        self.backend = _Server(Backend, self)

        class Front(_Quiet):
            def do_GET(self):
                path = self.path
                if "/blobs/sha256:" in path:
                    repo = path[len("/v2/"):path.index("/blobs/")]
                    digest = path.rsplit("/", 1)[-1]
                    loc = "%s/storage/%s?repo=%s" % (owner.backend.url, digest,
                                                     urllib.parse.quote(repo, safe=""))
                    return self.send(307, b"", [("Location", loc)])
                req = urllib.request.Request(registry.url + path,
                                             headers={k: v for k, v in self.headers.items()
                                                      if k.lower() in ("accept",
                                                                       "authorization")})
                try:
                    with urllib.request.urlopen(req) as r:
                        body, code, hdrs = r.read(), r.status, r.headers
                except urllib.error.HTTPError as e:
                    body, code, hdrs = e.read(), e.code, e.headers
                keep = [(k, v) for k, v in hdrs.items()
                        if k.lower() in ("content-type", "docker-content-digest",
                                         "www-authenticate")]
                self.send(code, body, keep)

        self.front = _Server(Front, self)
        self.host = "127.0.0.1:%d" % self.front.port

    def stop(self):
        self.front.stop()
        self.backend.stop()


def run(main_fn):
    """e2e.run(main_fn), then stop what main_fn put on t.cleanup_more (the
    registries and servers it started), last first, whatever happened."""
    import e2e

    def wrapped(t):
        try:
            main_fn(t)
        finally:
            for stop in reversed(getattr(t, "cleanup_more", [])):
                try:
                    stop()
                except Exception:
                    pass
    e2e.run(wrapped)


def get(url, accept):
    """GET url with an Accept header (a manifest's media type): the body."""
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req) as r:
        return r.read().decode()
