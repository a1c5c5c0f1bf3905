#!/usr/bin/env python3
"""An OCI registry mirror (builder/http.c's requests and the blob
downloads) goes the same way as every other download: through the proxy
named by http_proxy, with its credentials from netrc, never printed; and
no_proxy bypasses it.  Needs Debian's docker-registry (skipped without)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "registry"))
import netlib  # noqa: E402
from netlib import e2e  # noqa: E402

USER, PASSWORD = "alice", "Pr0xyS3cret"


def main(t):
    import reglib  # noqa: E402

    netlib.clean_env()
    mirror = t.mirror()
    reg = reglib.Registry(t.newdir("registry"))
    try:
        up = t.project(go="1.17", platforms=["windows/amd64"], index=mirror.index_url,
                       mirrors=[mirror.url])
        t.expect_rc(up.run("lock"), 0, "lock against the fixture mirror")
        ref = "oci://%s/team/go" % reg.host
        t.expect_rc(up.run("mirror", ref), 0, "push the locked files to the registry")

        home = t.newdir("home")
        netrc = os.path.join(home, ".netrc")
        with open(netrc, "w") as fh:
            fh.write("machine 127.0.0.1 login %s password %s\n" % (USER, PASSWORD))
        os.chmod(netrc, 0o600)

        def consumer():
            return t.project(go="1.17", platforms=["windows/amd64"], index=ref, mirrors=[ref])

        with netlib.Proxy(auth=(USER, PASSWORD)) as px:
            p = consumer()
            r = p.run("lock", env={"http_proxy": px.url})
            t.expect_rc(r, 3, "registry through a proxy without credentials: exit 3",
                        hard=False)
            t.check(px.requests(), "the registry's requests went to the proxy", px.requests())

            n = len(px.requests())
            p = consumer()
            r = p.run("-v", "lock", env={"http_proxy": px.url, "HOME": home})
            t.expect_rc(r, 0, "registry through the proxy, credentials from netrc", hard=False)
            t.check(PASSWORD not in r.both, "the proxy password is not printed", r.describe())
            seen = px.requests()[n:]
            t.check(any("/v2/" in target and ok for _, target, ok in seen),
                    "the registry API went through the proxy", seen)
            t.check(any("/blobs/sha256:" in target and ok for _, target, ok in seen),
                    "the blobs came through the proxy", seen)

            n = len(px.requests())
            p = consumer()
            r = p.run("lock", env={"http_proxy": px.url, "no_proxy": "127.0.0.1"})
            t.expect_rc(r, 0, "no_proxy: the registry is reached directly", hard=False)
            t.check(len(px.requests()) == n, "no_proxy: the proxy saw nothing",
                    px.requests()[n:])
    finally:
        reg.stop()


if not os.path.exists("/usr/bin/docker-registry"):
    e2e.skip_all("docker-registry is not installed (scripts/deps.sh)", 77)
e2e.run(main)
