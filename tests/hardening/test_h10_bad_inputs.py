#!/usr/bin/env python3
"""Case 10: a damaged manifest, lock or release index is exit 2, named with
file:line:col, and found before any download.

- manifest and lock: truncated at every line and mid-line, wrong types,
  bad hex, sha256 of the wrong length, a duplicated artifact: lock, sync,
  sync --frozen and check all exit 2 and the servers log no request at all;
- release index (it has to be fetched to be read): the same damage makes
  `lock` exit 2 after the index request and nothing else: no archive
  request, no lock written, nothing cached.
Nothing is installed, and an earlier install stays byte-identical."""
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

RNG = random.Random(10)


def lock_variants(text):
    """(name, damaged lock text)"""
    lines = text.split("\n")
    # Truncated at each line start past the header, and at random mid-line points.
    for i in range(2, len(lines) - 1):
        yield ("truncated before line %d" % (i + 1), "\n".join(lines[:i]) + "\n")
    for _ in range(4):
        cut = RNG.randrange(len(lines[0]) + 1, len(text) - 2)
        if text[cut - 1] == "\n" or text[cut:].strip() == "":
            continue
        yield ("truncated at byte %d" % cut, text[:cut])
    sha = re.search(r"sha256: ([0-9a-f]{64})", text).group(1)
    size = re.search(r"size: (\d+)", text).group(1)
    yield ("sha256 one hex digit short", text.replace(sha, sha[:-1], 1))
    yield ("sha256 one hex digit long", text.replace(sha, sha + "0", 1))
    yield ("sha256 not hex", text.replace(sha, "g" + sha[1:], 1))
    yield ("sha256 upper case", text.replace(sha, sha.upper(), 1))
    yield ("sha256 a list", text.replace(sha, "[%s]" % sha, 1))
    yield ("size a string", text.replace("size: " + size, 'size: "big"', 1))
    yield ("size negative", text.replace("size: " + size, "size: -1", 1))
    yield ("size a float", text.replace("size: " + size, "size: 1.5", 1))
    yield ("size a map", text.replace("size: " + size, "size: {a: 1}", 1))
    yield ("lock-version 2", text.replace("lock-version: 1", "lock-version: 2"))
    yield ("lock-version a string", text.replace("lock-version: 1", 'lock-version: "one"'))
    yield ("go a list", re.sub(r"\ngo: (\S+)", r"\ngo: [\1]", text, count=1))
    yield ("hosts a string", re.sub(r"\nhosts: \[([^\]]*)\]", r"\nhosts: \1", text, count=1))
    yield ("artifacts a map", text.replace("artifacts:\n  - file:", "artifacts:\n  file:", 1))
    yield ("manifest-digest bad hex",
           re.sub(r"manifest-digest: sha256:[0-9a-f]{64}", "manifest-digest: sha256:" + "z" * 64,
                  text))
    yield ("goroot tree short",
           re.sub(r"(git-sha256:[0-9a-f]{63})[0-9a-f]", r"\1", text, count=1))
    start = text.index("  - file:")
    end = text.index("  - file:", start + 1)
    yield ("duplicated artifact", text[:end] + text[start:end] + text[end:])
    yield ("duplicated key", text.replace("lock-version: 1\n", "lock-version: 1\nlock-version: 1\n"))
    yield ("tab indentation", text.replace("\n    size:", "\n\tsize:", 1))
    yield ("NUL byte", text.replace("\nartifacts:", "\0\nartifacts:", 1))
    # Surrogate escapes: written as the raw bytes ff fe.
    yield ("not UTF-8", text.replace("\nartifacts:", "\n# \udcff\udcfe\nartifacts:", 1))
    yield ("empty", "")


def manifest_variants(text):
    # Cut inside every quoted string and flow list: always invalid YAML.
    # (Cuts at line ends would leave a valid manifest with defaults, whose
    # index is go.dev: a test must never go there.)
    for m in re.finditer(r'["\[]', text):
        cut = m.end() + 3
        if text[m.start()] == '"' and text[:m.start()].count('"') % 2 == 1:
            continue  # a closing quote
        yield ("truncated inside %r at byte %d" % (text[m.start()], cut), text[:cut])
    yield ("checksum bad hex", text + "checksums:\n  go1.9.7.linux-386.tar.gz: " + "x" * 64 + "\n")
    yield ("checksum 63 digits", text + "checksums:\n  go1.9.7.linux-386.tar.gz: " + "a" * 63 + "\n")
    yield ("checksum 65 digits", text + "checksums:\n  go1.9.7.linux-386.tar.gz: " + "a" * 65 + "\n")
    yield ("checksum a list", text + "checksums:\n  go1.9.7.linux-386.tar.gz: [a]\n")
    yield ("checksums a list", text + "checksums: [a, b]\n")
    yield ("duplicated checksum", text + "checksums:\n  go1.9.7.linux-386.tar.gz: " + "a" * 64
           + "\n  go1.9.7.linux-386.tar.gz: " + "b" * 64 + "\n")
    yield ("platforms a map", re.sub(r"platforms: \[[^\]]*\]", "platforms: {linux: 386}", text))
    yield ("go a list", re.sub(r'go: "[^"]*"', "go: [\"1.9\"]", text))
    yield ("mirrors a string", re.sub(r"mirrors: \[([^\]]*)\]", r"mirrors: \1", text))
    yield ("install a list", text + "install: [a]\n")
    yield ("NUL byte", text.replace("\nhosts", "\0\nhosts", 1))
    yield ("not UTF-8", text.replace("\nhosts", "\n# \udcff\nhosts", 1))


