#!/usr/bin/env python3
"""go: go.mod / go.work: the version comes from the module's own file, with
the go command's semantics; check reports a go.mod that moved."""
import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def add_releases(mirror, folder, copies):
    """A mirror folder with the fixture's releases plus copies of existing
    archives under new version names ({new: old}), and its index."""
    os.makedirs(folder)
    releases = json.loads(json.dumps(mirror.index))
    for new, old in copies.items():
        src = next(r for r in mirror.index if r["version"] == old)
        files = []
        for f in src["files"]:
            name = f["filename"].replace(old + ".", new + ".", 1)
            shutil.copyfile(mirror.path(f["filename"]), os.path.join(folder, name))
            files.append(dict(f, filename=name, version=new))
        releases.append({"version": new, "stable": True, "files": files})
    for r in mirror.index:
        for f in r["files"]:
            dst = os.path.join(folder, f["filename"])
            if not os.path.exists(dst):
                os.symlink(mirror.path(f["filename"]), dst)
    # newest first, as go.dev sorts
    releases.sort(key=lambda r: e2e.version_tuple(r["version"]), reverse=True)
    with open(os.path.join(folder, "index.json"), "w") as fh:
        fh.write(json.dumps(releases, indent=1) + "\n")
    return "file://" + folder + "/", "file://" + os.path.join(folder, "index.json")


def main(t):
    mirror = t.mirror()
    url, index = add_releases(mirror, os.path.join(t.tmp, "mirror2"), {
        "go1.21.0": "go1.21.4", "go1.19.12": "go1.17.13", "go1.19.13": "go1.17.13"})

    def project(gomod_text, go="go.mod", name="go.mod"):
        p = t.project(go=go, platforms=["linux/386"], index=index, mirrors=[url])
        path = os.path.join(p.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(gomod_text)
        return p

    def locks_to(what, text, want, **kw):
        p = project(text, **kw)
        r = p.run("lock")
        if t.expect_rc(r, 0, "lock with %s" % what, hard=False):
            t.check(p.lock().get("go") == want, "%s gives %s" % (what, want), p.lock().get("go"))
        return p

    locks_to("go 1.21 and no toolchain line", "module example.com/m\n\ngo 1.21\n", "go1.21.0")
    locks_to("toolchain go1.21.5", "module m\n\ngo 1.21\n\ntoolchain go1.21.5\n", "go1.21.5")
    locks_to("go 1.19 (a language version)", "module m\n\ngo 1.19\n", "go1.19.13")
    locks_to("a go.work", "go 1.21.4\n\nuse ./app\n", "go1.21.4", go="work/go.work",
             name="work/go.work")

    # A malformed go.mod: exit 2 naming go.mod:line:col, nothing written.
    p = project("module m\n\ngo 1.x\n")
    r = p.run("lock")
    t.expect_rc(r, 2, "lock with a malformed go.mod", hard=False)
    t.expect_in("go.mod:3:4", r.err, "the error names go.mod:3:4", r)
    t.check(not os.path.exists(p.lock_path), "no lock written for a malformed go.mod")

    # go: names a file that is not there: the manifest's own line and column.
    p = t.project(go="missing/go.mod", platforms=["linux/386"], index=index, mirrors=[url])
    r = p.run("lock")
    t.expect_rc(r, 2, "lock with a missing go.mod", hard=False)
    t.expect_in("gonative.yaml:1:5", r.err, "the error names the manifest's go: line", r)
    t.expect_in("no such file", r.err, "and says the file is missing", r)

    # check: a go.mod that moved on is drift, and says where the version came from.
    p = locks_to("go 1.21 (for check)", "module m\n\ngo 1.21\n", "go1.21.0")
    t.expect_rc(p.run("sync"), 0, "sync from a go.mod", hard=False)
    t.expect_rc(p.run("check"), 0, "check is clean while go.mod is unchanged", hard=False)
    with open(os.path.join(p.root, "go.mod"), "a") as fh:
        fh.write("\n// a comment does not change the version\n")
    t.expect_rc(p.run("check"), 0, "a comment in go.mod is no drift", hard=False)
    with open(os.path.join(p.root, "go.mod"), "w") as fh:
        fh.write("module m\n\ngo 1.21\n\ntoolchain go1.21.5\n")
    r = p.run("check")
    t.expect_rc(r, 1, "check after go.mod gained a toolchain line", hard=False)
    t.expect_in("go.mod:5: toolchain go1.21.5", r.out, "the drift row names go.mod's line", r)
    t.expect_in("go1.21.0", r.out, "and the locked version", r)
    r = p.run("sync", "--frozen")
    t.expect_rc(r, 1, "sync --frozen after go.mod moved", hard=False)
    r = p.run("sync")
    t.expect_rc(r, 0, "sync relocks to the go.mod's toolchain", hard=False)
    t.check(p.lock().get("go") == "go1.21.5", "the lock follows go.mod", p.lock().get("go"))


e2e.run(main)
