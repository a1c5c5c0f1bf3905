"""A checksum database that misbehaves, and an index that disagrees with it:
each is exit 4 with nothing installed, no lock written, no archive and no
head cached.  A fork or rollback after a first honest run names both heads."""

import gzip
import io
import os
import tarfile

import trustlib
from trustlib import e2e

PLATFORMS = ["linux/arm64"]


def nothing_left(t, p, what, lock_before=None):
    t.check(not os.path.exists(p.install), "%s: nothing installed" % what)
    if lock_before is None:
        t.check(not os.path.exists(p.lock_path), "%s: no lock written" % what)
    else:
        t.check(p.lock_bytes() == lock_before, "%s: the lock is unchanged" % what)


def refused(t, p, what, needles, lock_before=None, head_before=None, cmd="sync"):
    r = p.run(cmd)
    t.expect_rc(r, 4, what, hard=False)
    t.expect_error_line(r, what)
    for n in needles:
        t.expect_in(n, r.err, "%s: message" % what, r)
    nothing_left(t, p, what, lock_before)
    latest = trustlib.latest_path(p.cache)
    if head_before is None:
        t.check(not os.path.exists(latest), "%s: no head cached" % what)
        t.check(p.archives() == [], "%s: no archive left in the cache" % what, p.archives())
    else:
        t.check(trustlib.read(latest) == head_before, "%s: the cached head is unchanged"
                % what)
    return r


def tampered_mirror(t, mirror):
    """The mirror with go1.21.5.linux-amd64.tar.gz carrying one more file;
    its index lists the new bytes' sha256, so only the log can tell."""
    name = e2e.artifact_name("go1.21.5", e2e.HOST)
    raw = io.BytesIO()
    with tarfile.open(mirror.path(name)) as src, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
        extra = b"#!/bin/sh\necho backdoor\n"
        ti = tarfile.TarInfo("go/bin/extra")
        ti.size, ti.mode = len(extra), 0o755
        dst.addfile(ti, io.BytesIO(extra))
    data = gzip.compress(raw.getvalue(), mtime=0)
    return e2e.custom_mirror(t, mirror, "tampered", replace={name: data})


def main(t):
    mirror = t.mirror()
    log = trustlib.Log(t, mirror)
    log.start()
    with t.server(mirror.root) as srv:
        def project(**extra):
            fields = dict(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                          mirrors=[srv.url], sumdb=log.config(), proxy=[srv.url])
            fields.update(extra)
            return t.project(**fields)

        for mode, needles in (
            ("wrong-h1", ["the release index and the checksum database test.sumdb disagree",
                          "expected: h1:", "(checksum database test.sumdb)",
                          "got:      h1:", "(release index sha256"]),
            ("tamper-tile", ["tiles do not hash to its signed tree"]),
            ("other-key", ["not signed by the configured key", "test.sumdb (key hash"]),
            ("bad-sig", ["signature by test.sumdb", "does not verify"]),
        ):
            log.start(mode=mode)
            refused(t, project(), mode, needles)

        # The index and the log disagree: the archive changed and the index
        # followed it; the log still has the real module.
        log.start()
        with t.server(tampered_mirror(t, mirror)) as bad:
            p = project(index=bad.url + "index.json", mirrors=[bad.url])
            r = refused(t, p, "index sha256 vs log h1",
                        ["disagree", log.h1[log.module_version(
                            e2e.artifact_name("go1.21.5", e2e.HOST))]])

        # Fork and rollback after a first honest run.
        for mode, pad, needles in (
            ("fork", 300, ["forked", "expected: tree of 321 records",
                           "got:      tree of 321"]),
            ("fork", 340, ["forked", "does not extend", "expected: tree of 321 records",
                           "got:      tree of 361"]),
            ("rollback", 300, ["went back", "expected: tree of 321 records",
                          "got:      tree of %d records" % len(log.h1)]),
        ):
            log.start()
            p = project()
            t.expect_rc(p.run("lock"), 0, "%s: first run against the honest log" % mode)
            lock_before = p.lock_bytes()
            head_before = trustlib.read(trustlib.latest_path(p.cache))
            log.start(mode=mode, pad=pad)
            # lock asks the log again (sync trusts a fresh lock).
            r = refused(t, p, mode, needles, lock_before=lock_before,
                        head_before=head_before, cmd="lock")
            r = p.run("check", "--upstream")
            t.expect_rc(r, 4, "%s: check --upstream reports it" % mode, hard=False)

        # A cached head that no longer verifies (edited on disk) stops the
        # run: it is the anchor for fork detection.
        log.start()
        p = project()
        t.expect_rc(p.run("lock"), 0, "cache tamper: first run")
        latest = trustlib.latest_path(p.cache)
        head = trustlib.read(latest)
        with open(latest, "wb") as fh:
            fh.write(head.replace(b"\n321\n", b"\n320\n"))
        r = p.run("lock")
        t.expect_rc(r, 4, "an edited cached head", hard=False)
        t.expect_in("the cached tree head", r.err, "names the cached head", r)
        t.expect_in("does not verify", r.err, "says it does not verify", r)

        # sumdb: off is refused, as Go refuses it for toolchains.
        p = project(sumdb="off")
        r = p.run("lock")
        t.expect_rc(r, 2, "sumdb: off", hard=False)
        t.expect_in("gonative.yaml:", r.err, "sumdb: off names the manifest position", r)
        # A key whose hash does not match.
        bad_key = log.vkey.split("+")
        bad_key[1] = "%08x" % (int(bad_key[1], 16) ^ 1)
        p = project(sumdb="+".join(bad_key))
        r = p.run("lock")
        t.expect_rc(r, 2, "bad sumdb key", hard=False)
        t.expect_in("key hash does not match", r.err, "bad key message", r)


e2e.run(main)
