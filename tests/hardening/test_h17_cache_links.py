#!/usr/bin/env python3
"""Case 17: the cache never follows a planted link (issue 10).

A symbolic link is planted where the cache keeps a file or a folder, and
points at a sentinel outside the cache.  After the command, the sentinel's
bytes and mtime are unchanged (a folder's listing and mtime too), the link
is gone or refused, and a dangling link's target was never created:

- <cache>/tmp/<sha256>.part (a hard link too), <cache>/lock, <cache>/archives/<sha256> (the
  right bytes behind the link: still not used), <cache>/index/<sha256(url)>
  (offline: refused; online: replaced), a tree-store entry
  (<cache>/trees/<hex> and its .state record), and the folders tmp/,
  archives/, index/ and trees/ themselves;
- folders the cache creates get mode 0700;
- a cache root owned by another user and writable by others is refused
  with exit 5 and a message that says why; a root reached through the
  user's own link is fine."""
import hashlib
import os
import pwd
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

OLD_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09: any write moves it


class Sentinel:
    """A file (or folder) outside the cache that must not change."""

    def __init__(self, t, data=b"sentinel: the cache must never write here\n", folder=False):
        self.dir = t.newdir("outside")
        self.folder = folder
        if folder:
            self.path = os.path.join(self.dir, "target")
            os.mkdir(self.path)
            with open(os.path.join(self.path, "keep"), "wb") as fh:
                fh.write(data)
            os.utime(os.path.join(self.path, "keep"), ns=(OLD_NS, OLD_NS))
            os.utime(self.path, ns=(OLD_NS, OLD_NS))
        else:
            self.path = os.path.join(self.dir, "target")
            with open(self.path, "wb") as fh:
                fh.write(data)
            os.utime(self.path, ns=(OLD_NS, OLD_NS))
        self.before = self.snapshot()

    def snapshot(self):
        out = []
        for root, dirs, files in os.walk(self.dir):
            for n in sorted(dirs + files):
                full = os.path.join(root, n)
                st = os.lstat(full)
                digest = None
                if stat.S_ISREG(st.st_mode):
                    digest = hashlib.sha256(hlib.read(full)).hexdigest()
                out.append((os.path.relpath(full, self.dir), st.st_mode, st.st_mtime_ns, digest))
        return sorted(out)

    def check(self, t, what):
        after = self.snapshot()
        t.check(after == self.before, "%s: the link's target is unchanged (bytes, mtime)" % what,
                "before %s\nafter  %s" % (self.before, after))


def dangling(t):
    return os.path.join(t.newdir("outside"), "must-not-appear")


def link_target(t, dang, **sentinel):
    """(sentinel, target) for a planted link: a path that must not appear
    (sentinel None), or a Sentinel that must not change."""
    s = None if dang else Sentinel(t, **sentinel)
    return s, dangling(t) if dang else s.path


def target_untouched(t, s, target, what):
    if s:
        s.check(t, what)
    else:
        t.check(not os.path.lexists(target), "%s: the target was not created" % what)


def plant(link, target):
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.isdir(link) and not os.path.islink(link):
        shutil.rmtree(link)
    elif os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)


def not_link(t, path, what, kind="file"):
    st = os.lstat(path) if os.path.lexists(path) else None
    ok = st is None or (stat.S_ISREG(st.st_mode) if kind == "file" else stat.S_ISDIR(st.st_mode))
    t.check(ok, "%s: %s is no longer a link (a real %s or gone)" % (what, path, kind),
            "lstat: %s" % (oct(st.st_mode) if st else None))


def locked_project(t, index, urls, env=None):
    """A project whose lock was made in a throwaway cache; its own cache is
    a fresh empty folder."""
    p = t.project(**hlib.fields(index, urls))
    own = p.cache
    p.cache = t.cache()
    r = p.run("lock", env=env)
    t.expect_rc(r, 0, "setup: lock")
    p.cache = own
    return p


