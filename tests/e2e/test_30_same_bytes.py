#!/usr/bin/env python3
"""Two artifacts with the same bytes (and so the same sha256) in one run are
fetched once into one cache entry, not twice into one part file."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main(t):
    mirror = t.mirror()
    folder = t.newdir("same-bytes")
    index = json.loads(json.dumps(mirror.index))
    twin_of = e2e.artifact_name("go1.17.13", "linux/arm64")
    twin = e2e.artifact_name("go1.17.13", "linux/386")
    for f in os.listdir(mirror.root):
        shutil.copyfile(mirror.path(f), os.path.join(folder, f))
    shutil.copyfile(mirror.path(twin_of), os.path.join(folder, twin))
    for r in index:
        for f in r["files"]:
            if f["filename"] == twin:
                f["sha256"] = mirror.sha256(twin_of)
                f["size"] = mirror.size(twin_of)
    with open(os.path.join(folder, "index.json"), "w") as fh:
        fh.write(json.dumps(index, indent=1) + "\n")
    with t.server(folder) as srv:
        p = t.project(go="1.17", platforms=["linux/arm64", "linux/386"],
                      index=srv.url + "index.json", mirrors=[srv.url])
        r = p.run("sync")
        t.expect_rc(r, 0, "sync with two targets whose archives are the same bytes")
        gets = [x for x in srv.requests(settle=5.0) if x.path in ("/" + twin, "/" + twin_of)]
        t.check(len(gets) == 1, "the shared bytes were downloaded once", gets)
        t.check(mirror.sha256(twin_of) in p.archives(), "one cache entry holds them",
                p.archives())
        t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST], "tree matches")


e2e.run(main)
