#!/usr/bin/env python3
"""Mirrors are tried in order: 404 then good works; all failing is exit 3
naming the URL; transient 500s are retried."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["windows/amd64"]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        good = dict(go="1.17", platforms=PLATFORMS, index=srv.url + "index.json")
        p = t.project(mirrors=[srv.url + "_fault/404/", srv.url], **good)
        r = p.run("sync")
        t.expect_rc(r, 0, "404 on the first mirror, second serves")
        reqs = srv.requests(settle=5.0)
        f = e2e.artifact_name("go1.17.13", "windows/amd64")
        t.check(any(x.path == "/_fault/404/" + f and x.status == 404 for x in reqs),
                "first mirror was tried", reqs)
        t.check(any(x.path == "/" + f and x.status == 200 for x in reqs), "second mirror served", reqs)
        lock = p.lock()
        t.check(e2e.git_tree_hash(p.install) == lock["goroot"][e2e.HOST], "tree matches lock")

        # Every mirror fails: exit 3 naming the URL, nothing left behind.
        q = t.project(mirrors=[srv.url + "_fault/404/", srv.url + "nothing-here/"], **good)
        q.cache = t.cache()
        r = q.run("sync")
        t.expect_rc(r, 3, "every mirror 404", hard=False)
        t.expect_error_line(r, "every mirror 404")
        t.expect_re(r"http://127\.0\.0\.1:\d+/(_fault/404/|nothing-here/)go1\.17\.13\.", r.err,
                    "stderr names a URL that failed", r)
        t.check(not os.path.exists(q.install) and q.archives() == [] and not q.stage_dirs(),
                "nothing installed, cached or staged")

        # Transient 5xx: retried on the same mirror (fetch retries 408/429/5xx).
        w = t.project(mirrors=[srv.url + "_fault/500x2/"], **good)
        r = w.run("sync")
        t.expect_rc(r, 0, "two 500s then success on the only mirror", hard=False)


e2e.run(main)
