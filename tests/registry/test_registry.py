#!/usr/bin/env python3
"""OCI registries as mirrors, against the real CNCF distribution registry
(Debian's docker-registry 2.8): push, pull, idempotence, Basic and token
logins, a tampered blob, a redirect to a storage backend, --offline."""
import base64
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

REPO = "team/go"
PLATFORMS = ["windows/amd64"]
SECRET = "s3cret-Pa55word"


def main(t):
    if not os.path.exists(reglib.REGISTRY):
        print("1..0 # SKIP docker-registry is not installed (scripts/deps.sh)")
        return
    mirror = t.mirror()
    cleanup = []
    t.cleanup_more = cleanup

    def registry(**kw):
        r = reglib.Registry(t.newdir("registry"), **kw)
        cleanup.append(r.stop)
        return r

    # The upstream project: locks against the plain mirror, then pushes.
    up = t.project(go="1.17", platforms=PLATFORMS, index=mirror.index_url, mirrors=[mirror.url])
    t.expect_rc(up.run("lock"), 0, "lock against the fixture mirror")
    lock = up.lock()
    files = sorted(a["file"] for a in lock["artifacts"])

    def consumer(ref, **extra):
        fields = dict(go="1.17", platforms=PLATFORMS, index=ref, mirrors=[ref])
        fields.update(extra)
        return t.project(**fields)

    # --- an open registry: push, push again, pull ------------------------
    reg = registry()
    ref = "oci://%s/%s" % (reg.host, REPO)
    r = up.run("mirror", ref)
    t.expect_rc(r, 0, "mirror %s" % ref)
    t.expect_in("pushed 3 blobs", r.err, "the two archives and index.json are pushed", r)
    uploads = reg.count("POST", "/v2/%s/blobs/uploads/" % REPO)
    puts = reg.count("PUT", "/v2/%s/manifests/" % REPO)
    r = up.run("mirror", ref)
    t.expect_rc(r, 0, "mirror the same lock again")
    t.expect_in("pushed 0 blobs", r.err, "the second push uploads nothing", r)
    t.expect_in("unchanged", r.err, "and moves no tag", r)
    t.check(reg.count("POST", "/v2/%s/blobs/uploads/" % REPO) == uploads,
            "the registry saw no new upload", reg.count("POST", "uploads"))
    t.check(reg.count("PUT", "/v2/%s/manifests/" % REPO) == puts,
            "the registry saw no new manifest", reg.count("PUT", "manifests"))
    man = json.loads(reglib.get(reg.url + "/v2/%s/manifests/%s" % (REPO, lock["go"]),
                             "application/vnd.oci.image.manifest.v1+json"))
    titles = sorted(l["annotations"]["org.opencontainers.image.title"] for l in man["layers"])
    t.check(man.get("artifactType") == "application/vnd.gonative.toolchain.v1",
            "the manifest's artifactType", man)
    t.check(titles == sorted(files + ["index.json"]), "layers titled by file name", titles)

    p = consumer(ref)
    r = p.run("sync")
    t.expect_rc(r, 0, "sync from oci:// with no other mirror and the index from the registry")
    t.check(p.lock()["artifacts"] == lock["artifacts"], "the same artifacts as upstream")
    t.check(e2e.git_tree_hash(p.install) == lock["goroot"][e2e.HOST], "the tree matches")
    t.check(reg.count("GET", "/v2/%s/blobs/sha256:" % REPO) >= len(files),
            "archives came from the registry's blob API")

    # --offline after a registry sync, into a new install folder.
    p.write_manifest(**dict(p.manifest, install=".gonative/other"))
    reg.stop()
    r = p.run("sync", "--offline")
    t.expect_rc(r, 0, "sync --offline from the cache after a registry sync, registry down")
    t.check(e2e.git_tree_hash(p.install) == lock["goroot"][e2e.HOST], "offline tree matches")

    # --- signed: .minisig blobs ride along, tied to their artifacts ------
    if shutil.which("minisign"):
        keys = t.newdir("keys")
        pub, sec = os.path.join(keys, "team.pub"), os.path.join(keys, "team.key")
        subprocess.run(["minisign", "-G", "-W", "-p", pub, "-s", sec], check=True,
                       capture_output=True)
        reg = registry()
        ref = "oci://%s/%s" % (reg.host, REPO)
        t.expect_rc(up.run("mirror", ref, "--sign", sec), 0, "mirror --sign to a registry")
        sig = {"keys": [pub], "require": ["index", "archives"]}
        p = consumer(ref, signatures=sig)
        r = p.run("sync")
        t.expect_rc(r, 0, "sync with signatures required, all from the registry")
        t.check(all(a.get("signed-by") for a in p.lock()["artifacts"]),
                "every artifact is signed-by the team key", p.lock()["artifacts"])
        # A signature moved onto another file is refused: swap the windows
        # archive's .minisig blob for the linux one's under its title.
        man = json.loads(reglib.get(reg.url + "/v2/%s/manifests/%s" % (REPO, lock["go"]),
                                 "application/vnd.oci.image.manifest.v1+json"))
        by_title = {l["annotations"]["org.opencontainers.image.title"]: l["digest"][7:]
                    for l in man["layers"]}
        win = next(f for f in files if "windows" in f)
        lin = next(f for f in files if "windows" not in f)
        with open(reg.blob_data(by_title[lin + ".minisig"]), "rb") as fh:
            other_sig = fh.read()
        target = reg.blob_data(by_title[win + ".minisig"])
        with open(target, "wb") as fh:
            fh.write(other_sig)
        q = consumer(ref, signatures=sig)
        r = q.run("sync")
        t.expect_rc(r, 4, "a signature for another file is refused", hard=False)
        t.check(not os.path.exists(q.install), "nothing installed with a moved signature")

    # --- a blob replaced on the registry's disk --------------------------
    reg = registry()
    ref = "oci://%s/%s" % (reg.host, REPO)
    t.expect_rc(up.run("mirror", ref), 0, "push to a second registry")
    victim = next(a for a in lock["artifacts"] if a["os"] == "windows")
    with open(reg.blob_data(victim["sha256"]), "r+b") as fh:
        data = bytearray(fh.read())
        data[len(data) // 2] ^= 0xFF
        fh.seek(0)
        fh.write(data)
    p = consumer(ref)
    p.write_file("gonative.lock", up.lock_bytes().decode())
    p.write_manifest(**dict(p.manifest, index=mirror.index_url))
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 4, "a tampered blob is an integrity failure", hard=False)
    t.expect_in(victim["sha256"], r.err, "the message names the expected sha256", r)
    t.check(not os.path.exists(p.install), "nothing installed")
    t.check(victim["sha256"] not in p.archives(), "the bad blob is not cached", p.archives())

    # --- Basic auth (htpasswd) -------------------------------------------
    users = {"ci": SECRET}
    reg = registry(auth="htpasswd", users=users)
    ref = "oci://%s/%s" % (reg.host, REPO)
    r = up.run("mirror", ref)
    t.expect_rc(r, 3, "push without a login to a Basic-auth registry", hard=False)
    t.expect_in("needs a login", r.err, "the message says a login is needed", r)
    env = {"GONATIVE_REGISTRY_AUTH": "ci:" + SECRET}
    t.expect_rc(up.run("mirror", ref, env=env), 0, "push with GONATIVE_REGISTRY_AUTH")
    bad = {"GONATIVE_REGISTRY_AUTH": "ci:wrong-" + SECRET}
    p = consumer(ref)
    r = p.run("sync", env=bad)
    t.expect_rc(r, 3, "a wrong password is exit 3", hard=False)
    t.expect_in("refused", r.err, "the message says the registry refused the login", r)
    t.check(SECRET not in r.err and SECRET not in r.out, "the password is not in the output",
            r.describe())
    r = p.run("sync", "--json", env=bad)
    t.check("wrong-" + SECRET not in r.out + r.err, "nor in --json output", r.describe())
    t.check(not os.path.exists(p.install), "nothing installed with a wrong password")

    # docker's config.json
    docker = t.newdir("docker")
    with open(os.path.join(docker, "config.json"), "w") as fh:
        json.dump({"auths": {reg.host: {
            "auth": base64.b64encode(("ci:" + SECRET).encode()).decode()}}}, fh)
    p = consumer(ref)
    r = p.run("sync", env={"DOCKER_CONFIG": docker})
    t.expect_rc(r, 0, "sync with the login from docker's config.json")
    # netrc
    netrc = os.path.join(t.newdir("netrc"), "netrc")
    with open(netrc, "w") as fh:
        fh.write("machine 127.0.0.1 login ci password %s\n" % SECRET)
    p = consumer(ref)
    r = p.run("sync", env={"NETRC": netrc, "HOME": t.newdir("home")})
    t.expect_rc(r, 0, "sync with the login from netrc")

    # --- token auth: the registry's own JWT verification -----------------
    token = reglib.TokenServer(t.newdir("token"), users, anonymous_pull=True)
    cleanup.append(token.stop)
    reg = registry(auth="token", token=token)
    ref = "oci://%s/%s" % (reg.host, REPO)
    r = up.run("mirror", ref, env={"GONATIVE_REGISTRY_AUTH": "ci:" + SECRET})
    t.expect_rc(r, 0, "push through the bearer-token flow")
    t.check(any("push" in q for q in token.requests), "a push token was asked for",
            token.requests)
    p = consumer(ref)
    r = p.run("sync")
    t.expect_rc(r, 0, "anonymous pull with a bearer token")
    t.check(e2e.git_tree_hash(p.install) == lock["goroot"][e2e.HOST], "token-pulled tree")
    r = up.run("mirror", ref, env={"GONATIVE_REGISTRY_AUTH": "ci:nope"})
    t.expect_rc(r, 3, "a wrong password at the token service is exit 3", hard=False)
    t.check("nope" not in r.err, "the password is not in the message", r.describe())

    # --- a registry that redirects blobs to its storage --------------------
    reg = registry()
    ref = "oci://%s/%s" % (reg.host, REPO)
    t.expect_rc(up.run("mirror", ref), 0, "push for the redirect case")
    front = reglib.RedirectingFront(reg)
    cleanup.append(front.stop)
    p = consumer("oci://%s/%s" % (front.host, REPO))
    r = p.run("sync")
    t.expect_rc(r, 0, "sync through a registry that redirects blobs")
    t.check(len([h for h in front.backend_hits if "/storage/sha256:" in h]) >= len(files),
            "the blobs came from the storage backend", front.backend_hits)
    t.check(e2e.git_tree_hash(p.install) == lock["goroot"][e2e.HOST], "redirected tree")

    # --- plain http only on loopback or when listed --------------------------
    p = consumer("oci://registry.invalid/team/go")
    p.write_manifest(**dict(p.manifest, **{"insecure-registries": ["bad/host"]}))
    r = p.run("lock")
    t.expect_rc(r, 2, "a malformed insecure-registries entry", hard=False)
    p.write_manifest(go="1.17", index=mirror.index_url, mirrors=["oci://Bad_Host/x"])
    r = p.run("lock")
    t.expect_rc(r, 2, "a malformed oci:// mirror is exit 2", hard=False)
    t.expect_re(r"gonative\.yaml:\d+:\d+:", r.err, "naming line and column", r)


reglib.run(main)
