#!/usr/bin/env python3
"""Go < 1.10: merged package files get mtime = newest mtime in the tree + 1 s;
other files keep the archive's mtime.  Go < 1.5: src/runtime/z*_<os>_<arch>*
files are merged too."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HOST = e2e.HOST


def main(t):
    mirror = t.mirror()
    plats = ["linux/386", "darwin/amd64", "windows/amd64", "linux/arm"]
    p = t.project(go="1.9", platforms=plats, index=mirror.index_url, mirrors=[mirror.url])
    t.expect_rc(p.run("sync"), 0, "sync go 1.9")
    lock = e2e.check_lock(t, p, mirror, "go1.9.7", HOST, plats)
    want, merged = e2e.check_install(t, p, mirror, "go1.9.7", HOST, plats, lock)
    got = e2e.read_tree(p.install)
    t.require(merged, "something was merged")
    host_files = [r for r in got if r not in merged and got[r][0] == "file"]
    newest = max(int(got[r][3]) for r in host_files)
    host_want = mirror.members(e2e.artifact_name("go1.9.7", HOST))
    archive_newest = max(int(e[3]) for e in host_want.values() if e[0] == "file")
    t.check(newest == archive_newest, "newest host file mtime is the archive's newest",
            (newest, archive_newest))
    wrong = ["%s: %d" % (r, int(got[r][3])) for r in sorted(merged)
             if r in got and int(got[r][3]) != newest + 1]
    t.check(not wrong, "every merged file has mtime newest + 1 (%d)" % (newest + 1), wrong[:10])
    bad = ["%s: %d want %d" % (r, int(got[r][3]), int(e[3])) for r, e in sorted(host_want.items())
           if e[0] == "file" and r in got and r not in merged and int(got[r][3]) != int(e[3])]
    t.check(not bad, "host files keep their archive mtimes", bad[:10])
    t.check(e2e.git_tree_hash(p.install) == lock["goroot"][HOST], "mtimes do not change the hash")

    # Go 1.17: no mtime rewrite, merged files keep the archive's mtime.
    q = t.project(go="1.17", platforms=["linux/386"], index=mirror.index_url, mirrors=[mirror.url])
    q.cache = p.cache
    t.expect_rc(q.run("sync"), 0, "sync go 1.17")
    g17 = e2e.read_tree(q.install)
    src = mirror.members(e2e.artifact_name("go1.17.13", "linux/386"))
    rel = "pkg/linux_386/net.a"
    t.check(rel in g17 and int(g17[rel][3]) == int(src[rel][3]),
            "1.17: merged files keep their archive mtime", (g17.get(rel, [0] * 4)[3], src[rel][3]))

    # Go 1.4: z* runtime files.
    plats14 = ["linux/386", "darwin/amd64"]
    z = t.project(go="1.4", platforms=plats14, index=mirror.index_url, mirrors=[mirror.url])
    z.cache = p.cache
    t.expect_rc(z.run("sync"), 0, "sync go 1.4")
    lock14 = e2e.check_lock(t, z, mirror, "go1.4.3", HOST, plats14)
    _, merged14 = e2e.check_install(t, z, mirror, "go1.4.3", HOST, plats14, lock14)
    g14 = e2e.read_tree(z.install)
    for plat in sorted({"linux_386", "darwin_amd64", HOST.replace("/", "_")}):
        for stem in ("zasm_%s.h", "zsys_%s.s", "zruntime_defs_%s.go"):
            rel = "src/runtime/" + stem % plat
            ok = rel in g14 and g14[rel][2] == ("// go1.4.3 %s %s\n" % (plat, stem % plat)).encode()
            t.check(ok, "1.4: %s present with its platform's bytes" % rel)
    with open(os.path.join(z.install, "src", "runtime", "runtime.go")) as fh:
        t.check(HOST.replace("/", "_") in fh.read(), "1.4: other src/runtime files stay the host's")
    newest14 = max(int(g14[r][3]) for r in g14 if r not in merged14 and g14[r][0] == "file")
    wrong = [r for r in merged14 if int(g14[r][3]) != newest14 + 1]
    t.check(not wrong, "1.4: merged files (pkg and z*) get newest + 1", wrong)


e2e.run(main)
