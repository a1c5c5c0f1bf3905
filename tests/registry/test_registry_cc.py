#!/usr/bin/env python3
"""Issue 15 for Zig: `gonative mirror` carries the locked Zig tarballs with
Zig's own signatures (to a folder and to a registry, tagged zig-<version>),
and cc.mirrors serves them from a folder or from oci://, against the real
CNCF registry (docker-registry 2.8) and a fake but signed Zig.

Each consumer has a fresh cache and the Zig origin is down, so a Zig that
installs came from the mirror; minisign itself checks the mirrored copy."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import e2e  # noqa: E402
import reglib  # noqa: E402
import test_24_cc as zigfix  # noqa: E402

REPO = "team/go"
PLATFORMS = ["linux/arm64"]
SECRET = "z1g-Pa55word"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def titles_of(reg, tag):
    man = json.loads(reglib.get(reg.url + "/v2/%s/manifests/%s" % (REPO, tag), OCI_MANIFEST))
    return {l["annotations"]["org.opencontainers.image.title"]: l["digest"][len("sha256:"):]
            for l in man["layers"]}


def main(t):
    if not os.path.exists(reglib.REGISTRY) or not zigfix.MINISIGN:
        print("1..0 # SKIP docker-registry or minisign is not installed (scripts/deps.sh)")
        return
    cleanup = []
    t.cleanup_more = cleanup

    def registry(**kw):
        r = reglib.Registry(t.newdir("registry"), **kw)
        cleanup.append(r.stop)
        return r

    mirror = t.mirror()
    pub, sec, keyid = zigfix.keypair(t, "zig")
    zdir, zname, zpath, zdata = zigfix.zig_dist(t, sec)
    zsha = hashlib.sha256(zdata).hexdigest()
    with open(zpath + ".minisig", "rb") as fh:
        zsig = fh.read()
    zsrv = t.server(zdir)
    zigfix.write_index(zdir, zsrv.url, zname, zdata)
    cc = {"zig": zigfix.ZIG, "index": zsrv.url + "index.json", "keys": [pub]}
    up = t.project(go="1.17", platforms=PLATFORMS, index=mirror.index_url,
                   mirrors=[mirror.url], cc=cc)
    t.expect_rc(up.run("lock"), 0, "lock with cc: against the Zig origin")
    import yaml
    lock_text = up.lock_bytes().decode()
    lock = yaml.safe_load(lock_text)
    zig_tree = lock["cc"]["hosts"][e2e.HOST]["tree"]

    # --- a folder mirror ------------------------------------------------------
    folder = t.newdir("mirror-out")
    r = up.run("mirror", folder)
    t.expect_rc(r, 0, "mirror to a folder with cc: in the lock")
    t.expect_in("(1 of Zig)", r.err, "the report counts the Zig tarball", r)
    copied = os.path.join(folder, zname)
    t.check(os.path.isfile(copied) and open(copied, "rb").read() == zdata,
            "the Zig tarball is in the folder, byte for byte", sorted(os.listdir(folder)))
    t.check(open(copied + ".minisig", "rb").read() == zsig,
            "with Zig's own signature beside it", sorted(os.listdir(folder)))
    v = subprocess.run([zigfix.MINISIGN, "-V", "-p", pub, "-m", copied], capture_output=True)
    t.check(v.returncode == 0, "minisign verifies the mirrored tarball", v.stderr)

    # The Zig origin goes away: what follows is served by mirrors only.
    zsrv.stop()

    def consumer(zig_mirrors, go_mirrors=None, index=None):
        p = t.project(go="1.17", platforms=PLATFORMS, index=index or mirror.index_url,
                      mirrors=go_mirrors or [mirror.url], cc=dict(cc, mirrors=zig_mirrors))
        p.write_file("gonative.lock", lock_text)
        return p

    p = consumer(["file://" + folder])
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 0, "sync with cc.mirrors: the folder, Zig's origin down")
    t.check(e2e.git_tree_hash(p.install + "-zig") == zig_tree, "the Zig tree matches the lock")
    t.check(zsha in p.archives(), "the tarball is cached under its sha256", p.archives())

    # --- an open registry ---------------------------------------------------------
    reg = registry()
    ref = "oci://%s/%s" % (reg.host, REPO)
    r = up.run("mirror", ref)
    t.expect_rc(r, 0, "mirror to a registry with cc: in the lock")
    t.expect_in("zig-" + zigfix.ZIG, r.err, "the report names the Zig tag", r)
    titles = titles_of(reg, "zig-" + zigfix.ZIG)
    t.check(sorted(titles) == sorted([zname, zname + ".minisig"]),
            "the zig-<version> manifest lists the tarball and its signature", titles)
    t.check(titles.get(zname) == zsha, "the tarball's layer is its sha256", titles)
    t.check(zname not in titles_of(reg, lock["go"]), "Zig is not in the Go release's manifest")
    r = up.run("mirror", ref)
    t.expect_rc(r, 0, "mirror to the registry again")
    t.expect_in("pushed 0 blobs", r.err, "the second push uploads nothing", r)
    t.expect_in("unchanged", r.err, "and moves no tag", r)

    p = consumer([ref], go_mirrors=[ref])
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 0, "sync with Go and Zig from oci:// only")
    t.check(e2e.git_tree_hash(p.install + "-zig") == zig_tree, "Zig from the registry matches")
    t.check(reg.count("GET", "/v2/%s/blobs/sha256:%s" % (REPO, zsha)) >= 1,
            "the tarball came from the registry's blob API")
    r = p.run("sync", "--offline")
    t.expect_rc(r, 0, "--offline after the registry sync")

    # A signature blob for another file (signed by the same key) is refused.
    other = os.path.join(t.newdir("other"), "zig-linux-x86_64-0.10.0.tar.xz")
    with open(other, "wb") as fh:
        fh.write(b"not zig")
    zigfix.sign(other, sec)
    with open(other + ".minisig", "rb") as fh:
        other_sig = fh.read()
    saved = open(reg.blob_data(titles[zname + ".minisig"]), "rb").read()
    with open(reg.blob_data(titles[zname + ".minisig"]), "wb") as fh:
        fh.write(other_sig)
    p = consumer([ref])
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 4, "a signature that names another file is exit 4", hard=False)
    t.check(not os.path.exists(p.install + "-zig"), "no Zig installed")
    t.check(zsha not in p.archives(), "nor cached", p.archives())
    with open(reg.blob_data(titles[zname + ".minisig"]), "wb") as fh:
        fh.write(saved)

    # The tarball's blob replaced on the registry's disk.
    with open(reg.blob_data(zsha), "r+b") as fh:
        data = bytearray(fh.read())
        data[len(data) // 2] ^= 0xFF
        fh.seek(0)
        fh.write(data)
    p = consumer([ref])
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 4, "a tampered Zig blob is exit 4", hard=False)
    t.expect_in(zsha, r.err, "naming the expected sha256", r)
    t.check(not os.path.exists(p.install + "-zig"), "no Zig installed")
    t.check(zsha not in p.archives(), "the bad blob is not cached", p.archives())

    # --- Basic auth: the login reaches Zig's downloads too ----------------
    reg = registry(auth="htpasswd", users={"ci": SECRET})
    ref = "oci://%s/%s" % (reg.host, REPO)
    env = {"GONATIVE_REGISTRY_AUTH": "ci:" + SECRET}
    t.expect_rc(up.run("mirror", ref, env=env), 0, "push to a Basic-auth registry")
    p = consumer([ref])
    r = p.run("sync", "--frozen", env={"GONATIVE_REGISTRY_AUTH": "ci:wrong-" + SECRET})
    t.expect_rc(r, 3, "a wrong password for cc.mirrors is exit 3", hard=False)
    t.check(SECRET not in r.err + r.out, "the password is not in the output", r.describe())
    t.check(not os.path.exists(p.install + "-zig"), "no Zig installed with a wrong password")
    r = p.run("sync", "--frozen", env=env)
    t.expect_rc(r, 0, "the right password: Zig comes from the authenticated registry")
    t.check(e2e.git_tree_hash(p.install + "-zig") == zig_tree, "and matches the lock")


reglib.run(main)
