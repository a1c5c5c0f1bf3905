#!/usr/bin/env python3
"""Fail if any source turns TLS verification off (TAP).

    no_insecure_tls.py SOURCE_ROOT

Looks in builder/ cmd/ lockfiles/ manifest/ gn/ for CURLOPT_SSL_VERIFYPEER or
CURLOPT_SSL_VERIFYHOST set to 0/0L/false, however it is spelled.
"""

import os
import re
import sys

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


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    n = 0

    def ok(cond, msg):
        nonlocal n
        n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", n, msg))
        return cond

    # The pattern itself must catch the usual spellings, or this test proves nothing.
    samples = ["curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);",
               "curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0);",
               "curl_easy_setopt(h,\n\tCURLOPT_SSL_VERIFYPEER, (long)0);",
               "SET(e, CURLOPT_SSL_VERIFYHOST,false)"]
    for s in samples:
        ok(INSECURE.search(re.sub(r"\s+", " ", s)), "pattern catches %r" % s)
    ok(not INSECURE.search("curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);"),
       "pattern leaves VERIFYPEER 1L alone")

    ok(os.path.isdir(os.path.join(root, "builder")), "source root found: %s" % root)
    hits = scan(root)
    ok(not hits, "no source turns TLS verification off")
    for h in hits:
        print("# " + h)
    print("1..%d" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
