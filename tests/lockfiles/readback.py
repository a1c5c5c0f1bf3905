#!/usr/bin/env python3
"""Other YAML tools must read back exactly what the lock writer wrote.

test_lock --emit DIR writes DIR/tricky.lock (values that look like numbers,
booleans, nulls, URLs, escapes) and DIR/expected.json (the same values).
PyYAML (YAML 1.1 resolvers) and yq, when installed, must see the same
strings, and sizes as integers.  TAP output.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import Tap  # noqa: E402

T = Tap()
ok = T.ok
skip = T.skip


def normalize(doc):
    """The part of a lock both sides must agree on, artifacts keyed by file."""
    arts = {}
    for a in doc["artifacts"]:
        arts[a["file"]] = a
    return {"go": doc["go"], "index": doc["index"], "artifacts": arts}


def check(tool, doc, expected):
    got = normalize(doc)
    want = normalize(expected)
    ok(type(doc["go"]) is str and doc["go"] == "1.20", tool + ': go: "1.20" is the string 1.20',
       repr(doc["go"]))
    ok(got["index"] == want["index"], tool + ": index URL reads back", repr(got["index"]))
    ok(set(got["artifacts"]) == set(want["artifacts"]),
       tool + ": every tricky file name reads back as the same string",
       "missing: %r\nextra: %r" % (sorted(map(repr, set(want["artifacts"]) - set(got["artifacts"]))),
                                  sorted(map(repr, set(got["artifacts"]) - set(want["artifacts"])))))
    bad = []
    for name, a in want["artifacts"].items():
        b = got["artifacts"].get(name)
        if b is None:
            continue
        for key in ("os", "arch", "sha256", "signed-by"):
            if type(b.get(key)) is not str or b.get(key) != a[key]:
                bad.append((name, key, a[key], b.get(key)))
        if type(b.get("size")) is not int or b["size"] != a["size"]:
            bad.append((name, "size", a["size"], b.get("size")))
    ok(not bad, tool + ": os, arch, sha256, signed-by are strings and size an int",
       "\n".join(repr(x) for x in bad[:10]))
    ok(isinstance(doc.get("goroot"), dict) and doc.get("hosts") == ["linux/386"],
       tool + ": hosts and goroot shapes", repr((doc.get("hosts"), doc.get("goroot"))))
    # cc: (issue 11): versions and triples stay strings, the size an int.
    cc = doc.get("cc")
    ok(cc == expected["cc"] and type(cc["hosts"]["linux/386"]["size"]) is int
       and all(type(v) is str for v in cc["targets"].values()) and type(cc["zig"]) is str,
       tool + ": the cc: section reads back exactly", repr(cc))


def main():
    test_lock = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="gn-readback-")
    try:
        subprocess.run([test_lock, "--emit", tmp], check=True)
        with open(os.path.join(tmp, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)
        path = os.path.join(tmp, "tricky.lock")
        with open(path, "rb") as f:
            raw = f.read()
        ok(raw.endswith(b"\n") and b"\r" not in raw, "LF endings with a final newline")
        try:
            import yaml
        except ImportError:
            skip("PyYAML", "not installed")
        else:
            with open(path, encoding="utf-8") as f:
                check("PyYAML", yaml.safe_load(f), expected)
        yq = shutil.which("yq")
        if not yq:
            skip("yq", "not installed")
        else:
            out = subprocess.run([yq, ".", path], check=True, capture_output=True).stdout
            check("yq", json.loads(out), expected)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.plan()


if __name__ == "__main__":
    sys.exit(main())
