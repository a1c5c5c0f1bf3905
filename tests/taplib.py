"""The one TAP producer of the Python tests (Python 3 stdlib only).

    sys.path.insert(0, TESTS_DIR)          # the folder holding this file
    from taplib import Tap, skip_all

    t = Tap()
    t.ok(cond, "name", diag)               # diag is printed only on failure
    t.eq(got, want, "name")
    t.skip("name", "why")
    t.diag("text")                         # '# text' lines
    t.done()                               # prints 1..N, exits 1 if any failed

tests/e2e/e2e.py builds its per-script context (checks that may stop the
script, temp folders, servers) on Tap.
"""

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("GONATIVE_SRC") or os.path.dirname(TESTS)
GONATIVE = os.environ.get("GONATIVE")


def _escape(name):
    # A '#' in a description would start a TAP directive.
    return str(name).replace("#", "\\#")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, _escape(name)))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, _escape(name)))
            if diag is not None and str(diag) != "":
                self.diag(diag)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, "want: %r\ngot:  %r" % (want, got))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, _escape(name), why))
        sys.stdout.flush()

    def diag(self, text):
        for line in str(text).rstrip("\n").split("\n"):
            print("# " + line)
        sys.stdout.flush()

    note = diag

    def plan(self):
        """Print the plan (at the end); the exit code the run deserves."""
        print("1..%d" % self.n)
        sys.stdout.flush()
        return 1 if self.failed else 0

    def done(self):
        sys.exit(self.plan())


def skip_all(why, code=0):
    """The whole script is skipped.  code 77 for meson's exitcode protocol."""
    print("1..0 # SKIP " + why)
    sys.stdout.flush()
    sys.exit(code)


def known_platforms():
    """The os/arch list of gn/platform.c's known_platforms[], in order."""
    import re

    with open(os.path.join(SRC, "gn", "platform.c")) as f:
        src = f.read()
    start = src.index("known_platforms[] = {")
    body = src[start:src.index("};", start)]
    return re.findall(r'"([a-z0-9]+/[a-z0-9]+)"', body)