def index_variants(raw):
    idx = json.loads(raw)
    text = json.dumps(idx, indent=1) + "\n"
    f0 = None
    for rel in idx:
        if rel["version"] == hlib.NEW_GO:
            f0 = [f for f in rel["files"] if f["filename"].endswith("linux-386.tar.gz")][0]
    sha = f0["sha256"]
    for frac in (0.1, 0.5, 0.9, 0.999):
        yield ("truncated at %d%%" % (frac * 100), text[:int(len(text) * frac)])
    yield ("sha256 63 digits", text.replace(sha, sha[:-1]))
    yield ("sha256 65 digits", text.replace(sha, sha + "a"))
    yield ("sha256 not hex", text.replace(sha, "X" + sha[1:]))
    yield ("size a string", text.replace('"size": %d' % f0["size"], '"size": "%d"' % f0["size"]))
    yield ("size negative", text.replace('"size": %d' % f0["size"], '"size": -5'))
    yield ("files a map", text.replace('"files": [', '"files": {"x": [', 1).replace(
        "]\n }", "]}\n }", 1))
    yield ("releases a map", '{"a": ' + text + "}")
    yield ("version a number", text.replace('"version": "%s"' % hlib.NEW_GO, '"version": 1.9', 1))
    dup = json.loads(text)
    for rel in dup:
        if rel["version"] == hlib.NEW_GO:
            rel["files"].append(dict(f0))
    yield ("duplicated file", json.dumps(dup, indent=1) + "\n")
    yield ("not JSON", "<html>mirror portal</html>\n")
    yield ("empty", "")


def put(p, name, text):
    with open(os.path.join(p.root, name), "wb") as fh:
        fh.write(text.encode("utf-8", "surrogateescape"))


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"

    # A good project (go1.17 installed, go1.9 locked), then damaged files.
    base = hlib.prepared(t, index, [srv.url], installed=True)
    good_lock = base.lock_bytes().decode()
    good_manifest = hlib.read(base.manifest_path).decode()
    snap = hlib.Snapshot(t, base)

    state = hlib.read(base.state)

    def quick_untouched(what):
        """Cheap per-case check; the full one (stock git) runs after each block."""
        t.check(hlib.read(base.state) == state and base.archives() == snap.archives
                and not base.stage_dirs(), "%s: install, cache and stage untouched" % what)

    def no_network(n0, what):
        t.check(len(srv.requests()) == n0, "%s: no network access" % what,
                srv.requests()[n0:])

    for name, text in lock_variants(good_lock):
        what = "lock %s" % name
        put(base, "gonative.lock", text)
        n0 = len(srv.requests())
        for cmd in (["sync"], ["sync", "--frozen"], ["check"]):
            r = base.run(*cmd)
            hlib.expect_error(t, r, 2, "%s: %s" % (what, " ".join(cmd)), names=["gonative.lock"])
        t.expect_re(r"gonative\.lock(:\d+:\d+)?:", r.err, "%s: names the lock" % what, r)
        no_network(n0, what)
        quick_untouched(what)
        t.check(hlib.read(base.lock_path) == text.encode("utf-8", "surrogateescape"), "%s: lock not rewritten" % what)
    base.write_file("gonative.lock", good_lock)
    hlib.expect_nothing_lost(t, base, snap, "after every damaged lock")

    for name, text in manifest_variants(good_manifest):
        what = "manifest %s" % name
        put(base, "gonative.yaml", text)
        n0 = len(srv.requests())
        for cmd in (["lock"], ["sync"]):
            r = base.run(*cmd)
            hlib.expect_error(t, r, 2, "%s: %s" % (what, cmd[0]), names=["gonative.yaml"])
        t.expect_re(r"gonative\.yaml:\d+:\d+:", r.err, "%s: names file:line:col" % what, r)
        no_network(n0, what)
        quick_untouched(what)
        t.check(base.lock_bytes().decode() == good_lock, "%s: lock untouched" % what)
    base.write_file("gonative.yaml", good_manifest)
    hlib.expect_nothing_lost(t, base, snap, "after every damaged manifest")

    raw = hlib.read(mirror.path("index.json")).decode()
    for name, text in index_variants(raw):
        what = "index %s" % name
        bad = t.newdir("index")
        with open(os.path.join(bad, "index.json"), "w", newline="\n") as fh:
            fh.write(text)
        isrv = t.server(bad)
        p = t.project(**hlib.fields(isrv.url + "index.json", [srv.url], go="1.9"))
        n0 = len(srv.requests())
        r = p.run("lock")
        hlib.expect_error(t, r, 2, what, names=[isrv.url + "index.json"])
        reqs = isrv.wait_log(1)
        t.check([x.path for x in reqs] == ["/index.json"], "%s: only the index was asked for"
                % what, reqs)
        no_network(n0, what)
        t.check(not os.path.exists(p.lock_path), "%s: no lock written" % what)
        t.check(p.archives() == [], "%s: nothing cached" % what, p.archives())
        idir = os.path.join(p.cache, "index")
        t.check(not os.path.isdir(idir) or not os.listdir(idir),
                "%s: the bad index is not kept as the last good copy" % what)
        isrv.stop()


hlib.run(main)
