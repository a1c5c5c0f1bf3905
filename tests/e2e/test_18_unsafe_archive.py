#!/usr/bin/env python3
"""Archives with entries that escape the tree are refused (exit 4) even when
their sha256 matches the index; nothing is installed or written outside."""
import gzip
import io
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

VICTIM = "go1.17.13.linux-386.tar.gz"


def evil_tar(mirror, kind):
    """The real linux/386 archive plus one hostile entry."""
    raw = io.BytesIO()
    with tarfile.open(mirror.path(VICTIM)) as src, tarfile.open(fileobj=raw, mode="w") as dst:
        for ti in src.getmembers():
            dst.addfile(ti, src.extractfile(ti) if ti.isfile() else None)
        ti = tarfile.TarInfo()
        if kind == "dotdot":
            ti.name, data = "go/pkg/linux_386/../../../escaped.txt", b"x"
        elif kind == "outside":
            ti.name, data = "notgo/escaped.txt", b"x"
        elif kind == "absolute":
            ti.name, data = "/tmp/gonative-e2e-absolute-escaped.txt", b"x"
        elif kind == "symlink":
            ti.name, data = "go/pkg/linux_386/escape", None
            ti.type, ti.linkname = tarfile.SYMTYPE, "../../../../../../etc"
        elif kind == "hardlink":
            ti.name, data = "go/pkg/linux_386/hard", None
            ti.type, ti.linkname = tarfile.LNKTYPE, "go/VERSION"
        elif kind == "device":
            ti.name, data = "go/pkg/linux_386/null", None
            ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
        ti.mode = 0o644
        ti.mtime = 1672531200
        if data is not None:
            ti.size = len(data)
            dst.addfile(ti, io.BytesIO(data))
        else:
            dst.addfile(ti)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def main(t):
    mirror = t.mirror()
    for kind in ("dotdot", "outside", "absolute", "symlink", "hardlink", "device"):
        evil = t.newdir("evil-" + kind)
        data = evil_tar(mirror, kind)
        with open(os.path.join(evil, VICTIM), "wb") as fh:
            fh.write(data)
        e2e.write_index(evil, mirror.index, {VICTIM: data})
        # The other archives come from the clean mirror.
        p = t.project(go="1.17", platforms=["linux/386"],
                      index="file://" + os.path.join(evil, "index.json"),
                      mirrors=["file://" + evil + "/", mirror.url])
        r = p.run("sync")
        t.expect_rc(r, 4, "%s entry: sync refuses" % kind, hard=False)
        t.expect_error_line(r, kind)
        t.expect_in(VICTIM, r.err, "%s: the error names the archive" % kind, r)
        t.check("sha256" not in r.err.lower() or "unsafe" in r.err.lower(),
                "%s: refused as unsafe, not as a checksum mismatch" % kind, r.describe())
        print("# %s: %s" % (kind, [l for l in r.err.splitlines() if "error" in l]))
        t.check(not os.path.exists(p.install), "%s: nothing installed" % kind)
        t.check(not p.stage_dirs(), "%s: no staging folder left" % kind, p.stage_dirs())
        escaped = [x for x in (os.path.join(p.root, "escaped.txt"),
                               os.path.join(p.root, ".gonative", "escaped.txt"),
                               os.path.join(os.path.dirname(p.root), "escaped.txt"),
                               "/tmp/gonative-e2e-absolute-escaped.txt") if os.path.lexists(x)]
        t.check(not escaped, "%s: nothing written outside" % kind, escaped)


e2e.run(main)
