#!/usr/bin/env python3
"""Issue 3: minisign end to end with real keys from Debian's minisign.

A team signs a mirror made by `gonative mirror --sign`; a project that
requires signatures syncs from it; every way of breaking a signature is
refused with exit 4 and nothing installed or cached; a locked signer sticks;
provenance is signed and verifies with `minisign -V`.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["windows/amd64", "linux/arm64"]
MINISIGN = e2e.MINISIGN
keypair = e2e.minisign_keypair


def minisign_verify(path, pub):
    return subprocess.run([MINISIGN, "-V", "-p", pub, "-m", path], capture_output=True).returncode


def main(t):
    if not MINISIGN:
        e2e.skip_all("minisign is not installed", 77)
    upstream = t.mirror()
    team_pub, team_sec, team_id = keypair(t, "team")
    other_pub, other_sec, other_id = keypair(t, "other")
    pw_pub, pw_sec, pw_id = keypair(t, "protected", password="correct horse")

    # 1. Lock and sync from the unsigned upstream, then publish a signed team mirror.
    base = dict(go="1.17", platforms=PLATFORMS, index=upstream.index_url, mirrors=[upstream.url])
    a = t.project(**base)
    t.expect_rc(a.run("sync"), 0, "sync from upstream")
    team_dir = t.newdir("team-mirror")
    r = a.run("mirror", team_dir, "--sign", team_sec)
    t.expect_rc(r, 0, "mirror --sign")
    files = sorted(os.listdir(team_dir))
    archives = [f for f in files if f.endswith((".tar.gz", ".zip"))]
    t.check(len(archives) == 3, "mirror holds the 3 locked archives", files)
    t.check(all(f + ".minisig" in files for f in archives + ["index.json"]),
            "every archive and the index are signed", files)
    for f in archives + ["index.json"]:
        t.check(minisign_verify(os.path.join(team_dir, f), team_pub) == 0,
                "minisign -V accepts gonative's signature of " + f)
    with open(os.path.join(team_dir, "index.json")) as fh:
        idx = json.load(fh)
    t.check(len(idx) == 1 and idx[0]["version"] == "go1.17.13" and
            sorted(x["filename"] for x in idx[0]["files"]) == archives,
            "index.json holds the locked release and files", idx)

    with t.server(team_dir) as srv:
        signed = dict(go="1.17", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url],
                      signatures={"keys": [team_pub], "require": ["index", "archives"]})

        # 2. Sync from the signed team mirror.
        b = t.project(**signed)
        r = b.run("sync")
        t.expect_rc(r, 0, "sync from the signed team mirror")
        lock = b.lock()
        t.check(all(x.get("signed-by") == team_id for x in lock["artifacts"]),
                "lock records signed-by %s for every artifact" % team_id, lock["artifacts"])
        t.check(e2e.git_tree_hash(b.install) == lock["goroot"][e2e.HOST], "tree matches lock")
        t.check(lock["goroot"] == a.lock()["goroot"], "same GOROOT as the upstream sync")

        # 3. Breakages, each on a fresh project and cache: exit 4, nothing left.
        victim = os.path.join(team_dir, archives[0])
        sig = victim + ".minisig"
        with open(sig, "rb") as fh:
            good_sig = fh.read()

        def broken(what, needle=None):
            p = t.project(**signed)
            r = p.run("sync")
            t.expect_rc(r, 4, what, hard=False)
            t.expect_error_line(r, what)
            if needle:
                t.expect_in(needle, r.err, what + ": message names it", r)
            t.check(not os.path.exists(p.install), what + ": nothing installed")
            bad = upstream.sha256(archives[0])
            t.check(not [x for x in p.archives() if x.startswith(bad)],
                    what + ": the bad archive is not cached", p.archives())
            t.check(not p.stage_dirs(), what + ": no staging folder")

        os.unlink(sig)
        broken("missing .minisig", archives[0])
        with open(sig, "wb") as fh:
            fh.write(b"untrusted comment: x\nnot base64!!\ntrusted comment: x\nAAAA\n")
        broken("bad base64", archives[0])
        with open(sig, "wb") as fh:
            fh.write(good_sig[: len(good_sig) // 2])
        broken("truncated .minisig", archives[0])
        subprocess.run([MINISIGN, "-S", "-s", other_sec, "-m", victim, "-x", sig], check=True,
                       capture_output=True)
        broken("another key's signature", other_id)
        shutil.copy(os.path.join(team_dir, archives[1] + ".minisig"), sig)
        broken("a valid signature over different bytes", archives[0])
        lines = good_sig.decode().split("\n")
        lines[2] = lines[2].replace("timestamp:", "timestamp:1")
        with open(sig, "w") as fh:
            fh.write("\n".join(lines))
        broken("edited trusted comment", archives[0])
        # A signature that names another file (moved): same bytes, other name.
        moved = os.path.join(t.newdir("moved"), "other-name.tar.gz")
        shutil.copy(victim, moved)
        subprocess.run([MINISIGN, "-S", "-s", team_sec, "-m", moved], check=True,
                       capture_output=True)
        shutil.copy(moved + ".minisig", sig)
        broken("signature moved from another file name", "other-name.tar.gz")
        with open(sig, "wb") as fh:
            fh.write(good_sig)

        # The index's signature is checked too.
        isig = os.path.join(team_dir, "index.json.minisig")
        with open(isig, "rb") as fh:
            good_isig = fh.read()
        subprocess.run([MINISIGN, "-S", "-s", other_sec, "-m",
                        os.path.join(team_dir, "index.json"), "-x", isig], check=True,
                       capture_output=True)
        p = t.project(**signed)
        r = p.run("lock")
        t.expect_rc(r, 4, "index signed by an untrusted key")
        t.expect_in(other_id, r.err, "index error names the key found", r)
        t.check(not os.path.exists(p.lock_path), "no lock written")
        with open(isig, "wb") as fh:
            fh.write(good_isig)

        # 4. Once signed, always signed: drop `require` from the manifest, and
        #    serve the archive without its signature: the lock's signed-by wins.
        c = t.project(**signed)
        t.expect_rc(c.run("lock"), 0, "lock with signatures")
        relaxed = dict(signed, signatures={"keys": [team_pub]})
        c.write_manifest(**relaxed)
        t.expect_rc(c.run("lock"), 0, "relock without require")
        t.check(all(x.get("signed-by") == team_id for x in c.lock()["artifacts"]),
                "signed-by kept after dropping require")
        os.rename(sig, sig + ".away")
        c.cache = t.cache()  # the old cache holds the verified signature
        r = c.run("sync")
        t.expect_rc(r, 4, "previously signed artifact served unsigned")
        t.check(not os.path.exists(c.install), "nothing installed")
        os.rename(sig + ".away", sig)

    # 5. Upstream signed directly by `minisign -S`, both prehashed and legacy.
    for mode, flags in (("prehashed", []), ("legacy", ["-l"])):
        d = t.newdir("minisign-" + mode)
        for f in os.listdir(upstream.root):
            shutil.copy(os.path.join(upstream.root, f), d)
        for f in ["index.json"] + archives:
            subprocess.run([MINISIGN, "-S", "-s", team_sec, "-m", os.path.join(d, f)] + flags,
                           check=True, capture_output=True)
        p = t.project(go="1.17", platforms=PLATFORMS, index="file://%s/index.json" % d,
                      mirrors=["file://%s/" % d],
                      signatures={"keys": [team_pub, other_pub],
                                  "require": ["index", "archives"]})
        t.expect_rc(p.run("sync"), 0, "minisign -S %s signatures verify" % mode)
        if mode == "legacy":
            q = t.project(go="1.17", platforms=PLATFORMS, index="file://%s/index.json" % d,
                          mirrors=["file://%s/" % d],
                          signatures={"keys": [team_pub], "require": ["index", "archives"],
                                      "legacy": False})
            r = q.run("sync")
            t.expect_rc(r, 4, "legacy signatures refused with legacy: false")
            t.check(not os.path.exists(q.install), "nothing installed")

    # 6. Provenance, signed with a password-protected key.
    prov = os.path.join(b.root, "provenance.json")
    r = b.run("sync", "--provenance", prov, "--sign", pw_sec,
              env={"GONATIVE_PASSWORD": "correct horse"})
    t.expect_rc(r, 0, "sync --provenance --sign")
    with open(prov) as fh:
        stmt = json.load(fh)
    tree = e2e.git_tree_hash(b.install)
    t.check(stmt["_type"] == "https://in-toto.io/Statement/v1", "in-toto Statement v1")
    t.check("git-sha256:" + stmt["subject"][0]["digest"]["gitTree"] == tree,
            "subject digest is the installed tree's git-sha256", stmt["subject"])
    deps = {d["name"]: d["digest"]["sha256"] for d in stmt["predicate"]["resolvedDependencies"]}
    t.check(deps == {x["file"]: x["sha256"] for x in b.lock()["artifacts"]},
            "materials are every artifact's sha256", deps)
    t.check(stmt["predicate"]["manifestDigest"] == b.lock()["manifest-digest"],
            "manifest digest recorded")
    t.check(minisign_verify(prov, pw_pub) == 0, "minisign -V accepts the provenance signature")
    with open(prov, "rb") as fh:
        first = fh.read()
    b.run("sync", "--provenance", prov)
    with open(prov, "rb") as fh:
        t.check(fh.read() == first, "provenance is reproducible (no timestamps)")
    r = b.run("sync", "--provenance", prov, "--sign", pw_sec,
              env={"GONATIVE_PASSWORD": "wrong"})
    t.check(r.rc not in (0, "TIMEOUT"), "a wrong password is refused", r.describe())


if __name__ == "__main__":
    e2e.run(main)
