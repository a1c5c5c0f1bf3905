#!/usr/bin/env python3
"""A pinned checksum that disagrees with the index: exit 4 naming both values."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main(t):
    mirror = t.mirror()
    f = "go1.17.13.linux-386.tar.gz"
    pin = "0123456789abcdef" * 4
    with t.server(mirror.root) as srv:
        base = dict(go="1.17", platforms=["linux/386"], index=srv.url + "index.json",
                    mirrors=[srv.url])
        p = t.project(checksums={f: pin}, **base)
        for cmd in ("lock", "sync"):
            r = p.run(cmd)
            t.expect_rc(r, 4, "%s with a wrong pin" % cmd, hard=False)
            t.expect_error_line(r, cmd)
            t.expect_in(f, r.err, "%s: names the file" % cmd, r)
            t.expect_in(pin, r.err, "%s: shows the pinned sha256" % cmd, r)
            t.expect_in(mirror.sha256(f), r.err, "%s: shows the index's sha256" % cmd, r)
        t.check(not os.path.exists(p.lock_path), "no lock written")
        t.check(not os.path.exists(p.install), "nothing installed")
        t.check(p.archives() == [], "nothing cached", p.archives())

        # The right pin is accepted.
        q = t.project(checksums={f: mirror.sha256(f)}, **base)
        t.expect_rc(q.run("sync"), 0, "sync with a correct pin", hard=False)

        # A pin that matches the index but not the mirror's bytes (the index
        # itself lies): sync must still refuse the bytes.
        lying = os.path.join(mirror.root, "index-lying.json")
        with open(mirror.path("index.json")) as fh:
            text = fh.read()
        with open(lying, "w") as fh:
            fh.write(text.replace(mirror.sha256(f), pin))
        z = t.project(**dict(base, index=srv.url + "index-lying.json", checksums={f: pin}))
        r = z.run("sync")
        t.expect_rc(r, 4, "bytes that match neither index nor pin", hard=False)
        t.expect_in(pin, r.err, "names the expected sha256", r)
        t.expect_in(mirror.sha256(f), r.err, "names the sha256 received", r)
        host_sha = mirror.sha256("go1.17.13.linux-amd64.tar.gz")
        t.check(not os.path.exists(z.install) and set(z.archives()) <= {host_sha},
                "nothing unverified cached or installed", z.archives())


e2e.run(main)
