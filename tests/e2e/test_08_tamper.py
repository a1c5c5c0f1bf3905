#!/usr/bin/env python3
"""A changed installed file: verify and check report it (exit 1), sync repairs."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["linux/386", "windows/amd64"]


def main(t):
    mirror = t.mirror()
    p = t.project(go="1.17", platforms=PLATFORMS, index=mirror.index_url, mirrors=[mirror.url])
    t.expect_rc(p.run("sync"), 0, "sync")
    want = p.lock()["goroot"][e2e.HOST]
    gobin = os.path.join(p.install, "bin", "go")
    with open(gobin, "rb") as fh:
        original = fh.read()

    os.chmod(gobin, 0o755)
    with open(gobin, "ab") as fh:
        fh.write(b"#")
    tampered = e2e.git_tree_hash(p.install)
    r = p.run("verify")
    t.expect_rc(r, 1, "verify after appending a byte to bin/go", hard=False)
    t.check("bin/go" in r.both or (want in r.both and tampered in r.both),
            "verify names bin/go or shows expected vs got tree hash", r.describe())
    r = p.run("check")
    t.expect_rc(r, 1, "check after tampering", hard=False)

    r = p.run("sync")
    t.expect_rc(r, 0, "sync repairs")
    t.check(e2e.git_tree_hash(p.install) == want, "tree hash back to the lock's")
    with open(gobin, "rb") as fh:
        t.check(fh.read() == original, "bin/go restored")
    t.expect_rc(p.run("verify"), 0, "verify after repair", hard=False)

    # An extra file and a removed file.
    extra = os.path.join(p.install, "src", "extra.go")
    with open(extra, "w") as fh:
        fh.write("package extra\n")
    os.remove(os.path.join(p.install, "pkg", "linux_386", "net.a"))
    r = p.run("verify")
    t.expect_rc(r, 1, "verify with a file added and one removed", hard=False)
    r = p.run("check")
    t.expect_rc(r, 1, "check with a file added and one removed", hard=False)
    r = p.run("sync")
    t.expect_rc(r, 0, "sync repairs again")
    t.check(not os.path.exists(extra), "extra file gone")
    t.check(os.path.exists(os.path.join(p.install, "pkg", "linux_386", "net.a")), "net.a back")
    t.check(e2e.git_tree_hash(p.install) == want, "tree hash back to the lock's")

    # Same size, same mtime, other bytes: sync's stat fast path cannot see it,
    # verify (which re-hashes every byte) must.
    asm = os.path.join(p.install, "pkg", "include", "asm.h")
    st = os.stat(asm)
    with open(asm, "r+b") as fh:
        data = fh.read()
        fh.seek(0)
        fh.write(bytes([data[0] ^ 0x20]) + data[1:])
    os.utime(asm, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = p.run("verify")
    t.expect_rc(r, 1, "verify catches same-size same-mtime edits", hard=False)


e2e.run(main)
