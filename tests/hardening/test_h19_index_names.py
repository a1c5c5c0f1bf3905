#!/usr/bin/env python3
"""Case 19 (issue 10, class 4): index text is checked before it becomes a
file name or a URL.

- An entry named "../m/go1.17.13.linux-386.tar.gz" (right bytes waiting at
  /m/ on the same server, outside the mirror folder): `lock` exits 2 naming
  the entry, nothing is requested outside the mirror folder, no archive is
  fetched, no lock is written.
- The same over file:// mirrors.
- A name that disagrees with the entry's version/os/arch/kind, a name with
  '/', one starting with '.': exit 2 naming the entry, nothing fetched.
- A 2 MB index holding 1,000,000-deep nesting in an unknown field (and in
  a known one): exit 2 quickly (measured; asserted under 10 s for a loaded
  machine, well under a second unloaded).
"""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402
from hlib import e2e  # noqa: E402

GO = hlib.GO
TARGET_FILE = hlib.TARGET_FILE  # go1.17.13.linux-386.tar.gz
DEEP_SECONDS = 10.0


def renamed_index(mirror, old, new, **fields):
    """mirror's index with the entry `old` renamed to `new` (and fields set)."""
    idx = json.loads(json.dumps(mirror.index))
    for rel in idx:
        for f in rel["files"]:
            if f["filename"] == old:
                f["filename"] = new
                f.update(fields)
    return idx


def write_json(path, data):
    with open(path, "w", newline="\n") as fh:
        fh.write(json.dumps(data, indent=1) + "\n")


def refused(t, p, what, names, snap):
    r = p.run("lock")
    hlib.expect_error(t, r, 2, what, names=names)
    t.check(not os.path.exists(p.lock_path), "%s: no lock written" % what, p.lock_path)
    hlib.expect_nothing_lost(t, p, snap, what)
    return r


def main(t):
    mirror = t.mirror()
    top = t.newdir("site")
    # The server's root holds the mirror folder and, beside it, /m/ with the
    # same bytes the index promises: a fetch from there would succeed.
    root = os.path.join(top, "mirror")
    shutil.copytree(mirror.root, root)
    os.makedirs(os.path.join(top, "m"))
    shutil.copy(mirror.path(TARGET_FILE), os.path.join(top, "m", TARGET_FILE))
    evil = "../m/" + TARGET_FILE
    write_json(os.path.join(root, "index-dotdot.json"), renamed_index(mirror, TARGET_FILE, evil))

    with t.server(top) as srv:
        base = srv.url + "mirror/"
        p = t.project(**hlib.fields(base + "index-dotdot.json", [base]))
        snap = hlib.Snapshot(t, p)
        r = refused(t, p, "../m/ entry over http", [evil], snap)
        t.expect_in("not a plain file name", r.err, "../m/ entry: says why", r)
        reqs = srv.requests()
        outside = [q for q in reqs if not q.path.startswith("/mirror/")]
        t.check(not outside, "../m/ entry: nothing requested outside the mirror folder",
                "requests: %r" % (reqs,))
        t.check(not e2e.downloads(reqs), "../m/ entry: no archive fetched", "requests: %r" % (reqs,))

    # file:// mirror: the same entry must not read <top>/m/.
    q = t.project(**hlib.fields("file://%s/index-dotdot.json" % root, ["file://%s/" % root]))
    snap = hlib.Snapshot(t, q)
    refused(t, q, "../m/ entry over file://", [evil], snap)

    # Other names that must not pass.
    cases = [
        ("name disagreeing with arch", "go1.17.13.linux-arm64x.tar.gz", {},
         "does not agree"),
        ("name disagreeing with version", "go1.17.12.linux-386.tar.gz", {}, "does not agree"),
        ("name disagreeing with kind", TARGET_FILE.replace(".tar.gz", ".msi"), {},
         "does not agree"),
        ("entry claiming another os", "go1.17.13.freebsd-386.tar.gz", {}, "does not agree"),
        ("name with '/'", "sub/" + TARGET_FILE, {}, "not a plain file name"),
        ("name starting with '.'", "." + TARGET_FILE, {}, "not a plain file name"),
    ]
    with t.server(root) as srv:
        for what, name, extra, why in cases:
            fn = "index-%d.json" % cases.index((what, name, extra, why))
            write_json(os.path.join(root, fn), renamed_index(mirror, TARGET_FILE, name, **extra))
            p = t.project(**hlib.fields(srv.url + fn, [srv.url]))
            snap = hlib.Snapshot(t, p)
            r = refused(t, p, what, [name], snap)
            t.expect_in(why, r.err, "%s: says \"%s\"" % (what, why), r)
        t.check(not e2e.downloads(srv.requests()), "bad names: no archive fetched",
                "requests: %r" % (srv.requests(),))

        # 2 MB, 1,000,000-deep: refused quickly, in an unknown and a known field.
        depth = 1000000
        for what, head, tail in (
            ("an unknown field", '[{"version": "go1.17.13", "future": ', "}]\n"),
            ("a known field", '[{"version": "go1.17.13", "files": [{"filename": "%s", "os": '
             % TARGET_FILE, "}]}]\n"),
        ):
            fn = "index-deep-%s.json" % what.split()[1]
            with open(os.path.join(root, fn), "w") as fh:
                fh.write(head + "[" * depth + "]" * depth + tail)
            size = os.path.getsize(os.path.join(root, fn))
            p = t.project(**hlib.fields(srv.url + fn, [srv.url]))
            snap = hlib.Snapshot(t, p)
            start = time.monotonic()
            r = p.run("lock", timeout=60)
            took = time.monotonic() - start
            print("# %d-deep nesting in %s (%d bytes): lock exited %s in %.3f s"
                  % (depth, what, size, r.rc, took))
            hlib.expect_error(t, r, 2, "deep nesting in %s" % what, names=[fn])
            t.check(took < DEEP_SECONDS, "deep nesting in %s: refused in under %g s (%.3f s)"
                    % (what, DEEP_SECONDS, took))
            t.check(not os.path.exists(p.lock_path), "deep nesting: no lock written")
            hlib.expect_nothing_lost(t, p, snap, "deep nesting in %s" % what)


hlib.run(main)
