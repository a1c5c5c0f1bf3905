"""The honest checksum database: the lock records each Go >= 1.21 archive's
h1, which equals x/mod's dirhash.HashZip of the module zip; the head goes
into the cache, not the lock; the <proxy>/sumdb/<name>/ path; check
--upstream reports a log that moved on."""

import json
import os

import trustlib
from trustlib import e2e

PLATFORMS = ["linux/arm64", "windows/amd64"]


def main(t):
    mirror = t.mirror()
    log = trustlib.Log(t, mirror)
    log.start()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url], sumdb=log.config(),
                      # A local proxy without the sumdb path: the log is read
                      # directly (and proxy.golang.org is never asked).
                      proxy=[srv.url])
        r = p.run("lock")
        t.expect_rc(r, 0, "lock against the honest log")
        lock = p.lock()
        arts = {a["file"]: a for a in lock["artifacts"]}
        # Go >= 1.20 locks only the hosts' archives (nothing to merge from
        # the targets; the C compiler comes from cc:).
        t.check(len(arts) == 1, "the host's artifact only", arts)
        for name, a in sorted(arts.items()):
            want = log.h1[log.module_version(name)]
            t.check(a.get("h1") == want, "%s: h1 in the lock equals dirhash.HashZip of "
                    "the module zip (%s)" % (name, want), a)
        latest = trustlib.latest_path(p.cache)
        t.check(os.path.exists(latest), "the head is cached at sumdb/test.sumdb/latest")
        t.expect_in("go.sum database tree\n%d\n" % (len(log.h1) + 300),
                    trustlib.read(latest).decode(), "cached head is the served tree")
        t.check(b"go.sum database tree" not in p.lock_bytes(), "no head in the lock")

        first = p.lock_bytes()
        r = p.run("lock")
        t.expect_rc(r, 0, "lock again")
        t.check(p.lock_bytes() == first, "the lock is byte-identical")

        r = p.run("lock", "--offline")
        t.expect_rc(r, 3, "lock --offline cannot ask the log", hard=False)
        t.expect_in("cannot be asked with --offline", r.err, "offline message", r)
        t.check(p.lock_bytes() == first, "offline: the lock is untouched")

        r = p.run("sync")
        t.expect_rc(r, 0, "sync")
        t.check(os.path.isfile(os.path.join(p.install, "go.env")), "installed")

        # The same log reached only through the proxy's sumdb path: the
        # direct URL is a closed port.
        q = t.project(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url], sumdb=log.config("http://127.0.0.1:9"),
                      proxy=[log.url])
        r = q.run("lock")
        t.expect_rc(r, 0, "lock through <proxy>/sumdb/test.sumdb/")
        t.check(q.lock()["artifacts"] == lock["artifacts"], "same artifacts and h1 lines")
        # Without a proxy that supports it, the closed direct URL fails (exit 3).
        z = t.project(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url], sumdb=log.config("http://127.0.0.1:9"),
                      proxy=[srv.url])
        r = z.run("lock")
        t.expect_rc(r, 3, "no log reachable: fetch failure", hard=False)

        # check --upstream: as seen, then moved on.
        r = p.run("check", "--upstream")
        t.expect_in("checksum database: tree of %d records" % (len(log.h1) + 300), r.out,
                    "check --upstream names the head", r)
        log.start(pad=340)
        r = p.run("check", "--upstream")
        t.expect_in("moved on from tree of %d records" % (len(log.h1) + 300), r.out,
                    "check --upstream reports a log that moved on", r)
        t.expect_in("to tree of %d records" % (len(log.h1) + 340), r.out,
                    "... to the new size", r)
        r = p.run("check", "--upstream", "--json")
        doc = json.loads(r.out)
        t.check(doc.get("sumdb_head", "").startswith("tree of %d records" % (len(log.h1) + 340))
                and doc.get("sumdb_seen", "").startswith("tree of %d records"
                                                         % (len(log.h1) + 300)),
                "check --upstream --json has both heads", r.out)
        before = trustlib.read(latest)
        t.check(before == trustlib.read(latest), "check writes no head")
        r = p.run("lock")
        t.expect_rc(r, 0, "lock against the grown log (consistent)")
        t.expect_in("go.sum database tree\n%d\n" % (len(log.h1) + 340),
                    trustlib.read(latest).decode(), "the cached head moved on")
        t.check(p.lock_bytes() == first, "the lock is still byte-identical")


e2e.run(main)
