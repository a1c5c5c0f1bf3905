"""Shared parts of the 'trust' suite: the Go helper (tests/trust/sumdbhelper.go,
built with Debian's Go 1.19 in GOPATH mode against golang.org/x/mod 0.7.0 and
cached in <build>/trust-helper or $GONATIVE_TRUST_CACHE), the toolchain-module proxy made from the
fixture mirror, and the checksum database it serves on 127.0.0.1.

Scripts print TAP through tests/e2e/e2e.py and skip (exit 77) when Go 1.19,
x/mod or gpg is missing (scripts/deps.sh real).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("GONATIVE_SRC") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import e2e  # noqa: E402

GO = "/usr/lib/go-1.19/bin/go"
GOCODE = "/usr/share/gocode"
XMOD = os.path.join(GOCODE, "src/golang.org/x/mod/sumdb")
HELPER_SRC = os.path.join(HERE, "sumdbhelper.go")
TOOLCHAIN = "golang.org/toolchain"


def skip(why):
    e2e.skip_all(why, 77)


def helper_path():
    """Build the helper once per build folder (rebuilt when its source changes)."""
    if not os.path.exists(GO):
        skip("Go 1.19 is not installed (scripts/deps.sh real)")
    if not os.path.isdir(XMOD):
        skip("golang-golang-x-mod-dev is not installed (scripts/deps.sh real)")
    # $GONATIVE_TRUST_CACHE lets both CI configurations share one build.
    out_dir = os.environ.get("GONATIVE_TRUST_CACHE") or os.path.join(
        os.environ.get("GONATIVE_BUILD_DIR") or tempfile.gettempdir(), "trust-helper")
    exe = os.path.join(out_dir, "sumdbhelper")
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(HELPER_SRC):
        return exe
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOCODE + ":" + out_dir,
               GOCACHE=os.path.join(out_dir, "gocache"), GOFLAGS="", CGO_ENABLED="0")
    tmp = exe + ".tmp%d" % os.getpid()
    subprocess.run([GO, "build", "-o", tmp, HELPER_SRC], check=True, env=env,
                   cwd=out_dir)
    os.replace(tmp, exe)
    return exe


class Log:
    """Keys, the module proxy folder and a checksum database server."""

    def __init__(self, t, mirror):
        self.t = t
        self.exe = helper_path()
        self.dir = t.newdir("sumdb")
        self.key = os.path.join(self.dir, "test")
        self.alt = os.path.join(self.dir, "other")
        subprocess.run([self.exe, "keygen", "test.sumdb", self.key], check=True)
        subprocess.run([self.exe, "keygen", "test.sumdb", self.alt], check=True)
        with open(self.key + ".vkey") as fh:
            self.vkey = fh.read().strip()
        self.proxy = os.path.join(self.dir, "proxy")
        out = subprocess.run([self.exe, "mkzips", mirror.root, self.proxy], check=True,
                             capture_output=True, text=True).stdout
        # module version -> dirhash.HashZip, as x/mod computes it
        self.h1 = dict(line.split() for line in out.splitlines())
        self.proc = None
        self.url = None
        self.port = 0  # kept across restarts: the manifest names the URL

    def module_version(self, artifact):
        for os_ in ("linux", "darwin", "windows"):
            marker = ".%s-" % os_
            if marker in artifact:
                go, rest = artifact.split(marker, 1)
                arch = rest.split(".")[0]
                arch = "arm" if arch == "armv6l" else arch
                return "v0.0.1-%s.%s-%s" % (go, os_, arch)
        raise ValueError(artifact)

    def start(self, mode="honest", pad=300):
        self.stop()
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.stderr = open(os.path.join(self.dir, "server-%s.log" % mode), "wb")
        self.proc = subprocess.Popen(
            [self.exe, "serve", "-proxy", self.proxy, "-skey", self.key + ".skey",
             "-altkey", self.alt + ".skey", "-portfile", port_file, "-mode", mode,
             "-pad", str(pad), "-port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None and self.port:
                # The old port may linger a moment after the last server.
                time.sleep(0.1)
                return self.start(mode, pad)
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sumdbhelper serve did not start")
            time.sleep(0.02)
        with open(port_file) as fh:
            self.port = int(fh.read())
        self.url = "http://127.0.0.1:%d" % self.port
        self.t._servers.append(self)
        return self.url

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def config(self, url=None):
        """The manifest's sumdb: value."""
        return "%s %s" % (self.vkey, url or self.url)


def latest_path(cache, name="test.sumdb"):
    return os.path.join(cache, "sumdb", name, "latest")


def read(path):
    with open(path, "rb") as fh:
        return fh.read()
