#!/usr/bin/env python3
"""A target archive with no pkg/<os>_<arch> gets the message that fits its
Go version.

- Go >= 1.20 ships no precompiled std: the "Go 1.20+ ..." warning.
- Before 1.20 every official archive carries it: an archive without it
  (here go1.17.13.linux-386.tar.gz repacked without pkg/linux_386, its
  sha256 in the index) gets its own warning, not the 1.20+ one."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

sys.path.insert(0, e2e.FIXTURES)
import mkmirror  # noqa: E402

GO = "go1.17.13"
TARGET = "linux/386"
FILE = e2e.artifact_name(GO, TARGET)
GO120 = "Go 1.20+ distributions ship no precompiled std"


def warnings(text):
    return "\n".join(l for l in text.splitlines() if l.startswith("gonative: warning: "))


def main(t):
    mirror = t.mirror()
    members = [m for m in mkmirror.binary_members(GO, "linux", "386")
               if not m[0].startswith("pkg/linux_386")]
    data = mkmirror.make_tar_gz(GO, members, "linux", "386")
    root = e2e.custom_mirror(t, mirror, "nopkg", replace={FILE: data})

    p = t.project(go="1.17", platforms=[TARGET], index="file://%s/index.json" % root,
                  mirrors=["file://%s/" % root])
    r = p.run("lock")
    t.expect_rc(r, 0, "lock go 1.17 with a target archive lacking pkg/")
    w = warnings(r.err)
    t.expect_in("%s: no pkg/linux_386 to merge" % FILE, w, "1.17: the warning names the archive",
                r)
    t.expect_in("go1.17.13 distributions ship a precompiled std (this archive lacks it)", w,
                "1.17: says this archive lacks what 1.17 ships", r)
    t.check(GO120 not in r.err, "1.17: no 'Go 1.20+' claim", r.describe())

    # Go >= 1.20 (the fixture's own archives): the 1.20+ warning, not the other.
    with t.server(mirror.root) as srv:
        q = t.project(go="1.21", platforms=["linux/arm64"], index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = q.run("lock")
        t.expect_rc(r, 0, "lock go 1.21")
        w = warnings(r.err)
        t.expect_in(GO120, w, "1.21: the Go 1.20+ warning", r)
        t.check("this archive lacks it" not in w, "1.21: not the pre-1.20 one", r.describe())


e2e.run(main)
