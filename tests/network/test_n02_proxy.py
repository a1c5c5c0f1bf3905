#!/usr/bin/env python3
"""Through an authenticating CONNECT proxy to an https mirror with a
company CA: without credentials exit 3 and a message that names the proxy
but never its password (plain, -v, --json); with credentials in the URL or
in netrc it works; no_proxy bypasses it; the upper-case and all_proxy
names work as curl reads them; http:// mirrors go through http_proxy."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import e2e  # noqa: E402

USER, PASSWORD = "alice", "Pr0xyS3cret"


def no_secret(t, r, what):
    t.check(PASSWORD not in r.out and PASSWORD not in r.err,
            "%s: the password appears nowhere in the output" % what, r.describe())


def main(t):
    netlib.clean_env()
    mirror = t.mirror()
    pki = netlib.Pki(t.newdir("pki"))
    ca = {"SSL_CERT_FILE": pki.ca}
    with netlib.https_server(mirror.root, pki) as srv, \
            netlib.Proxy(auth=(USER, PASSWORD)) as px:
        def project():
            return t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])

        shown = "http://127.0.0.1:%d" % px.port

        # No credentials: the proxy answers 407.
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy=px.url))
        t.expect_rc(r, 3, "proxy without credentials: exit 3", hard=False)
        t.expect_in(shown, r.err, "proxy without credentials: the message names the proxy", r)
        t.expect_in("wants credentials", r.err, "proxy without credentials: says what is missing", r)
        t.check(px.requests() and all(m == "CONNECT" and not ok for m, _, ok in px.requests()),
                "proxy without credentials: the proxy saw a CONNECT and refused it",
                px.requests())
        t.check(not os.path.exists(p.lock_path), "proxy without credentials: no lock")

        # Wrong password: refused, and the password given is not shown.
        p = project()
        bad = "WrongPassw0rd"
        for flags in (["lock"], ["-v", "lock"], ["-v", "sync"]):
            r = p.run(*flags, env=dict(ca, https_proxy=px.url_with(USER, bad)))
            t.expect_rc(r, 3, "wrong password (%s): exit 3" % " ".join(flags), hard=False)
            t.check(bad not in r.both, "wrong password (%s): not in the output" % " ".join(flags),
                    r.describe())
            t.expect_in(shown, r.err, "wrong password (%s): the message names the proxy"
                        % " ".join(flags), r)
        r = p.run("sync", "--json", env=dict(ca, https_proxy=px.url_with(USER, bad)))
        t.expect_rc(r, 3, "wrong password, --json: exit 3", hard=False)
        t.check(bad not in r.both and USER not in r.out,
                "wrong password, --json: no credential in the JSON or messages", r.describe())
        t.expect_in(shown, r.out, "wrong password, --json: the JSON error names the proxy", r)

        # Credentials in the URL.
        n_before = len(px.requests())
        p = project()
        r = p.run("-v", "lock", env=dict(ca, https_proxy=px.url_with(USER, PASSWORD)))
        t.expect_rc(r, 0, "credentials in the proxy URL: lock works", hard=False)
        no_secret(t, r, "credentials in the URL, -v")
        t.check(USER not in r.err, "credentials in the URL, -v: the user name is not shown",
                r.describe())
        t.expect_in("https:// via %s (from https_proxy, credentials from the URL)" % shown, r.err,
                    "-v names the proxy for https:// without its credentials", r)
        t.check(r.err.count("proxy: ") == 1, "-v names the proxy once", r.describe())
        used = px.requests()[n_before:]
        # curl asks first without credentials to learn the proxy's methods
        # (CURLAUTH_ANY), then tunnels with them.
        t.check(used and all(m == "CONNECT" for m, _, _ in used) and any(ok for _, _, ok in used),
                "credentials in the URL: the mirror was reached through authorised CONNECTs",
                used)
        r = p.run("sync", "--json", env=dict(ca, https_proxy=px.url_with(USER, PASSWORD)))
        t.expect_rc(r, 0, "credentials in the URL: sync --json works", hard=False)
        no_secret(t, r, "sync --json")

        # Percent-encoded credentials are decoded before they are sent.
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy="http://%s:%s@127.0.0.1:%d" % (
            USER, PASSWORD.replace("S", "%53"), px.port)))
        t.expect_rc(r, 0, "percent-encoded password in the URL works", hard=False)

        # host:port without a scheme is an http:// proxy, as curl takes it.
        p = project()
        r = p.run("-v", "lock", env=dict(ca, https_proxy="%s:%s@127.0.0.1:%d" % (
            USER, PASSWORD, px.port)))
        t.expect_rc(r, 0, "proxy given as user:password@host:port works", hard=False)
        t.expect_in("https:// via %s (from https_proxy" % shown, r.err,
                    "host:port: -v names it as an http:// proxy", r)
        no_secret(t, r, "host:port, -v")

        # Credentials from netrc (HOME/.netrc, then $NETRC).
        home = t.newdir("home")
        with open(os.path.join(home, ".netrc"), "w") as fh:
            fh.write("machine example.org login bob password nope\n"
                     "machine 127.0.0.1\n  login %s\n  password %s\n" % (USER, PASSWORD))
        os.chmod(os.path.join(home, ".netrc"), 0o600)
        p = project()
        r = p.run("-v", "lock", env=dict(ca, https_proxy=px.url, HOME=home))
        t.expect_rc(r, 0, "credentials from ~/.netrc: lock works", hard=False)
        t.expect_in("credentials from netrc", r.err, "-v says the credentials came from netrc", r)
        no_secret(t, r, "netrc, -v")
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy=px.url,
                                   NETRC=os.path.join(home, ".netrc")))
        t.expect_rc(r, 0, "credentials from $NETRC: lock works", hard=False)

        # no_proxy: the proxy is bypassed (here it would refuse).
        n_before = len(px.requests())
        for var in ("no_proxy", "NO_PROXY"):
            p = project()
            r = p.run("-v", "lock", env=dict(ca, https_proxy=px.url, **{var: "localhost,127.0.0.1"}))
            t.expect_rc(r, 0, "%s=127.0.0.1 bypasses the proxy" % var, hard=False)
            t.expect_in("not for localhost,127.0.0.1 (from %s)" % var, r.err,
                        "-v names no_proxy (%s)" % var, r)
        t.check(len(px.requests()) == n_before, "no_proxy: the proxy saw no request",
                px.requests()[n_before:])

        # Names curl reads: HTTPS_PROXY and all_proxy/ALL_PROXY.  http_proxy
        # is only for http:// URLs; HTTP_PROXY is never read.
        good = px.url_with(USER, PASSWORD)
        for var in ("HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            n_before = len(px.requests())
            p = project()
            r = p.run("-v", "lock", env=dict(ca, **{var: good}))
            t.expect_rc(r, 0, "%s: lock through the proxy" % var, hard=False)
            t.expect_in("(from %s, credentials from the URL)" % var, r.err,
                        "-v names %s" % var, r)
            t.check(len(px.requests()) > n_before, "%s: the proxy was used" % var)
        n_before = len(px.requests())
        p = project()
        r = p.run("lock", env=dict(ca, http_proxy=good, HTTP_PROXY=good))
        t.expect_rc(r, 0, "http_proxy/HTTP_PROXY leave https:// direct", hard=False)
        t.check(len(px.requests()) == n_before, "http_proxy: https:// did not use the proxy")
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy=px.url, HTTPS_PROXY=good))
        t.expect_rc(r, 3, "https_proxy comes before HTTPS_PROXY (as curl)", hard=False)
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy=good, all_proxy=px.url))
        t.expect_rc(r, 0, "https_proxy comes before all_proxy", hard=False)

        # A proxy that is not there: exit 3, the proxy named.
        p = project()
        dead = "http://%s:%s@127.0.0.1:9" % (USER, PASSWORD)
        r = p.run("lock", env=dict(ca, https_proxy=dead))
        t.expect_rc(r, 3, "unreachable proxy: exit 3", hard=False)
        t.expect_in("proxy http://127.0.0.1:9", r.err, "unreachable proxy: named", r)
        no_secret(t, r, "unreachable proxy")

        # An unparsable proxy: exit 2, without echoing the value.
        p = project()
        r = p.run("lock", env=dict(ca, https_proxy="ftp://%s:%s@127.0.0.1:1" % (USER, PASSWORD)))
        t.expect_rc(r, 2, "proxy with an unknown scheme: exit 2", hard=False)
        t.expect_in("https_proxy", r.err, "unknown scheme: names the variable", r)
        no_secret(t, r, "unknown scheme")

    # An https:// proxy (TLS to the proxy too): the same CA settings vouch
    # for it; a proxy certificate from another CA is refused.
    other = netlib.Pki(t.newdir("other"), name="not the company CA")
    with netlib.https_server(mirror.root, pki) as srv:
        for proxy_pki, rc, what in ((pki, 0, "trusted"), (other, 3, "untrusted")):
            with netlib.Proxy(auth=(USER, PASSWORD), tls=proxy_pki) as px:
                p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
                r = p.run("--cacert", pki.ca, "-v", "lock",
                          env={"https_proxy": px.url_with(USER, PASSWORD)})
                t.expect_rc(r, rc, "https:// proxy, %s certificate" % what, hard=False)
                t.expect_in("https:// via https://127.0.0.1:%d" % px.port, r.err,
                            "https:// proxy, %s: -v names it" % what, r)
                no_secret(t, r, "https:// proxy, %s" % what)
                t.check(bool(px.requests()) == (rc == 0),
                        "https:// proxy, %s: CONNECTs reached it only when trusted" % what,
                        px.requests())

    # An http:// mirror goes through http_proxy with absolute-form GETs.
    with netlib.https_server(mirror.root) as plain, netlib.Proxy(auth=(USER, PASSWORD)) as px:
        p = t.project(go="1.17", index=plain.url + "index.json", mirrors=[plain.url])
        r = p.run("lock", env={"http_proxy": px.url})
        t.expect_rc(r, 3, "http:// through http_proxy without credentials: exit 3", hard=False)
        t.expect_in("http://127.0.0.1:%d" % px.port, r.err, "http://: the proxy is named", r)
        r = p.run("lock", env={"http_proxy": px.url_with(USER, PASSWORD)})
        t.expect_rc(r, 0, "http:// through http_proxy with credentials", hard=False)
        gets = [x for x in px.requests() if x[0] == "GET" and x[2]]
        t.check(any(x[1].startswith(plain.url) for x in gets),
                "http_proxy: the proxy forwarded the mirror's URLs", px.requests())


e2e.run(main)
