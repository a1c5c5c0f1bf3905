"""OpenPGP signatures on the .tar.gz archives (signatures.gpg), checked with
gpgv against a pinned keyring: keys made with gpg --quick-gen-key in a
temporary home, signatures made in the past with --faked-system-time.
Good, expired-after-signing and pinned fingerprints pass; another key, a
tampered archive, a missing .asc, a revoked subkey and an unpinned
fingerprint are exit 4 with nothing installed."""

import hashlib
import json
import os
import shutil
import subprocess
import time

import trustlib
from trustlib import e2e

DAY = 86400
PLATFORMS = ["linux/arm64"]


class GPG:
    def __init__(self, t, name):
        self.home = t.newdir("gnupg-" + name)
        os.chmod(self.home, 0o700)
        self.env = dict(os.environ, GNUPGHOME=self.home, LC_ALL="C")

    def run(self, *args, at=None, stdin=None):
        argv = ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""]
        if at is not None:
            argv += ["--faked-system-time", "%d!" % at]
        p = subprocess.run(argv + list(args), env=self.env, capture_output=True,
                           input=stdin, text=True)
        if p.returncode != 0:
            raise RuntimeError("gpg %s: %s" % (" ".join(args), p.stderr))
        return p.stdout

    def new_key(self, uid, at, sign_expires="0"):
        """A cert-only primary key and a signing subkey, both made at `at`."""
        self.run("--quick-gen-key", uid, "ed25519", "cert", "0", at=at)
        fpr = self.fingerprints()[0]
        self.run("--quick-add-key", fpr, "ed25519", "sign", sign_expires, at=at)
        return fpr

    def fingerprints(self):
        out = self.run("--list-keys", "--with-colons")
        return [l.split(":")[9] for l in out.splitlines() if l.startswith("fpr:")]

    def sign(self, path, fpr, at):
        self.run("-u", fpr, "--detach-sign", "--armor", "-o", path + ".asc", path, at=at)

    def export(self, out, fpr):
        with open(out, "wb") as fh:
            fh.write(subprocess.run(["gpg", "--export", fpr], env=self.env,
                                    capture_output=True, check=True).stdout)
        return out


def copy_mirror(t, mirror, stem):
    root = t.newdir(stem)
    for name in os.listdir(mirror.root):
        shutil.copy(os.path.join(mirror.root, name), root)
    return root


def tarballs(root):
    return sorted(n for n in os.listdir(root) if n.startswith("go1.21.5.")
                  and n.endswith(".tar.gz"))


def sign_all(gpg, root, fpr, at):
    for n in tarballs(root):
        gpg.sign(os.path.join(root, n), fpr, at)


def project(t, root, keyring, **extra):
    sig = {"gpg": [keyring]}
    sig.update(extra)
    return t.project(go="1.21", platforms=PLATFORMS,
                     index="file://" + os.path.join(root, "index.json"),
                     mirrors=["file://" + root + "/"], signatures=sig)


