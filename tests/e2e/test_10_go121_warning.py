#!/usr/bin/env python3
"""Go >= 1.20 ships no pkg/<os>_<arch>: lock and sync warn naming the
platforms, exit 0, and the GOROOT is the host distribution alone."""
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/arm64", "windows/amd64", "darwin/arm64"]


def warnings(text):
    return [l for l in text.splitlines() if l.startswith("gonative: warning: ")]


def main(t):
    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.21", platforms=PLATFORMS, index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = p.run("lock")
        t.expect_rc(r, 0, "lock go 1.21")
        w = "\n".join(warnings(r.err))
        t.check(w, "lock prints a 'gonative: warning: ' line", r.describe())
        for plat in PLATFORMS:
            t.expect_in(plat, w, "lock warning names %s" % plat, r)
        t.check(r.err.count("no precompiled std to merge") == 1,
                "lock prints the nothing-to-merge warning once", r.describe())
        t.check(not warnings(r.out), "warnings go to stderr, not stdout", r.describe())
        lock = e2e.check_lock(t, p, mirror, "go1.21.5", e2e.HOST, PLATFORMS)

        r = p.run("sync")
        t.expect_rc(r, 0, "sync go 1.21")
        w = "\n".join(warnings(r.err))
        for plat in PLATFORMS:
            t.expect_in(plat, w, "sync warning names %s" % plat, r)
        t.check(r.err.count("no precompiled std to merge") == 1,
                "sync prints the nothing-to-merge warning once", r.describe())
        host_file = e2e.artifact_name("go1.21.5", e2e.HOST)
        t.check(p.archives() == [mirror.sha256(host_file)],
                "only the host archive was downloaded (no target distributions)",
                p.archives())
        e2e.check_install(t, p, mirror, "go1.21.5", e2e.HOST, PLATFORMS, lock, check_mtime=True)
        host_only = e2e.read_tree(p.install)
        want = mirror.members(e2e.artifact_name("go1.21.5", e2e.HOST))
        t.check(sorted(host_only) == sorted(want), "GOROOT is exactly the host archive")
        t.check(not os.path.exists(os.path.join(p.install, "pkg", "linux_arm64")),
                "no pkg/linux_arm64")

        t.check(os.path.isfile(os.path.join(p.install, "go.env")),
                "the synced Go 1.21 GOROOT holds go.env")

        # A Go 1.21 host archive without go.env is refused: exit 4, nothing installed.
        d = t.newdir("no-go-env")
        for f in os.listdir(mirror.root):
            shutil.copy(os.path.join(mirror.root, f), d)
        host_file = e2e.artifact_name("go1.21.5", e2e.HOST)
        buf = io.BytesIO()
        with tarfile.open(os.path.join(mirror.root, host_file)) as src, \
                gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w") as dst:
            for ti in src.getmembers():
                if ti.name != "go/go.env":
                    dst.addfile(ti, src.extractfile(ti) if ti.isfile() else None)
        with open(os.path.join(d, host_file), "wb") as fh:
            fh.write(buf.getvalue())
        index = json.load(open(os.path.join(d, "index.json")))
        for rel in index:
            for f in rel["files"]:
                if f["filename"] == host_file:
                    f["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
                    f["size"] = len(buf.getvalue())
        with open(os.path.join(d, "index.json"), "w") as fh:
            json.dump(index, fh, indent=1)
        n = t.project(go="1.21", index="file://%s/index.json" % d, mirrors=["file://%s/" % d])
        r = n.run("sync")
        t.expect_rc(r, 4, "a Go 1.21 GOROOT without go.env is refused", hard=False)
        t.expect_in("go.env", r.err, "the error names go.env", r)
        t.check(not os.path.exists(n.install), "nothing installed without go.env")

        # 1.20: same, first release named without .0.
        q = t.project(go="1.20.0", platforms=["linux/386"], index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = q.run("sync")
        t.expect_rc(r, 0, "sync go 1.20.0")
        t.check(r.err.count("no precompiled std to merge") == 1,
                "a sync that locks first warns once, not three times", r.describe())
        t.expect_in("linux/386", "\n".join(warnings(r.err)), "1.20 warning names linux/386", r)
        t.check(q.lock().get("go") == "go1.20", "1.20.0 resolves to go1.20", q.lock().get("go"))


e2e.run(main)
