#!/usr/bin/env python3
"""Mirrors at http://[::1]:PORT/ and https://[::1]:PORT/ work (lock and
sync), also through a proxy and past it with no_proxy=::1.  Skipped where
the machine has no IPv6 loopback."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import e2e  # noqa: E402


def main(t):
    netlib.clean_env()
    mirror = t.mirror()
    with netlib.https_server(mirror.root, host="::1") as srv:
        t.check(srv.url.startswith("http://[::1]:"), "mirror URL is http://[::1]:PORT/", srv.url)
        p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
        r = p.run("lock")
        t.expect_rc(r, 0, "[::1] over http: lock")
        r = p.run("sync")
        t.expect_rc(r, 0, "[::1] over http: sync", hard=False)
        t.check(os.path.isdir(p.install), "[::1] over http: GOROOT installed")
        t.check(any(r.path.endswith(".tar.gz") for r in srv.requests()),
                "[::1]: the server sent the archives", srv.requests())

        with netlib.Proxy() as px:
            q = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
            r = q.run("lock", env={"http_proxy": px.url})
            t.expect_rc(r, 0, "[::1] through http_proxy: lock", hard=False)
            t.check(any(target.startswith("http://[::1]:") for _, target, _ in px.requests()),
                    "[::1] through http_proxy: the proxy forwarded it", px.requests())
            n = len(px.requests())
            q = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
            r = q.run("lock", env={"http_proxy": px.url, "no_proxy": "::1"})
            t.expect_rc(r, 0, "no_proxy=::1: lock", hard=False)
            t.check(len(px.requests()) == n, "no_proxy=::1: the proxy saw nothing",
                    px.requests()[n:])

    pki = netlib.Pki(t.newdir("pki"))
    with netlib.https_server(mirror.root, pki, host="::1") as srv:
        p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
        r = p.run("--cacert", pki.ca, "lock")
        t.expect_rc(r, 0, "[::1] over https with the company CA: lock", hard=False)


if not netlib.ipv6_loopback():
    e2e.skip_all("this machine has no IPv6 loopback (::1)", 77)
e2e.run(main)
