#!/usr/bin/env python3
"""Case 16: sync only ever replaces or removes a tree gonative installed.

Each case runs in its own small world: a fake $HOME holding the project
(with src/ and .git/ of the user's) and the cache ($HOME/.cache/gonative).
Every file, folder and symlink in that world is snapshotted (type, mode,
content, link target) before and after the command.

- install paths refused at manifest load, exit 2 naming gonative.yaml:L:C,
  the server logging no request at all: the project (../proj, its absolute
  path, a symlink to it), ".", "..", "/", $HOME, a symlink to $HOME, the
  cache, a folder inside it, a folder containing it, a symlink to it, a ':'
  and control characters;
- a folder gonative did not install (src/ with the user's code, an empty
  folder), a planted <install>.state symlink or foreign file, a planted
  <install>.flock symlink: exit 5 naming it, no request, all untouched;
- a staging-folder look-alike (<install>.stage-abc123) that is not
  gonative's: sync installs and leaves it alone;
- a version 1 stat record (older gonative, no folder identity) is accepted
  while the folder holds exactly its entries, refused (exit 5) once the user
  added a file; a tree gonative installed and the user changed is repaired;
  an exact copy of the install (a CI cache restore) is accepted, a copy with
  a file more is refused (exit 5);
- randomized (seed printed; H16_SEED=N to replay): install paths made of
  ".." chains, symlinks to the project, its parents and the cache, and
  absolute spellings of the same folders.  Refused ones exit 2 with the
  world unchanged; allowed ones install the locked tree and change nothing
  outside the install folder (and its .state/.flock, and new parents)."""
import hashlib
import os
import random
import re
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402

e2e = hlib.e2e
ROUNDS = 40


class World:
    def __init__(self, t, index, mirrors):
        self.t = t
        self.root = os.path.realpath(t.newdir("world"))
        self.home = os.path.join(self.root, "home")
        self.proj = os.path.join(self.home, "proj")
        self.cache = os.path.join(self.home, ".cache", "gonative")
        self.links = os.path.join(self.home, "links")
        for d in (os.path.join(self.proj, "src"), os.path.join(self.proj, ".git"), self.cache,
                  self.links, os.path.join(self.home, "other")):
            os.makedirs(d, exist_ok=True)
        write(os.path.join(self.proj, "src", "main.go"), "package main\n\nfunc main() {}\n")
        write(os.path.join(self.proj, ".git", "HEAD"), "ref: refs/heads/main\n")
        write(os.path.join(self.home, "secret.txt"), "the user's own file\n")
        for name, target in (("to-proj", "../proj"), ("to-home", ".."), ("to-world", "../.."),
                             ("to-cache", "../.cache/gonative"), ("to-root", "/")):
            os.symlink(target, os.path.join(self.links, name))
        self.p = e2e.Project(t, self.proj, None, cache=self.cache)
        self.index = index
        self.mirrors = mirrors

    def manifest(self, install):
        self.p.write_manifest(**hlib.fields(self.index, self.mirrors, install=install))
        lines = hlib.read(self.p.manifest_path).decode().split("\n")
        return next(i + 1 for i, ln in enumerate(lines) if ln.startswith("install:"))

    def sync(self, *args):
        return self.p.run("sync", *args, env={"HOME": self.home})


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def snapshot(root):
    """{relative path: (type, mode, content sha256 or link target)}."""
    out = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = os.path.relpath(full, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", 0, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode), "")
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode),
                            hashlib.sha256(hlib.read(full)).hexdigest())
    return out


