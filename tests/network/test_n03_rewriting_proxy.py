#!/usr/bin/env python3
"""Trusting a proxy for transport does not mean trusting what it hands
over: a proxy that changes one byte of an archive is caught by the lock's
sha256 (exit 4) with nothing installed or cached, both as a plain HTTP
proxy and as a TLS-inspecting one whose CA the user trusts."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import e2e  # noqa: E402


def fresh_cache(p):
    shutil.rmtree(p.cache)
    os.makedirs(p.cache)


def caught(t, p, r, px, what):
    t.expect_rc(r, 4, "%s: integrity failure" % what, hard=False)
    t.expect_in("sha256 mismatch", r.err, "%s: the message says sha256 mismatch" % what, r)
    t.check(px.rewritten, "%s: the proxy did rewrite an archive" % what, px.requests())
    t.check(not os.path.exists(p.install), "%s: nothing installed" % what, p.install)
    t.check(netlib.archives_or_parts(p) == [], "%s: nothing cached, no part left" % what,
            netlib.archives_or_parts(p))
    t.check(not p.stage_dirs(), "%s: no staging folder left" % what, p.stage_dirs())


def main(t):
    netlib.clean_env()
    mirror = t.mirror()

    # Plain HTTP: the proxy forwards GETs and flips a byte of each archive.
    with netlib.https_server(mirror.root) as srv, netlib.Proxy(rewrite=True) as px:
        p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
        r = p.run("lock")
        t.expect_rc(r, 0, "http: lock without the proxy")
        lock = p.lock_bytes()
        fresh_cache(p)
        r = p.run("sync", env={"http_proxy": px.url})
        caught(t, p, r, px, "http: sync through a rewriting proxy")
        t.check(p.lock_bytes() == lock, "http: the lock is unchanged")

        p2 = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
        r = p2.run("lock", env={"http_proxy": px.url})
        t.expect_rc(r, 4, "http: lock through a rewriting proxy: the index's sha256 catches it",
                    hard=False)
        t.check(not os.path.exists(p2.lock_path), "http: no lock written from rewritten bytes")

    # A TLS-inspecting proxy: it answers every CONNECT with its own
    # certificate from a company CA that the user trusts (SSL_CERT_FILE).
    pki = netlib.Pki(t.newdir("pki"))
    corp = netlib.Pki(t.newdir("corp"), name="corp inspection CA")
    with netlib.https_server(mirror.root, pki) as srv:
        p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
        r = p.run("lock", env={"SSL_CERT_FILE": pki.ca})
        t.expect_rc(r, 0, "https: lock without the proxy")
        env = {"SSL_CERT_FILE": corp.ca}

        with netlib.Proxy(mitm=corp, upstream=pki) as honest:
            fresh_cache(p)
            r = p.run("sync", env=dict(env, https_proxy=honest.url))
            t.expect_rc(r, 0, "https: an inspecting proxy that changes nothing works",
                        hard=False)
            t.check(any(m == "CONNECT" for m, _, _ in honest.requests()),
                    "https: the inspecting proxy saw the CONNECTs", honest.requests())
            shutil.rmtree(p.install, ignore_errors=True)
            os.unlink(p.state) if os.path.exists(p.state) else None

        with netlib.Proxy(mitm=corp, upstream=pki, rewrite=True) as px:
            fresh_cache(p)
            r = p.run("sync", env=dict(env, https_proxy=px.url))
            caught(t, p, r, px, "https: sync through a rewriting inspecting proxy")
            r = p.run("sync", env=dict(env, https_proxy=px.url, SSL_CERT_FILE=pki.ca))
            t.expect_rc(r, 3, "https: without the inspection CA the proxy is not trusted",
                        hard=False)
            t.expect_in("set SSL_CERT_FILE or --cacert to your company's CA bundle", r.err,
                        "https: untrusted inspecting proxy: the message says what to set", r)
            t.expect_in("through proxy %s from https_proxy" % px.url, r.err,
                        "https: untrusted inspecting proxy: the message names the proxy", r)


e2e.run(main)
