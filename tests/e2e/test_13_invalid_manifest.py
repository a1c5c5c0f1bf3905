#!/usr/bin/env python3
"""An invalid manifest is exit 2 with file:line:col, before any network access."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

CASES = [
    # (name, text, line, col or None)
    ("unknown key", 'go: "1.17"\nhosts: [linux/amd64]\nplatfroms: [linux/386]\n', 3, 1),
    ("duplicate key", 'go: "1.17"\nhosts: [linux/amd64]\ngo: "1.9"\n', 3, 1),
    ("malformed platform", 'go: "1.17"\nhosts: [linux/amd64]\nplatforms:\n  - linux-386\n', 4, 5),
    ("unknown platform", 'go: "1.17"\nhosts: [linux/amd64]\nplatforms: [plan10/amd64]\n', 3, None),
    ("wrong type", 'go: "1.17"\nhosts: linux/amd64\n', 2, None),
    ("alias", 'go: "1.17"\nhosts: &h [linux/amd64]\nplatforms: *h\n', 2, None),
    ("bad go", 'go: "one point seventeen"\nhosts: [linux/amd64]\n', 1, None),
    ("bad checksum", 'go: "1.17"\nhosts: [linux/amd64]\nchecksums:\n'
     '  go1.17.13.linux-amd64.tar.gz: nothex\n', 4, None),
    ("missing go", 'hosts: [linux/amd64]\n', None, None),
    ("not yaml", 'go: "1.17\nhosts: [\n', None, None),
]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        tail = 'index: "%sindex.json"\nmirrors: ["%s"]\n' % (srv.url, srv.url)
        for name, text, line, col in CASES:
            p = t.project()
            # Keep the line numbers: network keys go last.
            p.write_file("gonative.yaml", text + tail)
            for cmd in (["lock"], ["sync"], ["check"]):
                r = p.run(*cmd)
                t.expect_rc(r, 2, "%s: %s" % (name, cmd[0]), hard=False)
            t.expect_error_line(r, name)
            if line is not None:
                pat = r"gonative\.yaml:%d:%s" % (line, col if col else r"\d+")
                t.expect_re(pat, r.err, "%s: stderr names file:line:col" % name, r)
            else:
                t.expect_re(r"gonative\.yaml", r.err, "%s: stderr names the file" % name, r)
            t.check(not os.path.exists(p.lock_path) and not os.path.exists(p.install),
                    "%s: nothing written" % name)
        t.check(srv.requests(settle=5.0) == [], "no network access at all", srv.requests(settle=5.0))

    # A hand-edited lock: exit 2 with gonative.lock:line:col.
    p = t.project(go="1.17", platforms=["linux/386"], index=mirror.index_url, mirrors=[mirror.url])
    t.expect_rc(p.run("lock"), 0, "lock")
    text = p.lock_bytes().decode()
    lines = text.split("\n")
    n = next(i for i, l in enumerate(lines) if l.startswith("go: "))
    lines.insert(n + 1, "colour: blue")
    p.write_file("gonative.lock", "\n".join(lines))
    for cmd in (["sync"], ["sync", "--frozen"], ["check"], ["verify"]):
        r = p.run(*cmd)
        t.expect_rc(r, 2, "unknown key in the lock: %s" % " ".join(cmd), hard=False)
    t.expect_re(r"gonative\.lock:%d:1" % (n + 2), r.err, "lock error names file:line:col", r)
    t.check(not os.path.exists(p.install), "nothing installed from an invalid lock")

    # An index that is not JSON: exit 2 naming it.
    bad = os.path.join(mirror.root, "index-bad.json")
    with open(bad, "w") as fh:
        fh.write('[{"version": "go1.17.13", "stable": true, "files": [}]\n')
    p = t.project(go="1.17", platforms=["linux/386"], index="file://" + bad, mirrors=[mirror.url])
    r = p.run("lock")
    t.expect_rc(r, 2, "lock with a malformed index", hard=False)
    t.expect_in("index-bad.json", r.err, "the error names the index", r)
    t.check(not os.path.exists(p.lock_path), "no lock written")

    # Missing manifest: exit 2 naming it.
    p = t.project()
    r = p.run("lock")
    t.expect_rc(r, 2, "missing gonative.yaml", hard=False)
    t.expect_re(re.escape("gonative.yaml"), r.err, "names the missing file", r)


e2e.run(main)
