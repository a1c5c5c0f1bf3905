#!/usr/bin/env python3
"""Issue 7: --json documents (versioned, on stdout, text on stderr) and
`gonative exec`, which runs a command with the synced GOROOT and PATH."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def doc(t, r, command, rc=0):
    t.expect_rc(r, rc, "%s --json exit code" % command, hard=False)
    try:
        d = json.loads(r.out)
    except ValueError:
        t.check(False, "%s --json prints one JSON document on stdout" % command, r.describe())
        return {}
    t.check(d.get("version") == 1 and d.get("command") == command,
            "%s --json has version 1 and its command name" % command, d)
    return d


def main(t):
    mirror = t.mirror()
    p = t.project(go="1.17", platforms=["windows/amd64"], index=mirror.index_url,
                  mirrors=[mirror.url])
    d = doc(t, p.run("lock", "--json"), "lock")
    t.check(d.get("go") == "go1.17.13" and d.get("written") is True, "lock: go and written", d)
    d = doc(t, p.run("lock", "--json"), "lock")
    t.check(d.get("written") is False, "lock again: nothing written", d)

    r = p.run("sync", "--json")
    d = doc(t, r, "sync")
    tree = p.lock()["goroot"][e2e.HOST]
    t.check(d.get("tree") == tree and d.get("changed") is True and
            d.get("goroot") == p.install, "sync: tree, changed, goroot", d)
    t.check("installed" not in r.out, "sync --json keeps the text off stdout", r.out)
    d = doc(t, p.run("sync", "--json"), "sync")
    t.check(d.get("changed") is False, "second sync: unchanged", d)

    d = doc(t, p.run("check", "--json"), "check")
    t.check(d.get("drift") is False and d["install"]["status"] == "match" and
            d["lock"]["fresh"] is True, "check: clean", d)
    d = doc(t, p.run("verify", "--json"), "verify")
    t.check(d.get("match") is True and d.get("actual_tree") == tree, "verify: match", d)
    d = doc(t, p.run("env", "--json"), "env")
    t.check(d.get("GOROOT") == p.install and d.get("PATH") == p.install + "/bin", "env", d)

    # Drift: the JSON says what drifted and exits 1, like the text.
    with open(os.path.join(p.install, "VERSION"), "a") as fh:
        fh.write("x")
    d = doc(t, p.run("check", "--json"), "check", rc=1)
    t.check(d.get("drift") is True and d["install"]["status"] == "changed" and
            "VERSION" in d["install"]["changed"], "check: the changed file is named", d)
    d = doc(t, p.run("verify", "--json"), "verify", rc=1)
    t.check(d.get("match") is False and d.get("actual_tree") != tree, "verify: mismatch", d)
    p.write_manifest(go="1.17", platforms=["windows/amd64", "linux/arm64"],
                     index=mirror.index_url, mirrors=[mirror.url])
    d = doc(t, p.run("check", "--json"), "check", rc=1)
    t.check(any(x["field"] == "platforms" and "linux/arm64" in x["manifest"]
                for x in d["lock"]["drift"]), "check: the platform drift is listed", d)

    # Errors: a JSON document with the code and the exit status.
    r = p.run("sync", "--frozen", "--json")
    d = doc(t, r, "sync", rc=1)
    t.check(d.get("error", {}).get("code") == "GN_E_DRIFT" and d["error"]["exit"] == 1,
            "frozen drift error as JSON", d)
    t.expect_in("gonative: error:", r.err, "the error is on stderr too", r)

    # exec: syncs first, sets GOROOT and PATH, passes the exit code through.
    r = p.run("exec", "--", "sh", "-c", 'echo "$GOROOT"; command -v go; go; exit 7')
    t.expect_rc(r, 7, "exec passes the command's exit code")
    lines = r.out.splitlines()
    t.check(lines[:2] == [p.install, p.install + "/bin/go"],
            "exec: GOROOT and PATH point at the install", r.out)
    t.expect_in("go version go1.17.13", r.out, "exec ran the synced go", r)
    t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST],
            "exec synced (relocked and repaired) before running")
    r = p.run("exec", "--no-sync", "--", "no-such-command-here")
    t.expect_rc(r, 127, "exec of a missing command exits 127")
    t.expect_in("no-such-command-here", r.err, "the missing command is named", r)
    r = p.run("exec")
    t.expect_rc(r, 2, "exec without a command is a usage error")

    # A long inherited PATH is kept whole (it was cut at 8 KiB before): a
    # command in its last folder is still found.
    tail = os.path.join(p.root, "tail-bin")
    os.makedirs(tail, exist_ok=True)
    with open(os.path.join(tail, "gn-tail-tool"), "w") as fh:
        fh.write("#!/bin/sh\necho tail-tool-ran\n")
    os.chmod(os.path.join(tail, "gn-tail-tool"), 0o755)
    padding = ":".join("/nonexistent/pad-%04d" % i for i in range(600))
    long_path = "%s:%s:%s" % (os.environ.get("PATH", "/usr/bin:/bin"), padding, tail)
    env = dict(os.environ, PATH=long_path)
    r = p.run("exec", "--no-sync", "--", "gn-tail-tool", env=env)
    t.expect_rc(r, 0, "exec with a %d-byte PATH runs a command from its last folder"
                % len(long_path))
    t.expect_in("tail-tool-ran", r.out, "the command in the last PATH folder ran", r)


if __name__ == "__main__":
    e2e.run(main)
