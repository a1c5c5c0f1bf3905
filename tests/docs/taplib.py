"""A tiny TAP producer for the docs suite (Python 3 stdlib only)."""

import os
import sys

SRC = os.environ.get("GONATIVE_SRC") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GONATIVE = os.environ.get("GONATIVE")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        name = name.replace("#", "\\#")
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            if diag:
                for line in str(diag).rstrip("\n").split("\n"):
                    print("#   " + line)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, "want: %r\ngot:  %r" % (want, got))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name.replace("#", "\\#"), why))
        sys.stdout.flush()

    def note(self, text):
        for line in text.split("\n"):
            print("# " + line)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def skip_all(why):
    print("1..0 # SKIP " + why)
    sys.exit(0)


def known_platforms():
    """The os/arch list of gn/platform.c's known_platforms[], in order."""
    import re

    with open(os.path.join(SRC, "gn", "platform.c")) as f:
        src = f.read()
    start = src.index("known_platforms[] = {")
    body = src[start:src.index("};", start)]
    return re.findall(r'"([a-z0-9]+/[a-z0-9]+)"', body)