def synced(t, p, what, env=None, *args):
    r = p.run("sync", *args, env=env)
    t.expect_rc(r, 0, what, hard=False)
    if r.rc == 0:
        hlib.expect_installed(t, p, what)
    return r


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    urls = [srv.url]
    host_sha = mirror.sha256(hlib.HOST_FILE)
    hardlink = {"GONATIVE_LINK_MODE": "hardlink"}

    # --- <cache>/tmp/<sha256>.part --------------------------------------
    for kind in ("symbolic", "dangling", "hard"):
        dang = kind == "dangling"
        what = ".part link (%s)" % kind
        p = locked_project(t, index, urls)
        part = os.path.join(p.cache, "tmp", host_sha + ".part")
        s, target = link_target(t, dang)
        if kind == "hard":
            # A second name of a file outside: writing to it writes there.
            os.makedirs(os.path.dirname(part), exist_ok=True)
            os.link(target, part)
        else:
            plant(part, target)
        synced(t, p, what)
        target_untouched(t, s, target, what)
        not_link(t, part, what)

    # --- <cache>/lock -----------------------------------------------------
    for dang in (False, True):
        what = "lock link%s" % (" (dangling)" if dang else "")
        p = locked_project(t, index, urls)
        lock = os.path.join(p.cache, "lock")
        s, target = link_target(t, dang)
        plant(lock, target)
        synced(t, p, what)
        target_untouched(t, s, target, what)
        not_link(t, lock, what)

    # --- <cache>/archives/<sha256>: the right bytes, but behind a link ------
    for dang in (False, True):
        what = "archive link%s" % (" (dangling)" if dang else "")
        p = locked_project(t, index, urls)
        cached = os.path.join(p.cache, "archives", host_sha)
        s, target = link_target(t, dang, data=hlib.read(mirror.path(hlib.HOST_FILE)))
        plant(cached, target)
        if s:
            r = p.run("sync", "--offline")
            t.check(r.rc != 0, "%s, offline: not taken as a cache entry" % what, r.describe())
            s.check(t, what + ", offline")
        synced(t, p, what)
        target_untouched(t, s, target, what)
        not_link(t, cached, what)
        t.check(os.path.isfile(cached) and
                hashlib.sha256(hlib.read(cached)).hexdigest() == host_sha,
                "%s: the cache holds the archive itself" % what)

    # --- <cache>/index/<sha256(url)> -------------------------------------
    for dang in (False, True):
        what = "index copy link%s" % (" (dangling)" if dang else "")
        p = locked_project(t, index, urls)
        t.expect_rc(p.run("lock"), 0, "%s: setup: lock in its own cache" % what)
        copy = os.path.join(p.cache, "index", hashlib.sha256(index.encode()).hexdigest())
        t.require(os.path.isfile(copy), "%s: setup: the index copy is at %s" % (what, copy))
        s, target = link_target(t, dang, data=hlib.read(copy))
        plant(copy, target)
        if s:
            r = p.run("lock", "--offline")
            hlib.expect_error(t, r, 5, what + ", offline: refused", names=[copy])
            t.expect_re(r"(?i)symbolic link", r.err, "%s, offline: says it is a link" % what, r)
            s.check(t, what + ", offline")
        r = p.run("lock")
        t.expect_rc(r, 0, what + ", online", hard=False)
        target_untouched(t, s, target, what)
        not_link(t, copy, what)

    # --- a tree-store entry and its record --------------------------------
    p = locked_project(t, index, urls, env=hardlink)
    synced(t, p, "tree store: first sync", hardlink)
    trees = os.path.join(p.cache, "trees")
    entries = [n for n in os.listdir(trees) if os.path.isdir(os.path.join(trees, n))
               and not n.startswith(".")] if os.path.isdir(trees) else []
    t.require(len(entries) == 1, "tree store: one entry after a hard-link sync", entries)
    entry = os.path.join(trees, entries[0])
    for which in ("record", "entry"):
        what = "tree-store %s link" % which
        q = t.project(**hlib.fields(index, urls))
        q.cache = p.cache
        q.write_file("gonative.lock", p.lock_bytes().decode())
        if which == "record":
            # The record's true bytes, moved outside: the store would match.
            s = Sentinel(t, hlib.read(entry + ".state"))
            plant(entry + ".state", s.path)
            link = entry + ".state"
        else:
            s = Sentinel(t, folder=True)
            shutil.rmtree(s.path)
            shutil.copytree(entry, s.path, symlinks=True)
            s.before = s.snapshot()
            plant(entry, s.path)
            link = entry
        r = synced(t, q, what, hardlink, "--frozen")
        s.check(t, what)
        not_link(t, link, what, "file" if which == "record" else "folder")
        t.check("filled from the tree store" not in r.err,
                "%s: the store is not used through the link" % what, r.describe())

    # --- the cache's folders themselves ------------------------------------
    for sub in ("tmp", "archives", "index", "trees"):
        for dang in (False, True):
            what = "%s/ link%s" % (sub, " (dangling)" if dang else "")
            p = locked_project(t, index, urls)
            s, target = link_target(t, dang, folder=True)
            plant(os.path.join(p.cache, sub), target)
            synced(t, p, what, hardlink)
            target_untouched(t, s, target, what)
            not_link(t, os.path.join(p.cache, sub), what, "folder")

    # --- modes: every folder the cache creates is 0700 ----------------------
    p = locked_project(t, index, urls)
    p.cache = os.path.join(t.newdir("fresh"), "new", "cache")
    synced(t, p, "a new cache", hardlink)
    for sub in ("", "archives", "index", "tmp", "trees"):
        path = os.path.join(p.cache, sub) if sub else p.cache
        mode = stat.S_IMODE(os.lstat(path).st_mode) if os.path.isdir(path) else None
        t.check(mode == 0o700, "new cache: %s has mode 0700" % (sub or "the root"),
                "mode %s" % (oct(mode) if mode is not None else "missing"))

    # --- the owner rule ---------------------------------------------------
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if os.geteuid() != 0 or nobody is None:
        print("# not root (or no user nobody): the foreign-root case is skipped")
    else:
        p = locked_project(t, index, urls)
        shared = t.newdir("shared")
        os.chown(shared, nobody.pw_uid, nobody.pw_gid)
        os.chmod(shared, 0o777)
        p.cache = shared
        r = p.run("sync")
        hlib.expect_error(t, r, 5, "a root of uid nobody, mode 0777", names=[shared])
        t.expect_re(r"(?i)permission", r.err, "foreign root: the message says why", r)
        t.expect_re(r"(?i)other users?|every user|others", r.err,
                    "foreign root: the message names who could write", r)
        t.check(os.listdir(shared) == [], "foreign root: nothing created in it",
                os.listdir(shared))
        t.check(not os.path.exists(p.install), "foreign root: nothing installed")
        # Not writable by others: fine, even though another user owns it.
        os.chmod(shared, 0o755)
        synced(t, p, "a root of uid nobody, mode 0755")

    # The root itself may be reached through the user's own link.
    p = locked_project(t, index, urls)
    real = t.newdir("realcache")
    via = os.path.join(t.newdir("home"), "cache-link")
    os.symlink(real, via)
    p.cache = via
    synced(t, p, "a cache root reached through the user's link")
    t.check(os.path.islink(via) and hlib.read(os.path.join(real, "archives", host_sha)),
            "root link: the cache is filled behind it")


hlib.run(main)
