#!/usr/bin/env python3
"""base: source holds the cache lock from the build to the tree store.

The locked source archive's make.bash is a probe: it fails unless another
process is kept out of <cache>/lock while it runs (its GOCACHE lies in
<cache>/tmp/build-*/).  `lock` builds, merges and puts the tree into the
store (store_put, which builder/store.h says needs the cache lock), then
`sync` installs it from the store without building again."""
import gzip
import io
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

GO = "go1.17.13"
SRC = GO + ".src.tar.gz"

PROBE = """#!/bin/sh
# Built by gonative's e2e test: is the cache lock held while we build?
lock="$(dirname "$(dirname "$(dirname "$GOCACHE")")")/lock"
[ -f "$lock" ] || { echo "probe: no cache lock file at $lock"; exit 1; }
if flock -n "$lock" true; then
    echo "probe: the cache lock is not held during the source build"
    exit 1
fi
mkdir -p ../bin && printf '#!/bin/sh\\necho go version %s\\n' > ../bin/go && chmod 755 ../bin/go
echo "probe: cache lock held"
""" % GO


def source_archive():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in (("go/VERSION", GO.encode(), 0o644),
                                 ("go/src/make.bash", PROBE.encode(), 0o755),
                                 ("go/src/runtime/runtime.go", b"package runtime\n", 0o644)):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), mode, 1600000000
            tar.addfile(ti, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def main(t):
    if not shutil.which("flock"):
        e2e.skip_all("flock(1) is not installed", 77)
    root = e2e.custom_mirror(t, t.mirror(), "probe-mirror", replace={SRC: source_archive()})
    boot = t.newdir("bootstrap")
    os.makedirs(os.path.join(boot, "bin"))
    with open(os.path.join(boot, "bin", "go"), "w") as fh:
        fh.write("#!/bin/sh\necho go version go1.16 linux/amd64\n")
    os.chmod(os.path.join(boot, "bin", "go"), 0o755)

    p = t.project(go="1.17", platforms=["linux/386"], index="file://%s/index.json" % root,
                  mirrors=["file://%s/" % root], base="source", bootstrap=boot)
    r = p.run("lock")
    t.expect_rc(r, 0, "lock with base: source (make.bash ran under the cache lock)")
    trees = os.path.join(p.cache, "trees")
    stored = sorted(n for n in os.listdir(trees) if not n.endswith(".state")) \
        if os.path.isdir(trees) else []
    t.check(len(stored) == 1, "the built tree is in the store", stored)
    locked = p.lock_bytes().decode()
    t.check(len(stored) == 1 and ("git-sha256:" + stored[0]) in locked,
            "... under the locked tree id", locked)
    r = p.run("sync")
    t.expect_rc(r, 0, "sync")
    t.expect_in("filled from the tree store", r.err, "sync takes the stored tree (no rebuild)",
                r)
    t.check("building the host toolchain" not in r.err, "sync does not run make.bash again",
            r.describe())
    t.check(os.path.isfile(os.path.join(p.install, "bin", "go")), "installed bin/go")


e2e.run(main)
