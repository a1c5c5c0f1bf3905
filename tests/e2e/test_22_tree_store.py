#!/usr/bin/env python3
"""The tree store (<cache>/trees): a new install folder is filled from it.

Default mode copies and hashes every file on the way, so a store entry
changed behind gonative's back (even keeping size and mtime) is never
installed: it is dropped and the tree rebuilt from the verified archives.
GONATIVE_LINK_MODE=hardlink shares inodes with the store and trusts its
stat record; a change that shows in the stat is still caught."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HARD = {"GONATIVE_LINK_MODE": "hardlink"}


def tamper_keep_stat(path):
    """Flip one byte, keeping size and mtime."""
    st = os.stat(path)
    with open(path, "r+b") as fh:
        b = fh.read(1)
        fh.seek(0)
        fh.write(bytes([b[0] ^ 1]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def main(t):
    mirror = t.mirror()
    fields = dict(go="1.17", platforms=["windows/amd64"], index=mirror.index_url,
                  mirrors=[mirror.url])
    a = t.project(**fields)
    cache = a.cache
    r = a.run("sync", env=HARD)
    t.expect_rc(r, 0, "hardlink mode: first sync")
    locked = a.lock()["goroot"][e2e.HOST]
    trees = os.path.join(cache, "trees")
    entries = [n for n in os.listdir(trees) if not n.endswith(".state")]
    t.check(entries == [locked.split(":")[1]], "the verified tree is in the store", entries)

    # Hard links: a second project fills from the store sharing inodes.
    b = t.project(**fields)
    b.cache = cache
    r = b.run("sync", env=HARD)
    t.expect_rc(r, 0, "hardlink mode: second project")
    t.expect_in("tree store (hard links)", r.err, "filled from the store by hard links", r)
    st = os.stat(os.path.join(b.install, "VERSION"))
    t.check(st.st_nlink >= 2, "installed files share the store's inode", st.st_nlink)
    t.check(e2e.git_tree_hash(b.install) == locked, "tree matches the lock")

    # Default mode: copies, hashed; a store edited keeping size and mtime is
    # caught and not installed.
    stored_version = os.path.join(trees, entries[0], "VERSION")
    c = t.project(**fields)
    c.cache = cache
    r = c.run("sync")
    t.expect_rc(r, 0, "copy mode: third project")
    t.expect_in("tree store (", r.err, "filled from the store", r)
    t.check(os.stat(os.path.join(c.install, "VERSION")).st_nlink == 1,
            "copy mode shares no inode")
    tamper_keep_stat(stored_version)   # also changes a and b: they share it
    d = t.project(**fields)
    d.cache = cache
    r = d.run("sync")
    t.expect_rc(r, 0, "copy mode after the store was tampered")
    t.expect_re(r"tree store: .*hashes to .*not the locked", r.err,
                "the tampered store entry is reported", r)
    t.check(e2e.git_tree_hash(d.install) == locked,
            "the install is the locked tree, rebuilt from the archives")
    t.check(e2e.git_tree_hash(c.install) == locked, "the copied install was not touched")
    r = b.run("verify")
    t.expect_rc(r, 1, "hardlink mode's documented trade: the shared install changed too")

    # Hard links: a change visible in the stat record drops the entry.
    e = t.project(**fields)
    e.cache = cache
    t.expect_rc(e.run("sync", env=HARD), 0, "hardlink mode: store refilled")
    entries = [n for n in os.listdir(trees) if not n.endswith(".state")]
    with open(os.path.join(trees, entries[0], "VERSION"), "a") as fh:
        fh.write("x")
    f = t.project(**fields)
    f.cache = cache
    r = f.run("sync", env=HARD)
    t.expect_rc(r, 0, "hardlink mode after a visible change")
    t.check("tree store (hard links)" not in r.err, "the changed entry was not used", r.err)
    t.check(e2e.git_tree_hash(f.install) == locked, "rebuilt to the locked tree")


if __name__ == "__main__":
    e2e.run(main)
