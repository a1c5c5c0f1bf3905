#!/usr/bin/env python3
"""hash DIR vs stock git, env / env --json, init, --version, --help, usage errors."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def make_tree(root):
    """Names and modes that exercise git's ordering and mode rules."""
    files = {
        "a-b": (b"dash\n", 0o644), "a.txt": (b"dot\n", 0o644), "a/x": (b"in a\n", 0o644),
        "b.d/run.sh": (b"#!/bin/sh\n", 0o755), "sub/deep/er/file": (b"", 0o644),
        "exec-owner-only": (b"x", 0o700), "group-exec": (b"y", 0o654),
        ".gitignore": (b"*.o\nignored/\n", 0o644), "ignored/kept.o": (b"obj", 0o644),
        "x.o": (b"obj2", 0o600), "sp ace": (b"space\n", 0o644), "Z": (b"upper\n", 0o644),
        "\u00e9t\u00e9": ("utf8\n".encode(), 0o644),
    }
    for rel, (data, mode) in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        os.chmod(path, mode)
    os.symlink("a.txt", os.path.join(root, "link"))
    os.symlink("../a-b", os.path.join(root, "sub", "up"))
    os.makedirs(os.path.join(root, "empty", "dir"))


def main(t):
    exe = t.exe
    cache = t.cache()

    # hash DIR
    d = t.newdir("tree")
    make_tree(d)
    r = e2e.run_cmd([exe, "--cache-dir", cache, "hash", d], cache=cache)
    t.expect_rc(r, 0, "hash DIR")
    t.check(re.fullmatch(r"git-sha256:[0-9a-f]{64}\n", r.out) is not None,
            "hash prints git-sha256:<64 hex> and a newline", repr(r.out))
    t.check(r.out.strip() == e2e.git_tree_hash(d), "hash equals stock git",
            "gonative %s\ngit      %s" % (r.out.strip(), e2e.git_tree_hash(d)))
    e = t.newdir("empty")
    r = e2e.run_cmd([exe, "hash", e], cache=cache)
    t.expect_rc(r, 0, "hash of an empty folder", hard=False)
    t.check(r.out.strip() == e2e.git_tree_hash(e), "empty folder: git's empty tree", r.out)
    r = e2e.run_cmd([exe, "hash", os.path.join(e, "missing")], cache=cache)
    t.check(r.rc not in (0, 1, "TIMEOUT"), "hash of a missing folder fails", r.describe())
    t.expect_error_line(r, "hash missing")
    r = e2e.run_cmd([exe, "hash"], cache=cache)
    t.expect_rc(r, 2, "hash without DIR is a usage error", hard=False)

    # env / env --json after a sync
    mirror = t.mirror()
    p = t.project(go="1.21", platforms=["linux/386"], index=mirror.index_url, mirrors=[mirror.url])
    p.cache = cache
    t.expect_rc(p.run("sync"), 0, "sync for env")
    r = p.run("env")
    t.expect_rc(r, 0, "env")
    root = os.path.realpath(p.install)
    lines = r.out.strip().splitlines()
    m1 = [re.fullmatch(r"export GOROOT='([^']*)'", l) for l in lines]
    m2 = [re.fullmatch(r"export PATH='([^']*)/bin':\"\$PATH\"", l) for l in lines]
    goroot = next((m.group(1) for m in m1 if m), None)
    pathdir = next((m.group(1) for m in m2 if m), None)
    t.check(goroot is not None and os.path.isabs(goroot) and os.path.realpath(goroot) == root,
            "env prints export GOROOT='<install>'", r.describe())
    t.check(pathdir is not None and pathdir == goroot,
            "env prints export PATH='<GOROOT>/bin':\"$PATH\"", r.describe())
    t.check(goroot is not None and os.path.normpath(goroot) == goroot,
            "env prints a normalized path (no /./, //, /../)", r.describe())
    shell = e2e.run_cmd(["sh", "-c", r.out + '\nprintf "%s\\n%s\\n" "$GOROOT" "$PATH"'])
    got = shell.out.splitlines()
    t.check(len(got) == 2 and os.path.realpath(got[0]) == root
            and os.path.realpath(got[1].split(":")[0]) == os.path.join(root, "bin")
            and got[1].endswith(":" + os.environ.get("PATH", "")),
            "env output works in sh", shell.describe())
    r = p.run("env", "--json")
    t.expect_rc(r, 0, "env --json")
    try:
        j = json.loads(r.out)
    except ValueError:
        j = {}
    t.check(sorted(j) == ["GOROOT", "GOTOOLCHAIN", "PATH", "command", "version"]
            and j["version"] == 1 and j["GOTOOLCHAIN"] == "local",
            "env --json has GOROOT, GOTOOLCHAIN=local and PATH (plus the versioned header)",
            r.out)
    t.check(os.path.realpath(j.get("GOROOT", "")) == root, "env --json GOROOT", r.out)
    t.check(j.get("GOROOT") == goroot, "env --json GOROOT equals env's", r.out)
    t.check(os.path.realpath(j.get("PATH", "").split(":")[0]) == os.path.join(root, "bin"),
            "env --json PATH starts with <install>/bin", r.out)
    r = p.run("verify")
    t.expect_rc(r, 0, "verify", hard=False)

    # init, then point it at the fixture mirror, then lock
    i = t.project()
    i.cache = cache
    r = i.run("init")
    t.expect_rc(r, 0, "init")
    t.require(os.path.isfile(i.manifest_path), "init wrote gonative.yaml")
    with open(i.manifest_path) as fh:
        starter = fh.read()
    r = i.run("init")
    t.check(r.rc != 0, "init refuses to overwrite an existing gonative.yaml", r.describe())
    with open(i.manifest_path) as fh:
        t.check(fh.read() == starter, "existing manifest left alone")
    edited = strip_keys(starter, ("go", "hosts", "index", "mirrors", "install"))
    edited += 'go: "1.17"\nhosts: [%s]\nindex: "%s"\nmirrors: ["%s"]\n' % (
        e2e.HOST, mirror.index_url, mirror.url)
    i.write_file("gonative.yaml", edited)
    r = i.run("lock")
    t.expect_rc(r, 0, "lock accepts the edited starter manifest", hard=False)

    # --version, --help
    r = e2e.run_cmd([exe, "--version"], cache=cache)
    t.expect_rc(r, 0, "--version")
    t.expect_re(r"\b\d+\.\d+\.\d+\b", r.out, "--version prints a version on stdout", r)
    r = e2e.run_cmd([exe, "--help"], cache=cache)
    t.expect_rc(r, 0, "--help")
    for cmd in ("init", "lock", "sync", "check", "verify", "env", "hash"):
        t.expect_in(cmd, r.out, "--help lists %s" % cmd, r)
    for cmd in ("lock", "sync", "check", "env"):
        r = e2e.run_cmd([exe, cmd, "--help"], cache=cache)
        t.expect_rc(r, 0, "%s --help" % cmd, hard=False)
        t.check(r.out.strip() != "", "%s --help prints help on stdout" % cmd, r.describe())

    # Usage errors: exit 2 with gonative: error:
    for argv in (["frobnicate"], ["lock", "--no-such-flag"], ["--no-such-option", "lock"], []):
        r = e2e.run_cmd([exe, "--cache-dir", cache] + argv, cwd=p.root, cache=cache)
        t.expect_rc(r, 2, "usage error: %s" % (argv or "no command"), hard=False)
        if argv:
            t.expect_error_line(r, "usage error %s" % argv)
    t.check(not os.path.exists(os.path.join(p.root, "frobnicate")), "nothing written")


def strip_keys(text, keys):
    """Drop top-level keys (and their indented continuation lines)."""
    out, skipping = [], False
    for line in text.splitlines(True):
        top = line[:1] not in (" ", "\t", "-", "#", "\n", "")
        if top:
            skipping = line.split(":", 1)[0].strip() in keys
        elif skipping and line.strip().startswith("#"):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


e2e.run(main)
