"""The checksum database and the toolchain proxy are reached through the
same HTTP proxy settings as every download (http_proxy, as curl reads it):
each lookup, tile, list and zip request goes through the proxy."""

import os
import sys

import trustlib
from trustlib import e2e

sys.path.insert(0, os.path.join(trustlib.SRC, "tests", "network"))
import netlib  # noqa: E402


def main(t):
    netlib.clean_env()
    mirror = t.mirror()
    log = trustlib.Log(t, mirror)
    log.start()
    with t.server(mirror.root) as srv, netlib.Proxy() as px:
        p = t.project(go="1.21", platforms=["linux/arm64"], index=srv.url + "index.json",
                      mirrors=[srv.url], sumdb=log.config(), proxy=[srv.url])
        r = p.run("lock", env={"http_proxy": px.url})
        t.expect_rc(r, 0, "source: index, log through http_proxy")
        seen = [target for _, target, _ in px.requests()]
        t.check(any("/lookup/golang.org/toolchain@" in s for s in seen),
                "the lookup went through the proxy", seen)
        t.check(any("/tile/8/" in s for s in seen), "the tiles went through the proxy", seen)

        q = t.project(go="1.21", platforms=["linux/arm64"], index="http://127.0.0.1:9/x",
                      mirrors=["http://127.0.0.1:9/"], source="proxy", proxy=[log.url],
                      sumdb=log.config())
        n = len(px.requests())
        r = q.run("sync", env={"http_proxy": px.url})
        t.expect_rc(r, 0, "source: proxy through http_proxy")
        seen = [target for _, target, _ in px.requests()[n:]]
        for what in ("/@v/list", ".zip", ".mod", ".info", "/sumdb/test.sumdb/lookup/"):
            t.check(any(what in s for s in seen), "%s went through the proxy" % what, seen)


e2e.run(main)