def diff(before, after, allowed=lambda rel: False):
    """Paths that differ and are not allowed to."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k) and not allowed(k))


def no_requests(t, srv, n0, what):
    reqs = srv.wait_log(n0 + 1, timeout=0.2)[n0:]
    t.check(not reqs, "%s: nothing requested from the server" % what, reqs)


def refused_at_load(t, w, srv, install, what):
    """exit 2 naming gonative.yaml:L:C, no request, the world unchanged."""
    line = w.manifest(install)
    before = snapshot(w.root)
    n0 = len(srv.requests(settle=5.0))
    r = w.sync()
    hlib.expect_error(t, r, 2, what)
    t.expect_re(r"gonative\.yaml:%d:10\b" % line, r.err, "%s: names gonative.yaml:%d:10"
                % (what, line), r)
    no_requests(t, srv, n0, what)
    t.check(not diff(before, snapshot(w.root)), "%s: nothing changed" % what,
            diff(before, snapshot(w.root)))


def refused_owner(t, w, srv, install, names, what):
    """exit 5 naming the folder or file, no request, the world unchanged."""
    w.manifest(install)
    before = snapshot(w.root)
    n0 = len(srv.requests(settle=5.0))
    r = w.sync()
    hlib.expect_error(t, r, 5, what, names=names)
    no_requests(t, srv, n0, what)
    t.check(not diff(before, snapshot(w.root)), "%s: nothing changed" % what,
            diff(before, snapshot(w.root)))
    return r


def named_cases(t, srv, index):
    def fresh():
        return World(t, index, [srv.url])

    w = fresh()
    for install, what in (
        ("../proj", "install: ../proj"),
        (w.proj, "install: the project's absolute path"),
        (w.proj + "/", "install: the project's absolute path with a slash"),
        ("../links/to-proj", "install: a symlink to the project"),
        (".", "install: ."),
        ("./", "install: ./"),
        ("..", "install: .."),
        ("src/../..", "install: src/../.."),
        ("/", "install: /"),
        ("//", "install: //"),
        (w.home, "install: $HOME"),
        ("../links/to-home", "install: a symlink to $HOME"),
        (w.root, "install: a folder above $HOME"),
        ("../links/to-root", "install: a symlink to /"),
        ("../.cache/gonative", "install: the cache folder"),
        (w.cache, "install: the cache folder, absolute"),
        ("../.cache/gonative/go", "install: a folder inside the cache"),
        ("../links/to-cache/archives", "install: inside the cache through a symlink"),
        ("../.cache", "install: a folder containing the cache"),
        ("../links/to-cache", "install: a symlink to the cache"),
        ("go:1.17", "install: holding a ':'"),
        ("go\tx", "install: holding a tab"),
        ("go\x01x", "install: holding a control character"),
        ("go\x7fx", "install: holding DEL"),
    ):
        refused_at_load(t, w, srv, install, what)

    # src/ holds the user's code: not gonative's, refused before any download.
    w = fresh()
    refused_owner(t, w, srv, "src", [os.path.join(w.proj, "src")],
                  "install: src with the user's code")
    t.check(os.path.isfile(os.path.join(w.proj, "src", "main.go")),
            "install: src: the user's code is still there")

    # An empty folder gonative did not make: left exactly as it is.
    w = fresh()
    empty = os.path.join(w.proj, "empty")
    os.mkdir(empty)
    st0 = os.lstat(empty)
    r = refused_owner(t, w, srv, "empty", [empty], "install: an empty folder of the user's")
    st1 = os.lstat(empty)
    t.check((st0.st_ino, st0.st_mtime_ns) == (st1.st_ino, st1.st_mtime_ns),
            "empty folder: same inode and mtime")
    t.expect_in("install:", r.err, "empty folder: the message says how to proceed", r)

    # A planted <install>.state symlink and a foreign .state file.
    w = fresh()
    os.makedirs(os.path.join(w.proj, ".gonative"))
    state = os.path.join(w.proj, ".gonative", "go.state")
    os.symlink(os.path.join(w.home, "secret.txt"), state)
    refused_owner(t, w, srv, ".gonative/go", [state], "planted .state symlink")
    t.check(hlib.read(os.path.join(w.home, "secret.txt")) == b"the user's own file\n",
            "planted .state symlink: its target is untouched")
    os.unlink(state)
    write(state, "my notes\n")
    refused_owner(t, w, srv, ".gonative/go", [state], "foreign .state file")

    # A planted <install>.flock symlink.
    w = fresh()
    os.makedirs(os.path.join(w.proj, ".gonative"))
    flock = os.path.join(w.proj, ".gonative", "go.flock")
    os.symlink(os.path.join(w.home, "made-by-gonative"), flock)
    refused_owner(t, w, srv, ".gonative/go", [flock], "planted .flock symlink")
    t.check(not os.path.lexists(os.path.join(w.home, "made-by-gonative")),
            "planted .flock symlink: nothing created at its target")

    # A staging-folder look-alike that is not gonative's: left alone.
    w = fresh()
    look = os.path.join(w.proj, ".gonative", "go.stage-abc123")
    os.makedirs(look)
    write(os.path.join(look, "keep.txt"), "mine\n")
    w.manifest(".gonative/go")
    before = snapshot(w.root)
    r = w.sync()
    t.expect_rc(r, 0, "stage look-alike: sync", hard=False)
    want = w.p.lock()["goroot"][hlib.HOST]
    got = e2e.git_tree_hash(w.p.install) if os.path.isdir(w.p.install) else None
    t.check(got == want, "stage look-alike: the locked tree is installed", got)
    inst = os.path.relpath(w.p.install, w.root)

    def ours(rel):
        return (rel == inst or rel.startswith(inst + "/") or rel in (inst + ".state",
                inst + ".flock") or rel.startswith(os.path.relpath(w.cache, w.root))
                or rel == os.path.relpath(w.p.lock_path, w.root))

    t.check(not diff(before, snapshot(w.root), ours),
            "stage look-alike: untouched, nothing else changed",
            diff(before, snapshot(w.root), ours))

    # A stat record from an older gonative (version 1, no folder identity):
    # accepted while the folder holds exactly its entries, refused otherwise.
    head = hlib.read(w.p.state).split(b"\n", 2)
    t.check(head[0] == b"gonative-state 3", "the stat record is version 3", head[0])
    write(w.p.state, v1_record(w.p.install, head[1].decode()))
    r = w.sync()
    t.expect_rc(r, 0, "version 1 record, folder as recorded: accepted", hard=False)
    extra = os.path.join(w.p.install, "added-by-user.txt")
    write(extra, "x\n")
    before = snapshot(w.root)
    r = w.sync()
    hlib.expect_error(t, r, 5, "version 1 record, folder changed", names=[w.p.install])
    t.check(not diff(before, snapshot(w.root)), "version 1 record, folder changed: untouched",
            diff(before, snapshot(w.root)))
    # What the message says to do: remove it; then sync installs again.
    shutil.rmtree(w.p.install)
    r = w.sync()
    t.expect_rc(r, 0, "version 1 record, folder removed by the user: sync installs", hard=False)

    # Installed by gonative: a second sync with a changed file repairs it.
    victim = os.path.join(w.p.install, "VERSION")
    if os.path.isfile(victim):
        os.chmod(victim, 0o644)
        write(victim, "changed\n")
        r = w.sync()
        t.expect_rc(r, 0, "own install, changed: sync repairs it", hard=False)
        got = e2e.git_tree_hash(w.p.install)
        t.check(got == want, "own install, changed: the locked tree is back", got)

    # A copy of the installed folder (say, restored from a CI cache) is
    # another folder: accepted only while it holds exactly the recorded
    # entries, mtimes included.
    for extra in (False, True):
        what = "a copy of the install%s" % (" with a file more" if extra else "")
        moved = w.p.install + ".orig"
        os.rename(w.p.install, moved)
        shutil.copytree(moved, w.p.install, symlinks=True)
        shutil.rmtree(moved)
        if extra:
            write(os.path.join(w.p.install, "mine.txt"), "x\n")
            before = snapshot(w.root)
        r = w.sync()
        if extra:
            hlib.expect_error(t, r, 5, what, names=[w.p.install])
            t.check(not diff(before, snapshot(w.root)), "%s: untouched" % what,
                    diff(before, snapshot(w.root)))
        else:
            t.expect_rc(r, 0, what, hard=False)
            got = e2e.git_tree_hash(w.p.install)
            t.check(got == want, "%s: the locked tree is installed" % what, got)


def v1_record(root, tree_line):
    """The stat record an older gonative wrote for root (format 1: text, no
    folder identity): the folder's line, then per folder its files and
    links, then each subfolder, names sorted."""
    def line(kind, st, rel):
        return "%s %o %d %d.%09d %s\n" % (kind, stat.S_IMODE(st.st_mode), st.st_size,
                                           st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9, rel)

    def walk(folder, rel):
        out = []
        names = sorted(os.listdir(folder), key=os.fsencode)
        sts = {n: os.lstat(os.path.join(folder, n)) for n in names}
        for n in names:
            if not stat.S_ISDIR(sts[n].st_mode):
                kind = "l" if stat.S_ISLNK(sts[n].st_mode) else "f"
                out.append(line(kind, sts[n], rel + n))
        for n in names:
            if stat.S_ISDIR(sts[n].st_mode):
                out.append(line("d", sts[n], rel + n))
                out += walk(os.path.join(folder, n), rel + n + "/")
        return out

    return "".join(["gonative-state 1\n", tree_line, "\n", line("d", os.lstat(root), ".")] +
                   walk(root, ""))


def spell(rng, w, target):
    """A random way to write target (absolute, real) as install:, from the
    project's folder."""
    links = [(os.path.join(w.links, n), os.path.realpath(os.path.join(w.links, n)))
             for n in sorted(os.listdir(w.links))]
    way = rng.choice(["abs", "rel", "link", "link", "rel"])
    if way == "link":
        fits = [(ln, real) for ln, real in links
                if target == real or target.startswith(real.rstrip("/") + "/")]
        if fits:
            ln, real = rng.choice(fits)
            rest = os.path.relpath(target, real)
            base = rng.choice([os.path.relpath(ln, w.proj), ln])
            text = base if rest == "." else base + "/" + rest
        else:
            way = "rel"
    if way == "abs":
        text = target
    elif way == "rel":
        text = os.path.relpath(target, w.proj)
    # Detours that land where they started.
    if not text.startswith("/") and rng.random() < 0.3:
        text = "../proj/" + text
    parts = text.split("/")
    for _ in range(rng.randrange(3)):
        i = rng.randrange(1, len(parts) + 1) if len(parts) > 1 else 1
        parts.insert(i, rng.choice([".", "src/..", "nope/..", "./."]))
    text = "/".join(parts)
    if rng.random() < 0.3:
        text += "/"
    return text


