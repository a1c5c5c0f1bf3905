#!/usr/bin/env python3
"""Case 3: an endless body, a body longer than the locked size and a
Content-Length that lies are cut off at the locked size (+1 byte) within a
moment: exit 4 naming the URL and the size, no big download, nothing lost."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    cases = [
        ("endless body", [srv.url + "_fault/endless/"]),
        ("1 MiB too much, no Content-Length", [srv.url + "_fault/bigger/"]),
        ("Content-Length 2^40", [srv.url + "_fault/liar/"]),
    ]
    for installed in (False, True):
        for name, mirrors in cases:
            what = "%s (%s)" % (name, "over go1.17" if installed else "fresh")
            p = hlib.prepared(t, index, [srv.url], installed=installed)
            p.write_manifest(**hlib.fields(index, mirrors, go="1.9"))
            snap = hlib.Snapshot(t, p)
            n0 = len(srv.requests())
            start = time.monotonic()
            r = p.run("sync", timeout=60)
            took = time.monotonic() - start
            sizes = {f: mirror.size(f) for f in hlib.new_files()}
            named = [f for f in sizes if mirrors[0] + f in r.err]
            hlib.expect_error(t, r, 4, what, names=[mirrors[0]])
            t.check(named, "%s: the error names the archive's URL" % what, r.describe())
            if named:
                want = sizes[named[0]]
                t.expect_re(r"expected:\s+%d bytes" % want, r.err,
                            "%s: the error gives the locked size as expected" % what, r)
                t.expect_re(r"got:\s+(at least|more than)?\s*\d+ bytes", r.err,
                            "%s: and what was received" % what, r)
            t.check(took < 5.0, "%s: gave up quickly (%.1f s)" % (what, took))
            hlib.expect_nothing_lost(t, p, snap, what)
            log = [x for x in srv.requests(settle=0.5)[n0:] if x.path.startswith("/_fault/")]
            sent = sum(x.sent for x in log)
            # Loopback socket buffers hold a few MB; a full read would be 64 MiB+.
            t.check(log and sent < 16 << 20,
                    "%s: the server sent only %d bytes before the client hung up"
                    % (what, sent), log)


hlib.run(main)
