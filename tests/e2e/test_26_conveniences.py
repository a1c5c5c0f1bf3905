#!/usr/bin/env python3
"""Small things users expect: "did you mean" for unknown keys, commands and
platforms; `lock --check` for CI; each warning said once per run."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main(t):
    mirror = t.mirror()
    base = dict(go="1.17", platforms=["linux/386"], index=mirror.index_url, mirrors=[mirror.url])

    # --- did you mean ---------------------------------------------------
    p = t.project(**base)
    p.write_file("gonative.yaml", 'go: "1.17"\nplaforms: [linux/386]\n')
    r = p.run("lock")
    t.expect_rc(r, 2, "a misspelt key", hard=False)
    t.expect_in('gonative.yaml:2:1: unknown key "plaforms": did you mean "platforms"?', r.err,
                "the error suggests platforms at the key's line:col", r)
    p.write_file("gonative.yaml", 'go: "1.17"\nsignatures:\n  kyes: []\n')
    r = p.run("lock")
    t.expect_rc(r, 2, "a misspelt signatures key", hard=False)
    t.expect_in('did you mean "keys"?', r.err, "the error suggests keys", r)
    p.write_file("gonative.yaml", 'go: "1.17"\nplatforms: [linux/amd46]\n')
    r = p.run("lock")
    t.expect_rc(r, 2, "a misspelt platform", hard=False)
    t.expect_in("did you mean linux/amd64?", r.err, "the error suggests linux/amd64", r)
    p.write_file("gonative.yaml", 'go: "1.17"\nzzzzzz: 1\n')
    r = p.run("lock")
    t.expect_rc(r, 2, "an unknown key like no valid one", hard=False)
    t.check("did you mean" not in r.err, "no suggestion when nothing is close", r.describe())
    r = p.run("snyc")
    t.expect_rc(r, 2, "a misspelt command", hard=False)
    t.expect_in("unknown command 'snyc': did you mean 'sync'?", r.err,
                "the error suggests sync", r)
    r = p.run("frobnicate")
    t.check("did you mean" not in r.err, "no suggestion for a far-off command", r.describe())
    # Options: cmd/cli.c parses every command's table the same way.
    r = p.run("sync", "--frozn")
    t.expect_rc(r, 2, "a misspelt option", hard=False)
    t.expect_in("unknown option --frozn: did you mean '--frozen'?", r.err,
                "the error suggests --frozen", r)
    r = p.run("--verbsoe", "lock")
    t.expect_rc(r, 2, "a misspelt global option", hard=False)
    t.expect_in("unknown option --verbsoe: did you mean '--verbose'?", r.err,
                "the error suggests --verbose", r)
    r = p.run("check", "--zzzzzz")
    t.expect_rc(r, 2, "an unknown option like no valid one", hard=False)
    t.check("did you mean" not in r.err, "no suggestion for a far-off option", r.describe())
    for args, option in ((("sync", "--jobs"), "--jobs"), (("init", "-p"), "-p")):
        r = p.run(*args)
        t.expect_rc(r, 2, "%s without its value" % " ".join(args), hard=False)
        t.expect_in("error: %s needs a value" % option, r.err,
                    "%s: the error names the option that needs a value" % " ".join(args), r)
    t.check(not os.path.exists(p.lock_path), "usage errors write no lock")

    # --- lock --check -----------------------------------------------------
    p = t.project(**base)
    r = p.run("lock", "--check")
    t.expect_rc(r, 1, "lock --check without a lock", hard=False)
    t.expect_in("does not exist", r.out, "it says the lock is missing", r)
    t.check(not os.path.exists(p.lock_path), "lock --check writes no lock")
    t.expect_rc(p.run("lock"), 0, "lock")
    good = p.lock_bytes()
    # It needs no network: the mirror and the index may be gone.
    moved = mirror.root + "-away"
    os.rename(mirror.root, moved)
    try:
        r = p.run("lock", "--check")
        t.expect_rc(r, 0, "lock --check on a fresh lock, with the mirror gone", hard=False)
        t.expect_in("complete and canonical", r.out, "it says so", r)
        r = p.run("lock", "--check", "--json")
        t.expect_rc(r, 0, "lock --check --json", hard=False)
        t.expect_in('"ok": true', r.out, "the JSON says ok", r)

        p.write_manifest(**dict(base, platforms=["linux/386", "windows/amd64"]))
        r = p.run("lock", "--check")
        t.expect_rc(r, 1, "lock --check after adding a platform", hard=False)
        t.expect_in("windows/amd64", r.out, "the report names the new platform", r)
        t.check(p.lock_bytes() == good, "lock --check leaves a stale lock alone")
        p.write_manifest(**base)

        with open(p.lock_path, "ab") as fh:
            fh.write(b"# an edit by hand\n")
        r = p.run("lock", "--check")
        t.expect_rc(r, 1, "lock --check on a hand-edited lock", hard=False)
        t.expect_in("not in canonical form", r.out, "it says the lock is not canonical", r)

        text = good.decode()
        with open(p.lock_path, "w") as fh:
            fh.write(text[:text.index("goroot:")] + "goroot: {}\n")
        r = p.run("lock", "--check")
        t.expect_rc(r, 1, "lock --check on a lock without the host's GOROOT hash", hard=False)
        t.expect_in("incomplete: host %s: no GOROOT hash" % e2e.HOST, r.out,
                    "it names the host", r)

        with open(p.lock_path, "wb") as fh:
            fh.write(good)
        r = p.run("lock", "--check", "--upgrade")
        t.expect_rc(r, 2, "--check with --upgrade is a usage error", hard=False)
    finally:
        os.rename(moved, mirror.root)

    # --- each warning once per run ----------------------------------------
    q = t.project(go="1.21", platforms=["linux/arm64", "windows/amd64"], index=mirror.index_url,
                  mirrors=[mirror.url])
    r = q.run("sync")
    t.expect_rc(r, 0, "sync go 1.21 with two targets")
    lines = [l for l in r.err.splitlines() if l.startswith("gonative: warning: ")]
    t.check(lines, "sync warns that Go 1.21 has nothing to merge", r.describe())
    t.check(len(lines) == len(set(lines)), "no warning line is printed twice", "\n".join(lines))


e2e.run(main)