def main(t):
    if not shutil.which("gpg") or not os.path.exists("/usr/bin/gpgv"):
        trustlib.skip("gpg or gpgv is not installed (scripts/deps.sh real)")
    mirror = t.mirror()
    now = int(time.time())
    past = now - 30 * DAY

    release = GPG(t, "release")
    fpr = release.new_key("Test Release <release@example.com>", past)
    keyring = release.export(os.path.join(t.tmp, "release.gpg"), fpr)

    # 1. good
    good = copy_mirror(t, mirror, "good")
    sign_all(release, good, fpr, past + DAY)
    p = project(t, good, keyring, **{"gpg-fingerprints": [fpr]})
    r = p.run("sync")
    t.expect_rc(r, 0, "good signatures", hard=False)
    t.check(os.path.isdir(p.install), "good: installed")
    asc = [n for n in os.listdir(os.path.join(p.cache, "archives")) if n.endswith(".asc")]
    # Go >= 1.20: only the host's archive is fetched, so one .asc.
    t.check(len(asc) == 1, "good: the .asc kept beside its archive", asc)
    r = p.run("lock")
    t.expect_rc(r, 0, "good: lock again from the cache", hard=False)

    def sha_of(root, name):
        with open(os.path.join(root, name), "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()

    def all_shas(root):
        return {sha_of(root, n) for n in tarballs(root)}

    def refused(p, what, needles, bad):
        r = p.run("sync")
        t.expect_rc(r, 4, what, hard=False)
        t.expect_error_line(r, what)
        for n in needles:
            t.expect_in(n, r.err, "%s: message" % what, r)
        t.check(not os.path.exists(p.install), "%s: nothing installed" % what)
        t.check(not os.path.exists(p.lock_path), "%s: no lock written" % what)
        # A refused archive never enters the cache (a good one beside it may).
        t.check(bad and not bad & set(p.archives()), "%s: no refused archive is cached"
                % what, p.archives())

    # 2. another key
    other = GPG(t, "other")
    other_fpr = other.new_key("Someone Else <else@example.com>", past)
    wrong = copy_mirror(t, mirror, "wrongkey")
    sign_all(other, wrong, other_fpr, past + DAY)
    refused(project(t, wrong, keyring), "signed by a key not in the keyring",
            ["OpenPGP signature refused", "not in the pinned keyrings"],
            all_shas(wrong))

    # 3. the archive changed after signing (the index follows the new bytes)
    tampered = copy_mirror(t, mirror, "tampered")
    sign_all(release, tampered, fpr, past + DAY)
    name = e2e.artifact_name("go1.21.5", e2e.HOST)
    path = os.path.join(tampered, name)
    with open(path, "ab") as fh:
        fh.write(b"\0" * 512)  # trailing zeros: still a readable .tar.gz
    with open(path, "rb") as fh:
        data = fh.read()
    with open(os.path.join(tampered, "index.json")) as fh:
        index = json.load(fh)
    for rel in index:
        for f in rel["files"]:
            if f["filename"] == name:
                f["sha256"], f["size"] = hashlib.sha256(data).hexdigest(), len(data)
    with open(os.path.join(tampered, "index.json"), "w") as fh:
        fh.write(json.dumps(index, indent=1) + "\n")
    refused(project(t, tampered, keyring), "tampered archive", ["BADSIG"],
            {sha_of(tampered, name)})

    # 4. no .asc
    bare = copy_mirror(t, mirror, "bare")
    refused(project(t, bare, keyring), "missing .asc", ["no OpenPGP signature (.asc)"],
            all_shas(bare))

    # 5. a signing subkey that expired after the signature was made
    exp = GPG(t, "expiring")
    exp_fpr = exp.new_key("Expiring <exp@example.com>", past, sign_expires="5d")
    expired = copy_mirror(t, mirror, "expired")
    sign_all(exp, expired, exp_fpr, past + DAY)
    exp_ring = exp.export(os.path.join(t.tmp, "expiring.gpg"), exp_fpr)
    p = project(t, expired, exp_ring)
    r = p.run("-v", "sync")
    t.expect_rc(r, 0, "subkey expired after signing: accepted", hard=False)
    t.expect_in("key expired since", r.both,
                "expired: gpgv said EXPKEYSIG and it was weighed", r)

    # 6. a subkey revoked before the signature
    rev = GPG(t, "revoked")
    rev_fpr = rev.new_key("Revoked <rev@example.com>", past)
    revoked = copy_mirror(t, mirror, "revoked")
    sign_all(rev, revoked, rev_fpr, past + 2 * DAY)
    rev.run("--command-fd", "0", "--edit-key", rev_fpr, at=past + DAY,
            stdin="key 1\nrevkey\ny\n1\n\ny\nsave\n")
    rev_ring = rev.export(os.path.join(t.tmp, "revoked.gpg"), rev_fpr)
    refused(project(t, revoked, rev_ring), "subkey revoked before the signature",
            ["REVKEYSIG"], all_shas(revoked))

    # 7. a good signature by a key the manifest does not pin
    p = project(t, good, keyring, **{"gpg-fingerprints": [other_fpr]})
    refused(p, "unpinned fingerprint", ["signatures.gpg-fingerprints does not list", fpr],
            all_shas(good))


e2e.run(main)
