#!/usr/bin/env python3
"""Fail if any source turns TLS verification off (TAP).

    no_insecure_tls.py SOURCE_ROOT

Looks in builder/ cmd/ lockfiles/ manifest/ gn/ for CURLOPT_SSL_VERIFYPEER or
CURLOPT_SSL_VERIFYHOST (and their PROXY_ forms) set to 0/0L/false, however it
is spelled.  Also: no command-line option or variable that sounds like
turning verification off exists in cmd/; CA certificates and proxies are
the machine's settings (cmd/ reads them), so the manifest and lock code
never name them and the core never reads them from the environment.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import Tap  # noqa: E402

DIRS = ["builder", "cmd", "lockfiles", "manifest", "gn"]
# curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) and friends, casts included;
# also a macro or variable that only names the option next to a zero.
INSECURE = re.compile(
    r"SSL_VERIFY(?:PEER|HOST)\s*,\s*(?:\(\s*long\s*\)\s*)?(?:0+[lL]*|false|FALSE)\b")


def scan(root):
    hits = []
    for d in DIRS:
        top = os.path.join(root, d)
        for dirpath, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith((".c", ".h", ".inc")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                # Joined so a call split over lines is still seen.
                flat = re.sub(r"\s+", " ", text)
                for m in INSECURE.finditer(flat):
                    hits.append("%s: %s" % (os.path.relpath(path, root), m.group(0)))
    return hits


# An option or variable that would turn verification off.
OFF_SWITCH = re.compile(r"insecure|no[-_]?verify|skip[-_]?verify|verify[-_]?(?:tls|ssl)|"
                        r"SSL_NO_VERIFY", re.I)
# Network settings the manifest must never carry.
# The machine's network proxy, not a GOPROXY: the manifest's `proxy:` names
# module proxies (a source of toolchains, like `mirrors:`), which is fine.
NET_WORDS = re.compile(r"cacert|ca_file|ca_bundle|CAINFO|CAPATH|\b(?:https?|all|no)_proxy\b|"
                       r"CURLOPT_PROXY|proxy_?(?:user|pass|auth)", re.I)
# The core reading a CA or proxy variable itself.
CORE_GETENV = re.compile(r"getenv\s*\(\s*\"[^\"]*(?:proxy|PROXY|CERT|CA_BUNDLE|NETRC)[^\"]*\"")


def sources(root, dirs):
    for d in dirs:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for name in sorted(files):
                if name.endswith((".c", ".h", ".inc")):
                    path = os.path.join(dirpath, name)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        yield os.path.relpath(path, root), f.read()


def grep(root, dirs, pattern):
    return ["%s: %s" % (rel, m.group(0)) for rel, text in sources(root, dirs)
            for m in pattern.finditer(text)]


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    t = Tap()
    ok = t.ok

    # The pattern itself must catch the usual spellings, or this test proves nothing.
    samples = ["curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);",
               "curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0);",
               "curl_easy_setopt(h,\n\tCURLOPT_SSL_VERIFYPEER, (long)0);",
               "SET(e, CURLOPT_SSL_VERIFYHOST,false)",
               "SETOPT(easy, CURLOPT_PROXY_SSL_VERIFYPEER, 0L);"]
    for s in samples:
        ok(INSECURE.search(re.sub(r"\s+", " ", s)), "pattern catches %r" % s)
    ok(not INSECURE.search("curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);"),
       "pattern leaves VERIFYPEER 1L alone")

    ok(os.path.isdir(os.path.join(root, "builder")), "source root found: %s" % root)
    hits = scan(root)
    ok(not hits, "no source turns TLS verification off")
    for h in hits:
        t.diag(h)

    ok(OFF_SWITCH.search('{ "insecure", no_argument, NULL, 0 },'),
       "off-switch pattern catches an --insecure option")
    ok(CORE_GETENV.search('getenv("https_proxy")') and CORE_GETENV.search('getenv("SSL_CERT_FILE")'),
       "getenv pattern catches proxy and CA variables")
    for label, dirs, pattern in [
            ("no option or variable in cmd/ turns TLS verification off", ["cmd"], OFF_SWITCH),
            ("manifest/ and lockfiles/ never name CA certificates or proxies",
             ["manifest", "lockfiles"], NET_WORDS),
            ("builder/ lockfiles/ manifest/ gn/ read no CA or proxy variable",
             ["builder", "lockfiles", "manifest", "gn"], CORE_GETENV)]:
        found = grep(root, dirs, pattern)
        ok(not found, label)
        for h in found:
            t.diag(h)
    main_c = os.path.join(root, "cmd", "main.c")
    with open(main_c, encoding="utf-8") as f:
        text = f.read()
    ok('"cacert"' in text and "SSL_CERT_FILE" in text,
       "cmd/main.c is where --cacert and the CA variables are read")
    return t.plan()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
