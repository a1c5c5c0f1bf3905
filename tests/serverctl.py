"""Start tests/faultserver.py for a test and stop it afterwards.

    sys.path.insert(0, TESTS_DIR)
    from serverctl import FaultServer

    with FaultServer(root) as base:        # base == "http://127.0.0.1:PORT/"
        ...
    # or keep the object: srv = FaultServer(root, log=path); srv.url, srv.port,
    # srv.requests() -> [(method, path, range, status), ...]
"""

import os
import subprocess
import sys
import tempfile
import time

FAULTSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "faultserver.py")


class FaultServer:
    def __init__(self, root, log=None, timeout=10.0):
        self.root = root
        self.log = log
        self.timeout = timeout
        self.proc = None
        self.port = None
        self.url = None
        self._tmp = None

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="faultserver-")
        port_file = os.path.join(self._tmp.name, "port")
        if self.log is None:
            self.log = os.path.join(self._tmp.name, "requests.log")
        cmd = [sys.executable, FAULTSERVER, "--root", self.root, "--port-file", port_file,
               "--log", self.log]
        # stderr to a file, not a pipe: nobody drains a pipe while tests run.
        self._stderr_path = os.path.join(self._tmp.name, "stderr")
        with open(self._stderr_path, "wb") as errf:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=errf)
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                with open(self._stderr_path, encoding="utf-8", errors="replace") as f:
                    err = f.read()
                self._cleanup()
                raise RuntimeError("faultserver exited early:\n" + err)
            if time.monotonic() > deadline:
                self._stop()
                self._cleanup()
                raise RuntimeError("faultserver did not start in %.0f s" % self.timeout)
            time.sleep(0.02)
        with open(port_file, encoding="ascii") as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d/" % self.port
        return self.url

    def requests(self):
        """Logged requests so far as (method, path, range, status) tuples."""
        try:
            with open(self.log, encoding="utf-8") as f:
                return [tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def _stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _cleanup(self):
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def __exit__(self, *exc):
        self._stop()
        self._cleanup()
        return False
