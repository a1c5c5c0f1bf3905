#!/usr/bin/env python3
"""Serve random fixture files with tests/faultserver.py and run test_fetch.

    run_fetch_tests.py TEST_FETCH_BINARY

The binary's TAP output goes straight to our stdout; its exit code is ours.
"""

import os
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)

from faultserver import FaultServer  # noqa: E402

FIXTURES = {
    "big.bin": 3 * 1024 * 1024 + 17,
    "small.txt": 1500,
}
FIXTURES.update({"p%d.bin" % i: 256 * 1024 + i for i in range(6)})


def main(argv):
    if len(argv) != 2:
        print("usage: run_fetch_tests.py TEST_FETCH_BINARY", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gn-fetch-") as tmp:
        root = os.path.join(tmp, "root")
        work = os.path.join(tmp, "work")
        log = os.path.join(tmp, "requests.log")
        os.mkdir(root)
        os.mkdir(work)
        for name, size in FIXTURES.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(os.urandom(size))
        with FaultServer(root, log=log) as srv:
            env = dict(os.environ, FETCH_TEST_URL=srv.url, FETCH_TEST_ROOT=root,
                       FETCH_TEST_LOG=log, FETCH_TEST_WORK=work)
            env.pop("GONATIVE_STALL_TIMEOUT", None)
            sys.stdout.flush()
            return subprocess.call([argv[1]], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
