#!/usr/bin/env python3
"""An https mirror whose certificate comes from a company CA: the default
store refuses it (and the message says what to set); SSL_CERT_FILE,
SSL_CERT_DIR, CURL_CA_BUNDLE, GONATIVE_CA_BUNDLE and --cacert each make it
work; a wrong CA is still refused; -v names the CA source once."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import e2e  # noqa: E402

HINT = "set SSL_CERT_FILE or --cacert to your company's CA bundle"


def main(t):
    netlib.clean_env()
    mirror = t.mirror()
    pki = netlib.Pki(t.newdir("pki"))
    wrong = netlib.Pki(t.newdir("wrong"), name="some other CA")
    with netlib.https_server(mirror.root, pki) as srv:
        def project():
            return t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])

        # The default store does not know our CA.
        p = project()
        r = p.run("lock")
        t.expect_rc(r, 3, "default store: lock refuses the company certificate", hard=False)
        t.expect_in(HINT, r.err, "default store: the message says what to set", r)
        t.expect_re(r"certificate", r.err, "default store: the message names the certificate", r)
        t.check(not os.path.exists(p.lock_path), "default store: no lock written")

        ways = [
            ("SSL_CERT_FILE", {"SSL_CERT_FILE": pki.ca}, []),
            ("SSL_CERT_DIR", {"SSL_CERT_DIR": pki.hashed_dir()}, []),
            ("CURL_CA_BUNDLE", {"CURL_CA_BUNDLE": pki.ca}, []),
            ("GONATIVE_CA_BUNDLE", {"GONATIVE_CA_BUNDLE": pki.ca}, []),
            ("--cacert", {}, ["--cacert", pki.ca]),
        ]
        for name, env, flags in ways:
            p = project()
            r = p.run(*(flags + ["-v", "lock"]), env=env)
            t.expect_rc(r, 0, "%s: lock over https with the company CA" % name, hard=False)
            t.check(os.path.exists(p.lock_path), "%s: lock written" % name)
            src = "folder %s (from SSL_CERT_DIR)" % env["SSL_CERT_DIR"] if name == "SSL_CERT_DIR" \
                else "file %s (from %s)" % (pki.ca, name)
            t.expect_re(r"CA certificates: .*" + re.escape(src), r.err,
                        "%s: -v names the CA source" % name, r)
            t.check(r.err.count("CA certificates:") == 1, "%s: named once per run" % name,
                    r.describe())

        # --cacert and GONATIVE_CA_BUNDLE come before the standard names.
        p = project()
        r = p.run("--cacert", pki.ca, "lock", env={"SSL_CERT_FILE": wrong.ca,
                                                     "CURL_CA_BUNDLE": wrong.ca})
        t.expect_rc(r, 0, "--cacert wins over SSL_CERT_FILE and CURL_CA_BUNDLE", hard=False)
        p = project()
        r = p.run("lock", env={"GONATIVE_CA_BUNDLE": pki.ca, "SSL_CERT_FILE": wrong.ca})
        t.expect_rc(r, 0, "GONATIVE_CA_BUNDLE wins over SSL_CERT_FILE", hard=False)
        p = project()
        r = p.run("--cacert", wrong.ca, "lock", env={"GONATIVE_CA_BUNDLE": pki.ca})
        t.expect_rc(r, 3, "--cacert wins over GONATIVE_CA_BUNDLE (wrong CA given)", hard=False)

        # A wrong CA is refused, and the message names the bundle in use.
        for name, env, flags in [("SSL_CERT_FILE", {"SSL_CERT_FILE": wrong.ca}, []),
                                 ("--cacert", {}, ["--cacert", wrong.ca])]:
            p = project()
            r = p.run(*(flags + ["lock"]), env=env)
            t.expect_rc(r, 3, "wrong CA via %s: refused" % name, hard=False)
            t.expect_in("%s (from %s)" % (wrong.ca, name), r.err,
                        "wrong CA via %s: the message names the bundle" % name, r)
            t.expect_in(HINT, r.err, "wrong CA via %s: the message says what to set" % name, r)
            t.check(not os.path.exists(p.lock_path), "wrong CA via %s: no lock" % name)

        # A bundle that cannot be read is a fetch failure that names it.
        p = project()
        missing = os.path.join(t.tmp, "no-such-ca.pem")
        r = p.run("--cacert", missing, "lock")
        t.expect_rc(r, 3, "unreadable --cacert: exit 3", hard=False)
        t.expect_in(missing, r.err, "unreadable --cacert: the message names the file", r)

        # --cacert is the machine's: the manifest cannot name it, and
        # verification cannot be turned off by any flag.
        p = project()
        for flag in ("--insecure", "-k", "--no-verify"):
            r = p.run(flag, "lock", env={"SSL_CERT_FILE": pki.ca})
            t.expect_rc(r, 2, "%s is not an option" % flag, hard=False)
        r = p.run("--cacert", env={"SSL_CERT_FILE": pki.ca})
        t.expect_rc(r, 2, "--cacert without a file: usage error", hard=False)


e2e.run(main)