def randomized(t, srv, index):
    seed = int(os.environ.get("H16_SEED", "16"))
    print("# randomized install paths: seed %d (H16_SEED=%d to replay)" % (seed, seed))
    rng = random.Random(seed)
    w = World(t, index, [srv.url])
    w.manifest(".gonative/go")
    r = w.sync()
    t.expect_rc(r, 0, "randomized: first sync (warms the cache)")
    want = w.p.lock()["goroot"][hlib.HOST]
    refused = [w.proj, w.home, w.root, os.path.dirname(w.root), "/", w.cache,
               os.path.join(w.cache, "archives"), os.path.join(w.cache, "x", "go"),
               os.path.dirname(w.cache)]
    allowed = [os.path.join(w.proj, ".gonative", "go"), os.path.join(w.proj, "out", "go"),
               os.path.join(w.home, "other", "go"), os.path.join(w.root, "elsewhere", "go")]
    counts = {"refused": 0, "installed": 0}
    for n in range(ROUNDS):
        bad = rng.random() < 0.6
        target = rng.choice(refused if bad else allowed)
        text = spell(rng, w, target)
        what = "randomized #%d install: %r (%s)" % (n, text, target)
        if bad:
            w.manifest(text)
            before = snapshot(w.root)
            n0 = len(srv.requests(settle=5.0))
            r = w.sync()
            after = snapshot(w.root)
            t.check(r.rc == 2 and re.search(r"gonative\.yaml:\d+:10", r.err),
                    "%s: refused with exit 2 at gonative.yaml:L:C" % what, r.describe())
            no_requests(t, srv, n0, what)
            d = diff(before, after)
            t.check(not d, "%s: nothing changed" % what, d)
            counts["refused"] += 1
            continue
        inst = os.path.relpath(target, w.root)
        w.manifest(text)
        before = snapshot(w.root)
        r = w.sync()
        after = snapshot(w.root)

        def ok(rel):
            return (rel == inst or rel.startswith(inst + "/") or
                    rel in (inst + ".state", inst + ".flock") or
                    (rel not in before and inst.startswith(rel + "/")))

        t.check(r.rc == 0, "%s: exit 0" % what, r.describe())
        got = e2e.git_tree_hash(target) if os.path.isdir(target) else None
        t.check(got == want, "%s: the locked tree is installed there" % what, got)
        d = diff(before, after, ok)
        t.check(not d, "%s: nothing outside the install folder changed" % what, d)
        counts["installed"] += 1
        if target != allowed[0]:
            shutil.rmtree(target, ignore_errors=True)
            for suffix in (".state", ".flock"):
                if os.path.lexists(target + suffix):
                    os.unlink(target + suffix)
    print("# randomized: %(refused)d refused, %(installed)d installed" % counts)
    t.check(counts["refused"] > 5 and counts["installed"] > 5,
            "randomized: both kinds of path were tried", counts)


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    index = srv.url + "index.json"
    named_cases(t, srv, index)
    randomized(t, srv, index)


if __name__ == "__main__":
    hlib.run(main)
