#!/usr/bin/env python3
"""A second sync is a no-op: no requests, quick, and it says so."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386", "linux/arm64", "darwin/amd64"]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.17", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url])
        t.expect_rc(p.run("sync"), 0, "first sync")
        st = os.stat(os.path.join(p.install, "VERSION"))
        ino = os.stat(p.install).st_ino
        before = len(srv.requests(settle=5.0))
        r = p.run("sync")
        t.expect_rc(r, 0, "second sync")
        new = srv.requests(settle=5.0)[before:]
        t.check(not new, "second sync made no requests", new)
        # Quickness is bench/'s P3a; here: no request, nothing replaced.
        print("# second sync took %.3f s" % r.seconds)
        t.expect_re(r"up.to.date|already|nothing to do|no changes|unchanged", r.both,
                    "second sync says nothing changed", r, flags=re.I)
        t.check(os.stat(p.install).st_ino == ino, "GOROOT not replaced")
        t.check(os.stat(os.path.join(p.install, "VERSION")).st_mtime_ns == st.st_mtime_ns,
                "files untouched")
        r = p.run("sync", "--frozen")
        t.expect_rc(r, 0, "sync --frozen on a fresh install", hard=False)
        t.check(not srv.requests(settle=5.0)[before:], "no requests either", srv.requests(settle=5.0)[before:])


e2e.run(main)
