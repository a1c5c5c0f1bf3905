#!/usr/bin/env python3
"""Case 20: a FIFO, a folder or a device where gonative expects a file.

Opening a FIFO for reading blocks until a writer comes, and /dev/zero never
ends: every file the user names must be refused at once, exit 2, the path
in the message, nothing installed:

- gonative.yaml that is a FIFO, and one that is a folder;
- gonative.lock that is a FIFO, and a symlink to /dev/zero;
- a signatures.keys public key file that is a FIFO;
- the secret key of `mirror --sign` that is a FIFO.

Each run has a 10 s timeout, so a hang fails the test instead of blocking
it, and must take well under that."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

LIMIT = 3.0  # seconds; a refusal is immediate


def main(t):
    mirror = t.mirror()
    good = hlib.fields(mirror.index_url, [mirror.url])

    def expect_refused(r, what, path, kind):
        t.check(r.rc != "TIMEOUT", "%s: gonative does not hang" % what, r.describe())
        hlib.expect_error(t, r, 2, what, names=[path, kind])
        t.check(r.seconds < LIMIT, "%s: refused within %.0f s (took %.2f s)" % (
            what, LIMIT, r.seconds))

    def fresh(name, **extra):
        p = t.project(**dict(good, **extra))
        print("# %s: %s" % (name, p.root))
        return p

    # The manifest.
    for kind, make in (("FIFO", os.mkfifo), ("folder", os.mkdir)):
        p = fresh("manifest " + kind)
        os.unlink(p.manifest_path)
        make(p.manifest_path)
        for cmd in (["sync"], ["lock"], ["check"]):
            what = "gonative.yaml is a %s: %s" % (kind, " ".join(cmd))
            r = p.run(*cmd, timeout=10)
            expect_refused(r, what, "gonative.yaml", kind)
        t.check(not os.path.lexists(p.install), "manifest %s: nothing installed" % kind)

    # The lock.
    for kind, make, word in (("FIFO", os.mkfifo, "FIFO"),
                             ("symlink to /dev/zero",
                              lambda path: os.symlink("/dev/zero", path), "device")):
        p = fresh("lock " + kind)
        make(p.lock_path)
        for cmd in (["sync"], ["sync", "--frozen"], ["check"], ["lock"]):
            what = "gonative.lock is a %s: %s" % (kind, " ".join(cmd))
            r = p.run(*cmd, timeout=10)
            expect_refused(r, what, "gonative.lock", word)
        t.check(not os.path.lexists(p.install), "lock %s: nothing installed" % kind)
        t.check(not p.archives(), "lock %s: nothing downloaded" % kind, p.archives())

    # A public key named in signatures.keys.
    p = fresh("key FIFO", signatures={"keys": ["keys/team.pub"]})
    os.makedirs(os.path.join(p.root, "keys"))
    os.mkfifo(os.path.join(p.root, "keys", "team.pub"))
    for cmd in (["sync"], ["lock"], ["check"]):
        what = "signatures.keys names a FIFO: %s" % " ".join(cmd)
        r = p.run(*cmd, timeout=10)
        expect_refused(r, what, "team.pub", "FIFO")
    t.check(not os.path.lexists(p.install), "key FIFO: nothing installed")

    # The secret key of mirror --sign.
    p = fresh("secret key FIFO")
    t.expect_rc(p.run("lock"), 0, "setup: lock")
    fifo = os.path.join(p.root, "secret.key")
    os.mkfifo(fifo)
    out = os.path.join(p.root, "out")
    r = p.run("mirror", "--sign", fifo, out, timeout=10)
    expect_refused(r, "mirror --sign with a FIFO", "secret.key", "FIFO")
    t.check(not os.path.exists(os.path.join(out, "index.json")),
            "mirror --sign with a FIFO: no mirror written")


hlib.run(main)
