#!/usr/bin/env python3
"""The gonative benchmark (issue 4).  Run it through bench/run.sh.

    python3 bench/bench.py --gonative BIN --mirror DIR --work DIR
                           [--runs N] [--disk DIR] [--md FILE] [--json FILE]

Every figure is the median of --runs runs; its baseline is measured in the
same run, interleaved with it (baseline, gonative, baseline, gonative, ...)
so that the noise of a shared machine hits both alike.  Peak RSS comes from
wait4()'s rusage, the number `/usr/bin/time -v` prints as "Maximum resident
set size".

Python 3 stdlib only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
HOST = "linux/amd64"


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- running


class Run:
    """One finished command: wall seconds, peak RSS in KiB, user/sys seconds."""

    def __init__(self, wall, rss_kib, utime, stime, rc, stderr, stdout):
        self.stdout = stdout
        self.wall = wall
        self.rss_kib = rss_kib
        self.utime = utime
        self.stime = stime
        self.rc = rc
        self.stderr = stderr


# Peak RSS through GNU time.  A child forked from this Python process keeps
# Python's high-water mark across exec (Linux records the old mm's peak in
# the process's maxrss), so wait4() alone never reports less than ~15-20 MB.
# /usr/bin/time is small: the command it forks reports its own peak.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run(argv, cwd=None, env=None, capture=False, check=True):
    """Run argv, timing it from fork to reap, with the child's rusage."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out, \
            tempfile.NamedTemporaryFile() as peak:
        wrapped = ([GNU_TIME, "-q", "-f", "%M", "-o", peak.name, "--"] if GNU_TIME else []) + \
            list(argv)
        t0 = time.perf_counter()
        p = subprocess.Popen(wrapped, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out if capture else subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        rss = ru.ru_maxrss
        if GNU_TIME:
            peak.seek(0)
            lines = peak.read().decode("ascii", "replace").split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else rss
    r = Run(wall, rss, ru.ru_utime, ru.ru_stime, p.returncode, text, stdout)
    if check and r.rc != 0:
        cmd = argv if isinstance(argv, str) else " ".join(shlex.quote(a) for a in argv)
        raise BenchError("command failed (exit %d): %s\n%s" % (r.rc, cmd, text))
    return r


def spawn(argv, env=None):
    """For short commands (P3a, P9): posix_spawn, output to /dev/null, timed
    from spawn to reap.  Popen's own set-up costs about a millisecond of
    Python, which would blur a 2 ms figure; this costs a few µs."""
    exe = argv[0] if os.path.isabs(argv[0]) else shutil.which(argv[0])
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(exe, argv, env if env is not None else os.environ,
                         file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise BenchError("command failed (exit %d): %s" % (rc, " ".join(argv)))
    return Run(wall, ru.ru_maxrss, ru.ru_utime, ru.ru_stime, rc, "", "")


def sh(script, **kw):
    return run(["bash", "-c", "set -euo pipefail\n" + script], **kw)


def rm(*paths):
    for p in paths:
        if os.path.islink(p) or os.path.isfile(p):
            os.unlink(p)
        elif os.path.isdir(p):
            shutil.rmtree(p)


def median(xs):
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- setup


class Server:
    """bench/serve.py on 127.0.0.1; with rate (bytes/s), a throttled link."""

    def __init__(self, root, work, rate=None, name="server"):
        self.root = root
        self.rate = rate
        self.port_file = os.path.join(work, name + ".port")
        self.log_path = os.path.join(work, name + ".log")
        self.proc = None
        self.url = None

    def __enter__(self):
        rm(self.port_file)
        self.log = open(self.log_path, "wb")
        argv = [sys.executable, os.path.join(HERE, "serve.py"), self.root, self.port_file]
        if self.rate:
            argv.append(str(self.rate))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("bench/serve.py did not start")
            time.sleep(0.02)
        with open(self.port_file, encoding="ascii") as f:
            self.url = "http://127.0.0.1:%d/" % int(f.read())
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()
        return False


def load_mirror(mirror, version=None):
    """(version, {platform: (file, sha256, size)}) of a release (default: the first)."""
    with open(os.path.join(mirror, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    rel = index[0]
    for r in index:
        if version and r["version"] in (version, "go" + version):
            rel = r
    files = {}
    for fi in rel["files"]:
        if fi.get("kind") != "archive":
            continue
        arch = "arm" if fi["arch"] == "armv6l" else fi["arch"]
        files["%s/%s" % (fi["os"], arch)] = (fi["filename"], fi["sha256"], fi["size"])
    return rel["version"], files


def serve_root(work, mirror, big_index, extra=()):
    """A folder the server serves: the mirror's files (symlinked), bigindex.json,
    each archive's <file>.sha256 (hex, no newline: what mise reads), and each
    extra mirror (name, dir) in a subfolder."""
    root = os.path.join(work, "www")
    rm(root)
    os.makedirs(root)

    def link_mirror(src, dst):
        for name in os.listdir(src):
            if name.startswith("."):
                continue
            os.symlink(os.path.join(os.path.realpath(src), name), os.path.join(dst, name))
        with open(os.path.join(src, "index.json"), encoding="utf-8") as f:
            for rel in json.load(f):
                for fi in rel["files"]:
                    with open(os.path.join(dst, fi["filename"] + ".sha256"), "w",
                              encoding="ascii") as side:
                        side.write(fi["sha256"])

    link_mirror(mirror, root)
    for name, src in extra:
        os.makedirs(os.path.join(root, name))
        link_mirror(src, os.path.join(root, name))
    shutil.copy(big_index, os.path.join(root, "bigindex.json"))
    return root


class Trash:
    """Where dropped trees go.  On tmpfs they are deleted at once.  On ext4
    without a journal (this VM's disk) the inode allocator skips inodes freed
    in the last 60-360 s, one inode-table read each, so creating 13k files
    right after deleting 13k costs seconds of CPU in find_inode_bit: a
    benchmark artifact that any extractor pays.  On disk, trees are renamed
    aside and deleted once all disk figures are done."""

    def __init__(self, base, keep):
        self.dir = os.path.join(base, ".trash")
        self.keep = keep
        self.n = 0
        os.makedirs(self.dir, exist_ok=True)

    def drop(self, path):
        if not os.path.lexists(path):
            return
        if not self.keep:
            rm(path)
            return
        self.n += 1
        os.rename(path, os.path.join(self.dir, "%d" % self.n))

    def empty(self):
        subprocess.run(["rm", "-rf", "--one-file-system", self.dir], check=True)


class Project:
    """A project folder: gonative.yaml (+ lock), its own cache and install."""

    def __init__(self, gonative, base, name, version, platforms, index_url, mirror_url,
                 cache=None, trash=None):
        self.trash = trash or Trash(base, False)
        self.gonative = gonative
        self.dir = os.path.join(base, name)
        self.cache = cache or os.path.join(base, name + ".cache")
        self.install = os.path.join(self.dir, "go")
        rm(self.dir)
        os.makedirs(self.dir)
        plats = "[%s]" % ", ".join(platforms)
        with open(os.path.join(self.dir, "gonative.yaml"), "w", encoding="utf-8") as f:
            f.write('go: "%s"\nhosts: [%s]\nplatforms: %s\nindex: %s\nmirrors: [%s]\n'
                    "install: go\n" % (version, HOST, plats, index_url, mirror_url))
        self.env = dict(os.environ, GONATIVE_CACHE=self.cache, NO_COLOR="1")

    def cmd(self, *args):
        return [self.gonative, "-C", self.dir, "--cache-dir", self.cache, "-q"] + list(args)

    def run(self, *args, check=True):
        return run(self.cmd(*args), env=self.env, check=check)

    def drop_cache(self):
        self.trash.drop(self.cache)

    def drop_install(self):
        for suffix in ("", ".state", ".flock"):
            self.trash.drop(self.install + suffix)
        parent = os.path.dirname(self.install)
        for name in os.listdir(parent):
            if name.startswith("go.stage-"):
                self.trash.drop(os.path.join(parent, name))

    def lock_tree(self):
        with open(os.path.join(self.dir, "gonative.lock"), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith(HOST + ":"):
                    return line.split(":", 1)[1].strip()
        raise BenchError("no goroot for %s in %s/gonative.lock" % (HOST, self.dir))


class Mise:
    """mise, the version manager people pick instead, pointed at the same
    loopback mirror.  Everything it keeps is under home; it lists Go versions
    with `git ls-remote` of repo (a local repository with the release tags),
    downloads $MISE_GO_DOWNLOAD_MIRROR/<file> and checks <file>.sha256.  Its
    versions host and update checks are off, and every proxy variable points
    at a closed port with only loopback exempt, so it cannot reach past this
    machine even by mistake."""

    def __init__(self, exe, base, mirror_url, versions):
        self.exe = exe
        self.home = os.path.join(base, "mise")
        self.repo = os.path.join(base, "mise-go.git")
        rm(self.home, self.repo)
        os.makedirs(self.home)
        genv = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=self.home,
                    GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b",
                    GIT_COMMITTER_EMAIL="b@b")
        run(["git", "init", "-q", self.repo], env=genv)
        run(["git", "-C", self.repo, "commit", "-q", "--allow-empty", "-m", "go"], env=genv)
        for v in versions:
            run(["git", "-C", self.repo, "tag", v if v.startswith("go") else "go" + v], env=genv)
        d = lambda *p: os.path.join(self.home, *p)
        closed = "http://127.0.0.1:9"
        self.env = {
            "PATH": "/usr/bin:/bin", "HOME": d(), "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": d("xdg-config"), "XDG_CACHE_HOME": d("xdg-cache"),
            "XDG_DATA_HOME": d("xdg-data"), "XDG_STATE_HOME": d("xdg-state"),
            "MISE_DATA_DIR": d("data"), "MISE_CACHE_DIR": d("cache"),
            "MISE_CONFIG_DIR": d("config"), "MISE_STATE_DIR": d("state"),
            "MISE_GLOBAL_CONFIG_FILE": d("config", "config.toml"),
            "MISE_GO_DOWNLOAD_MIRROR": mirror_url.rstrip("/"), "MISE_GO_REPO": self.repo,
            "MISE_USE_VERSIONS_HOST": "false", "MISE_USE_VERSIONS_HOST_TRACK": "false",
            "MISE_AUTO_UPDATE": "false", "MISE_YES": "1",
            # Keep the archive, as gonative's cache does: the "new install
            # folder, warm cache" row needs it.
            "MISE_ALWAYS_KEEP_DOWNLOAD": "true",
            "http_proxy": closed, "https_proxy": closed, "all_proxy": closed,
            "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "ALL_PROXY": closed,
            "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
            "GIT_CONFIG_NOSYSTEM": "1",
        }

    def install(self, version):
        return run([self.exe, "install", "go@" + version.replace("go", "", 1)], cwd=self.home,
                   env=self.env)

    def installed(self, version):
        return os.path.join(self.env["MISE_DATA_DIR"], "installs", "go",
                            version.replace("go", "", 1))

    def drop_all(self):
        for k in ("MISE_DATA_DIR", "MISE_CACHE_DIR", "MISE_STATE_DIR"):
            rm(self.env[k])

    def drop_install(self):
        """The installed tree, not the kept download nor the version cache."""
        rm(os.path.join(self.env["MISE_DATA_DIR"], "installs"),
           os.path.join(self.env["MISE_DATA_DIR"], "shims"))


def archives_in(cache):
    """How many archives a run fetched: builder/cache.h's archives/<sha256>."""
    d = os.path.join(cache, "archives")
    return len(os.listdir(d)) if os.path.isdir(d) else 0


def statprobe(tree, base):
    """bench/statprobe.c over tree: µs per pass of one stat per entry, by
    method (path, dirfd, statx, 2 and 4 threads).  None without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    exe = os.path.join(base, "statprobe")
    subprocess.run([cc, "-O2", "-o", exe, os.path.join(HERE, "statprobe.c"), "-lpthread"],
                   check=True)
    out = subprocess.run([exe, tree, "15"], capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        method, us, n = line.split()
        res[method] = float(us) / 1e6
        res["entries"] = int(n)
    return res


def tree_bytes(path):
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            st = os.lstat(os.path.join(dirpath, n))
            total += st.st_size
            files += 1
    return total, files


def inflate_cmd(path):
    """The plain single-threaded inflate of one archive, to /dev/null."""
    if path.endswith(".zip"):
        return ["unzip", "-p", "-qq", path]
    return ["gzip", "-dc", path]


# ---------------------------------------------------------------- profile

# Where a cold sync's CPU goes, by symbol (perf report --sort dso,sym).
# First match wins; the kernel's own buckets come before "kernel, other".
PROFILE_BUCKETS = [
    ("inflate (ISA-L / zlib)", r"isal|inflate|decode_huffman|huff|adler|crc32"),
    ("sha256 (OpenSSL; libsodium for small inputs)", r"(?i)^libcrypto|^libsodium|sha256|sha2|"
     r"ossl_sha|sha_block"),
    ("libarchive (tar/zip parsing, write_disk)", r"^libarchive"),
    ("fsync / syncfs", r"\[k\] .*(sync_|fsync|writeback|jbd2|ext4_sync)"),
    ("kernel: writing file pages (copy, page allocation, tmpfs/ext4 write)",
     r"\[k\] .*(copy_user|rep_movs|clear_page|shmem_|generic_perform_write|filemap_|folio|"
     r"memcg|lru|alloc_pages|get_page_from_freelist|rmqueue|ext4_da_write|ext4_|iomap_|"
     r"charge|__memcpy|memset_orig)"),
    ("kernel: file creation, path lookup, metadata",
     r"\[k\] .*(open|lookup|d_alloc|d_lookup|inode|dentry|namei|link_path|walk_component|"
     r"do_mkdir|mkdir|unlink|rename|utimes|stat|security_|selinux|apparmor|getattr|"
     r"permission|strncpy_from_user|kmem_cache|slab)"),
    ("kernel: network (loopback TCP)", r"\[k\] .*(tcp_|skb|__dev_queue|net_rx|ip_|loopback|"
     r"sock|softirq|napi)"),
    ("kernel: other (syscall entry, scheduling, page faults)", r"\[k\] "),
    ("dynamic loader (start-up, dlopen)", r"^ld-linux"),
    ("libcurl / TLS", r"^lib(curl|ssl|nghttp2|gnutls)"),
    ("libc (memcpy, malloc, string)", r"^libc[.-]"),
    ("gonative's own code", r"^gonative"),
    ("other", r"."),
]


def profile_cold(p, data):
    """perf record one cold `sync --frozen`; returns [(bucket, share)] or None."""
    if not shutil.which("perf"):
        return None
    p.drop_cache()
    p.drop_install()
    r = subprocess.run(["perf", "record", "-q", "-F", "2999", "-o", data, "--"] +
                       p.cmd("sync", "--frozen"), env=p.env, capture_output=True)
    if r.returncode != 0:
        return None
    rep = subprocess.run(["perf", "report", "-i", data, "--sort", "dso,sym", "--stdio"],
                         capture_output=True, text=True)
    shares = {name: 0.0 for name, _ in PROFILE_BUCKETS}
    for line in rep.stdout.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+(\[[.k]\])\s+(.*)$", line)
        if not m:
            continue
        pct = float(m.group(1))
        key = "%s %s %s" % (m.group(2), m.group(3), m.group(4))
        for name, rx in PROFILE_BUCKETS:
            if re.search(rx, key):
                shares[name] += pct
                break
    rm(data, data + ".old")
    return [(name, shares[name]) for name, _ in PROFILE_BUCKETS if shares[name] >= 0.05]


# ---------------------------------------------------------------- figures


class Bench:
    def __init__(self, a):
        self.a = a
        self.runs = a.runs
        self.results = {}  # key -> dict
        self.rss = []      # (what, KiB)
        self.trash = None  # set per storage
        self.mise = None   # Mise, when --mise

    def log(self, msg):
        print("bench: " + msg, file=sys.stderr, flush=True)

    def sample(self, key, n, gn, bl=None, before=None, rss=True, **extra):
        """n x (bl(); before(); gn()), interleaved.  gn returns a Run; bl a Run
        or a list of Runs (summed).  Records medians of wall and CPU time."""
        g, gc, b, bc, grss, brss = [], [], [], [], [], []
        load0 = os.getloadavg()[0]
        for _ in range(n):
            if bl:
                rs = bl()
                rs = rs if isinstance(rs, list) else [rs]
                b.append(sum(r.wall for r in rs))
                bc.append(sum(r.utime + r.stime for r in rs))
                brss.append(max(r.rss_kib for r in rs))
            if before:
                before()
            r = gn()
            g.append(r.wall)
            gc.append(r.utime + r.stime)
            grss.append(r.rss_kib)
            if rss:
                self.rss.append((key, r.rss_kib))
        rec = dict(gonative=median(g), gonative_cpu=median(gc), runs=g, cpu_runs=gc,
                   baseline=median(b), baseline_cpu=median(bc), baseline_runs=b,
                   baseline_cpu_runs=bc, load=[load0, os.getloadavg()[0]],
                   rss_kib=max(grss) if grss else None, baseline_rss_kib=max(brss) if brss else None)
        rec.update(extra)
        self.record(key, rec)
        return rec

    def record(self, key, kw):
        """Stores kw itself: later updates to it count."""
        self.results[key] = kw
        self.log("%-12s gonative %s (cpu %s)  baseline %s (cpu %s)  load %s" % (
            key, fmt_s(kw.get("gonative")), fmt_s(kw.get("gonative_cpu")),
            fmt_s(kw.get("baseline")), fmt_s(kw.get("baseline_cpu")),
            "/".join("%.1f" % x for x in kw.get("load", []))))

    # P1, P1b, P3b(host) -------------------------------------------------
    def host_only(self, base, srv, version, files, suffix=""):
        hfile, hsha, _ = files[HOST]
        harch = os.path.join(self.a.mirror, hfile)
        p = Project(self.a.gonative, base, "host", version, [], srv.url + "index.json", srv.url,
                    trash=self.trash)
        self.log("locking the host-only project%s" % suffix)
        p.run("lock")
        p.drop_cache()

        def cold():
            p.drop_cache()
            p.drop_install()

        sync = lambda: p.run("sync", "--frozen")
        p1 = self.sample("P1" + suffix, self.runs, sync, bl=lambda: run(inflate_cmd(harch)),
                         before=cold)
        p1["tree_bytes"], p1["tree_files"] = tree_bytes(p.install)
        if suffix:
            # What the disk itself costs: tar xzf of the same archive into it.
            tx = os.path.join(base, "tar-x")

            def tar_x():
                self.trash.drop(tx)
                os.makedirs(tx)
                return run(["tar", "-xzf", harch, "-C", tx])

            rs = [tar_x() for _ in range(self.runs)]
            self.trash.drop(tx)
            p1["tar_x"] = median([r.wall for r in rs])
            p1["tar_x_cpu"] = median([r.utime + r.stime for r in rs])
        if suffix == "":
            self.floors(base, harch, p1)
            p1["profile"] = profile_cold(p, os.path.join(base, "perf.data"))

        # P3b: a new install folder, warm cache.
        p3b = self.sample("P3b" + suffix, self.runs, sync, before=p.drop_install)
        p3b["baseline"], p3b["baseline_cpu"] = p1["gonative"], p1["gonative_cpu"]

        # P1b: the plain script, ending with the same hash by stock git.
        if suffix == "" or self.a.disk_script:
            tmp = os.path.join(base, "script")
            script = (
                'W=%s; rm -rf "$W"; mkdir -p "$W/x"\n'
                'curl -sSf -o "$W/a.tgz" %s\n'
                'echo "%s  $W/a.tgz" | sha256sum -c --quiet\n'
                'tar xzf "$W/a.tgz" -C "$W/x"\n'
                'cd "$W/x/go" && git init -q --object-format=sha256 && git add -Af && git write-tree\n'
            ) % (shlex.quote(tmp), shlex.quote(srv.url + hfile), hsha)
            trees = []

            def script_run():
                rm(tmp)
                r = run(["bash", "-c", "set -euo pipefail\n" + script], capture=True)
                trees.append("git-sha256:" + r.stdout.strip().splitlines()[-1])
                rm(tmp)
                return r

            p1b = self.sample("P1b" + suffix, self.runs, script_run, rss=False)
            # Here "gonative" is P1's and "baseline" the script's.
            p1b.update(gonative=p1["gonative"], gonative_cpu=p1["gonative_cpu"],
                       baseline=p1b["gonative"], baseline_cpu=p1b["gonative_cpu"],
                       baseline_runs=p1b["runs"], runs=p1["runs"],
                       tree_matches_git=all(t == p.lock_tree() for t in trees))
            self.log("P1b          (above: the script's time; P1 is the gonative column)")
        if suffix == "" and self.mise:
            self.mise_rows(p, self.mise, version)
        if suffix == "":
            if not os.path.isdir(p.install):
                sync()
            self.startup(p)
        p.drop_install()
        p.drop_cache()

    # P2, P3a, P3b(all), P4 ------------------------------------------------
    def all_targets(self, base, srv, version, files, suffix=""):
        targets = [t for t in self.a.targets if t != HOST]
        missing = [t for t in targets + [HOST] if t not in files]
        if missing:
            raise BenchError("the mirror has no archive for %s" % ", ".join(missing))
        archs = [os.path.join(self.a.mirror, files[t][0]) for t in [HOST] + targets]
        p = Project(self.a.gonative, base, "all", version, targets, srv.url + "index.json",
                    srv.url, trash=self.trash)
        self.log("locking the host + %d targets project%s" % (len(targets), suffix))
        p.run("lock")
        p.drop_cache()

        def cold():
            p.drop_cache()
            p.drop_install()

        per_archive = {os.path.basename(x): [] for x in archs}

        def inflate_all():
            rs = []
            for x in archs:
                rs.append(run(inflate_cmd(x)))
                per_archive[os.path.basename(x)].append(rs[-1].utime + rs[-1].stime)
            return rs

        sync = lambda: p.run("sync", "--frozen")
        p2 = self.sample("P2" + suffix, self.runs, sync, bl=inflate_all, before=cold)
        size, nfiles = tree_bytes(p.install)
        p2.update(inflate_cpu_per_archive={k: median(v) for k, v in per_archive.items()},
                  archive_bytes=sum(os.path.getsize(x) for x in archs),
                  tree_bytes=size, tree_files=nfiles)

        # P3a: nothing changed, against git's own working-tree check of the
        # same tree.  More runs: it is short.
        diff_files = self.git_index(p.install, base)
        p3a = self.sample("P3a" + suffix, self.runs * 3,
                          lambda: spawn(p.cmd("sync", "--frozen"), env=p.env), bl=diff_files,
                          rss=False)
        p3a["statprobe"] = statprobe(p.install, base)

        # P4: verify vs openssl over the same files.
        openssl = ("cd %s && find . -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null"
                   % shlex.quote(p.install))
        self.sample("P4" + suffix, self.runs, lambda: p.run("verify"), bl=lambda: sh(openssl),
                    rss=False, tree_bytes=size, tree_files=nfiles)

        # P3b over the whole merge: a new install folder, warm cache.
        r = self.sample("P3b-all" + suffix, self.runs, sync, before=p.drop_install)
        r["baseline"], r["baseline_cpu"] = p2["gonative"], p2["gonative_cpu"]
        return p

    # Floors of P1 (issue 14) ---------------------------------------------
    def floors(self, base, harch, p1):
        """What P1's parts cost alone on the same bytes: inflate (igzip, ISA-L:
        the library gonative uses), sha256 (openssl over the archive and the
        whole uncompressed tar: gonative hashes the archive and every blob),
        writing the bytes as one file, and writing them as the tree's files
        (`tar -xf` of the uncompressed tar: no inflate, no hash)."""
        tar = os.path.join(base, "host.tar")
        out = os.path.join(base, "floor-out")
        tx = os.path.join(base, "floor-x")
        sh("igzip -dc %s > %s" % (shlex.quote(harch), shlex.quote(tar)))

        def write_bytes():
            rm(out)
            return sh("cat %s > %s" % (shlex.quote(tar), shlex.quote(out)))

        def write_files():
            self.trash.drop(tx)
            os.makedirs(tx)
            return run(["tar", "-xf", tar, "-C", tx])

        fl = {"tar_bytes": os.path.getsize(tar), "archive_bytes": os.path.getsize(harch)}
        for key, fn in [("igzip", lambda: run(["igzip", "-dc", harch])),
                        ("sha256", lambda: run(["openssl", "dgst", "-sha256", harch, tar])),
                        ("write", write_bytes), ("tar-x", write_files)]:
            rs = [fn() for _ in range(self.runs)]
            fl[key] = median([r.wall for r in rs])
            fl[key + "_cpu"] = median([r.utime + r.stime for r in rs])
        rm(tar, out)
        self.trash.drop(tx)
        p1["floors"] = fl
        self.log("floors       igzip %s  sha256 %s  write %s  tar -x %s" % (
            fmt_s(fl["igzip"]), fmt_s(fl["sha256"]), fmt_s(fl["write"]), fmt_s(fl["tar-x"])))

    # P8: mise, cold / new folder / warm; P9: start-up ---------------------
    def mise_rows(self, p, mise, version):
        sync = lambda: p.run("sync", "--frozen")
        mise.drop_all()
        mise.install(version)
        if not os.path.isfile(os.path.join(mise.installed(version), "bin", "go")):
            raise BenchError("mise install did not install %s" % mise.installed(version))

        def mise_cold():
            mise.drop_all()
            return mise.install(version)

        def cold():
            p.drop_cache()
            p.drop_install()

        def mise_new_folder():
            mise.drop_install()
            return mise.install(version)

        self.sample("P8", self.runs, sync, bl=mise_cold, before=cold)
        self.sample("P8n", self.runs, sync, bl=mise_new_folder, before=p.drop_install)
        # Both installed now: a second install / sync.
        self.sample("P8w", self.runs * 3, sync, bl=lambda: mise.install(version))

    def startup(self, p):
        """P9: process start, against git's."""
        n = self.runs * 20
        git = [shutil.which("git"), "--version"]
        self.sample("P9v", n, lambda: spawn([self.a.gonative, "--version"]),
                    bl=lambda: spawn(git), rss=False)
        self.sample("P9e", n, lambda: spawn(p.cmd("env"), env=p.env),
                    bl=lambda: spawn(git), rss=False)

    def git_index(self, tree, base):
        """git's own working-tree check over tree: an index that records every
        file (its blobs hashed, no objects written), refreshed, then
        `git diff-files --quiet`, which lstat()s every entry as a warm sync
        does (core.preloadIndex: in parallel threads).  The repository sits
        outside the tree, so the sync does not see it."""
        gd = os.path.join(base, "tree.git")
        rm(gd)
        env = dict(os.environ, GIT_DIR=gd, GIT_WORK_TREE=tree, GIT_CONFIG_NOSYSTEM="1",
                   HOME=base)
        run(["git", "init", "-q"], env=env)
        sh("cd %s && find . -mindepth 1 \\( -type f -o -type l \\) -printf '%%P\\0' | "
           "git update-index -z --add --info-only --stdin" % shlex.quote(tree), env=env)
        run(["git", "update-index", "-q", "--refresh"], env=env)
        argv = [shutil.which("git"), "diff-files", "--quiet"]
        spawn(argv, env)
        return lambda: spawn(argv, env)

    # P7: a throttled link ------------------------------------------------
    def link(self, base, root, version, files):
        targets = [t for t in ("linux/arm64", "windows/amd64") if t in files]
        plats = [HOST] + targets
        with Server(root, self.a.work, rate=self.a.rate, name="link") as slow:
            p = Project(self.a.gonative, base, "link", version, targets,
                        slow.url + "index.json", slow.url, trash=self.trash)
            self.log("locking the link project (%s)" % ", ".join(plats))
            p.run("lock")
            names = [files[t][0] for t in plats]
            curl = ["curl", "-sS", "--fail", "--parallel"]
            for n in names:
                curl += ["-o", os.devnull, slow.url + n]

            def cold():
                p.drop_cache()
                p.drop_install()

            self.sample("P7", self.runs, lambda: p.run("sync", "--frozen"),
                        bl=lambda: run(curl), before=cold, rate=self.a.rate,
                        bytes=sum(files[t][2] for t in plats), platforms=plats)
            p.drop_install()
            p.drop_cache()

    # Go >= 1.21 shape, 5 platforms; 200k entries ---------------------------
    def modern(self, base, srv, mise_exe):
        mirror = self.a.modern_mirror
        version, files = load_mirror(mirror)
        targets = [t for t in self.a.targets if t != HOST]
        url = srv.url + "modern/"
        p = Project(self.a.gonative, base, "modern", version, targets, url + "index.json", url,
                    trash=self.trash)
        harch = os.path.join(mirror, files[HOST][0])
        gz = lambda: run(inflate_cmd(harch))
        lock = os.path.join(p.dir, "gonative.lock")

        def fresh():
            p.drop_cache()
            p.drop_install()
            rm(lock)

        def cold():
            p.drop_cache()
            p.drop_install()

        self.log("Go >= 1.21 shape: %s, host + %d targets" % (version, len(targets)))
        r = self.sample("M-lock", self.runs, lambda: p.run("lock"), bl=gz, before=fresh,
                        rss=False)
        r["archives_fetched"] = archives_in(p.cache)
        r = self.sample("M-sync", self.runs, lambda: p.run("sync", "--frozen"), bl=gz,
                        before=cold)
        r["archives_fetched"] = archives_in(p.cache)
        r["tree_bytes"], r["tree_files"] = tree_bytes(p.install)
        if mise_exe:
            mise = Mise(mise_exe, base, url, [version])
            mise.install(version)

            def mise_cold():
                mise.drop_all()
                return mise.install(version)

            self.sample("M-mise", self.runs, lambda: p.run("sync", "--frozen"), bl=mise_cold,
                        before=cold)
            mise.drop_all()
        p.drop_install()
        p.drop_cache()

    def big(self, base, srv):
        mirror = self.a.big_mirror
        version, files = load_mirror(mirror)
        url = srv.url + "big/"
        p = Project(self.a.gonative, base, "big200k", version, [], url + "index.json", url,
                    trash=self.trash)
        self.log("locking the 200k-entry project")
        p.run("lock")
        harch = os.path.join(mirror, files[HOST][0])
        tx = os.path.join(base, "big-x")

        def tar_x():
            self.trash.drop(tx)
            os.makedirs(tx)
            return run(["tar", "-xzf", harch, "-C", tx])

        def cold():
            p.drop_cache()
            p.drop_install()

        r = self.sample("BIG", min(self.runs, 3), lambda: p.run("sync", "--frozen"), bl=tar_x,
                        before=cold)
        r["tree_bytes"], r["tree_files"] = tree_bytes(p.install)
        self.trash.drop(tx)
        p.drop_install()
        p.drop_cache()

    def lock_big(self, base, srv, version, warm):
        """P6: lock against a ~2 MB index; the lock exists and is current."""
        targets = [t for t in self.a.targets if t != HOST]
        p = Project(self.a.gonative, base, "big", version, targets,
                    srv.url + "bigindex.json", srv.url, cache=warm.cache)
        idx = os.path.join(srv.root, "bigindex.json")
        # First lock: resolves and hashes the merged GOROOT from the warm cache.
        first = p.run("lock")
        self.record("P6-first", dict(gonative=first.wall, gonative_cpu=first.utime + first.stime))
        curl = ["curl", "-sSf", "-o", "/dev/null", srv.url + "bigindex.json"]
        self.sample("P6", self.runs * 2, lambda: p.run("lock"), bl=lambda: run(curl),
                    rss=False, index_bytes=os.path.getsize(idx))
        # Parse-only reference: Python's json over the same bytes, in a fresh process.
        pyjson = [sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1]))", idx]
        self.sample("P6-offline", self.runs * 2, lambda: p.run("lock", "--offline"),
                    bl=lambda: run(pyjson), rss=False)
        self.sample("spawn", self.runs * 2, lambda: p.run("--version"),
                    bl=lambda: run(["true"]), rss=False)


def fmt_s(x):
    if x is None:
        return "—"
    if x < 1:
        return "%.1f ms" % (x * 1000)
    return "%.2f s" % x


def fmt_ratio(x):
    return "—" if x is None else "%.2f×" % x


# ---------------------------------------------------------------- table


def rows(res, rss, suffix=""):
    """Markdown rows for one storage (tmpfs, or disk with suffix)."""
    out = []

    def ratio(key, num=None, den=None):
        r = res.get(key)
        if not r:
            return None
        num = r["gonative"] if num is None else num
        den = r["baseline"] if den is None else den
        return num / den if num is not None and den else None

    def add(fig, what, gn, bl, ratio_, target, met):
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            fig, what, gn, bl, fmt_ratio(ratio_), target,
            "—" if met is None else ("yes" if met else "**no**")))

    s = suffix
    tag = " (disk)" if s else ""
    if "P1" + s in res:
        r = res["P1" + s]
        q = ratio("P1" + s)
        add("P1" + tag, "cold sync, host only, loopback HTTP; baseline `gzip -dc host.tar.gz`",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 0.40×", q <= 0.40)
    if s and res.get("P1" + s, {}).get("tar_x"):
        r = res["P1" + s]
        add("P1t" + tag, "reference: `tar xzf host.tar.gz` into the same disk folder (no "
            "download, no hashing, no fsync)", fmt_s(r["gonative"]), fmt_s(r["tar_x"]),
            r["gonative"] / r["tar_x"], "report", None)
    if "P1b" + s in res:
        r = res["P1b" + s]
        q = ratio("P1b" + s)
        add("P1b" + tag, "P1 vs curl + sha256sum -c + tar xzf + git add/write-tree"
            " (same tree id: %s)" % ("yes" if r.get("tree_matches_git") else "NO"),
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "report", None)
    if "P2" + s in res:
        r = res["P2" + s]
        q = ratio("P2" + s)
        add("P2" + tag, "cold sync, host + 5 targets; baseline Σ inflate of the 6 archives",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 0.65×", q <= 0.65)
    if "P3a" + s in res:
        r = res["P3a" + s]
        q = ratio("P3a" + s)
        add("P3a" + tag, "warm sync, nothing changed; baseline `git diff-files --quiet` "
            "over the same tree (an index of every file, refreshed)",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 1.0×", q <= 1.0)
    if "P3b" + s in res:
        r = res["P3b" + s]
        q = ratio("P3b" + s)
        add("P3b" + tag, "sync into a new install folder, warm cache; baseline P1",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 0.15×", q <= 0.15)
    if "P3b-all" + s in res:
        r = res["P3b-all" + s]
        q = ratio("P3b-all" + s)
        add("P3b′" + tag, "the same for host + 5 targets; baseline P2",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "(≤ 0.15×)", q <= 0.15)
    if "P4" + s in res:
        r = res["P4" + s]
        q = ratio("P4" + s)
        add("P4" + tag, "`verify` of the merged tree (%.0f MB, %d files); baseline "
            "`openssl dgst -sha256` over its files" % (r["tree_bytes"] / 1e6, r["tree_files"]),
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 1.2×", q <= 1.2)
    if s == "" and rss:
        peak = max(rss, key=lambda x: x[1])
        add("P5", "peak RSS of any sync (GNU time's %%M of the command itself), in %s" % peak[0],
            "%.1f MB" % (peak[1] / 1024), "—", None, "≤ 64 MB", peak[1] / 1024 <= 64)
    if s == "" and "P6" in res:
        r = res["P6"]
        add("P6", "`lock`, lock current, %.1f MB index over loopback; baseline `curl` of "
            "the index" % (r["index_bytes"] / 1e6), fmt_s(r["gonative"]), fmt_s(r["baseline"]),
            ratio("P6"), "≤ 50 ms", r["gonative"] <= 0.050)
        r = res["P6-offline"]
        add("P6b", "`lock --offline` (index from the cache: parse + resolve); baseline "
            "`python3 -c json.load`", fmt_s(r["gonative"]), fmt_s(r["baseline"]),
            ratio("P6-offline"), "(≤ 50 ms)", r["gonative"] <= 0.050)
        if "P6-first" in res:
            add("P6c", "first `lock` (no lock; hashes the merged GOROOT from a warm cache), "
                "1 run", fmt_s(res["P6-first"]["gonative"]), "—", None, "report", None)
    if s == "":
        out += peer_rows(res, add, ratio)
    return out


def fmt_mb(kib):
    return "—" if kib is None else "%.1f MB" % (kib / 1024)


def peer_rows(res, add, ratio):
    """Issue 14: what users wait for, each against its peer or floor."""
    out = []
    if "P7" in res:
        r = res["P7"]
        q = ratio("P7")
        add("P7", "cold sync, %s, over a link throttled to %.0f MB/s (`bench/serve.py` paces "
            "its writes); baseline `curl --parallel -o /dev/null` of the same %.0f MB from "
            "the same server" % (" + ".join(r["platforms"]), r["rate"] / 1e6, r["bytes"] / 1e6),
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 1.10×", q <= 1.10)
    if "P8" in res:
        r = res["P8"]
        q = ratio("P8")
        add("P8", "cold sync, host only; baseline `mise install go@…` from the same "
            "loopback mirror (tmpfs), cold", fmt_s(r["gonative"]), fmt_s(r["baseline"]), q,
            "≤ 0.50×", q <= 0.50)
        add("P8m", "peak RSS of the same cold runs; baseline mise's",
            fmt_mb(r.get("rss_kib")), fmt_mb(r.get("baseline_rss_kib")),
            r["rss_kib"] / r["baseline_rss_kib"] if r.get("baseline_rss_kib") else None,
            "report", None)
    if "P8n" in res:
        r = res["P8n"]
        add("P8n", "new install folder, warm cache; baseline mise with its download kept "
            "(`MISE_ALWAYS_KEEP_DOWNLOAD`) and its install removed", fmt_s(r["gonative"]),
            fmt_s(r["baseline"]), ratio("P8n"), "report", None)
    if "P8w" in res:
        r = res["P8w"]
        add("P8w", "warm sync (stats every file); baseline a second `mise install` (checks "
            "that the folder exists, not its files)", fmt_s(r["gonative"]),
            fmt_s(r["baseline"]), ratio("P8w"), "report", None)
    for key, what in (("P9v", "`gonative --version`"), ("P9e", "`gonative env` (warm project)")):
        if key in res:
            r = res[key]
            q = ratio(key)
            add(key, "%s; baseline `git --version` (posix_spawn to reap)" % what,
                fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 2×", q <= 2.0)
    if "M-lock" in res:
        r = res["M-lock"]
        add("M1", "Go ≥ 1.21 shape (no pkg/<os>_<arch>, no folder entries), host + 5 "
            "platforms: first `lock`, cold cache (%d archive(s) fetched); baseline `gzip -dc` "
            "of its host archive" % r.get("archives_fetched", -1), fmt_s(r["gonative"]),
            fmt_s(r["baseline"]), ratio("M-lock"), "report", None)
    if "M-sync" in res:
        r = res["M-sync"]
        add("M2", "the same: cold `sync --frozen` (%d archive(s) fetched, %d files); baseline "
            "`gzip -dc`" % (r.get("archives_fetched", -1), r.get("tree_files", 0)),
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), ratio("M-sync"), "report", None)
    if "M-mise" in res:
        r = res["M-mise"]
        add("M3", "the same cold sync; baseline `mise install` of that release",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), ratio("M-mise"), "(≤ 0.50×)",
            ratio("M-mise") <= 0.50)
    if "BIG" in res:
        r = res["BIG"]
        add("P5b", "peak RSS of a cold sync of a %d-entry host archive (%.0f MB); baseline "
            "`tar -xzf` of it" % (r.get("tree_files", 0), r.get("tree_bytes", 0) / 1e6),
            fmt_mb(r.get("rss_kib")), fmt_mb(r.get("baseline_rss_kib")),
            r["rss_kib"] / r["baseline_rss_kib"] if r.get("baseline_rss_kib") else None,
            "≤ 64 MB", r["rss_kib"] / 1024 <= 64)
        add("P5t", "its wall time; baseline `tar -xzf`", fmt_s(r["gonative"]),
            fmt_s(r["baseline"]), ratio("BIG"), "report", None)
    return out


def floor_rows(res):
    """P1 against what each of its parts costs alone on the same bytes."""
    p1 = res.get("P1", {})
    fl = p1.get("floors")
    if not fl:
        return []
    g, gc = p1["gonative"], p1["gonative_cpu"]
    items = [
        ("`gzip -dc` (zlib inflate)", p1["baseline"], p1["baseline_cpu"]),
        ("`igzip -dc` (ISA-L inflate, gonative's)", fl["igzip"], fl["igzip_cpu"]),
        ("`openssl dgst -sha256` of the archive and the uncompressed tar (%.0f + %.0f MB)" % (
            fl["archive_bytes"] / 1e6, fl["tar_bytes"] / 1e6), fl["sha256"], fl["sha256_cpu"]),
        ("writing the bytes: `cat host.tar > file`", fl["write"], fl["write_cpu"]),
        ("writing the files: `tar -xf host.tar` (no inflate)", fl["tar-x"], fl["tar-x_cpu"]),
    ]
    total = fl["igzip"] + fl["sha256"] + fl["tar-x"]
    total_cpu = fl["igzip_cpu"] + fl["sha256_cpu"] + fl["tar-x_cpu"]
    items.append(("Σ igzip + sha256 + `tar -xf`", total, total_cpu))
    out = ["", "Floors of P1 (cold host-only sync: %s wall, %s CPU), each measured alone on "
           "the same bytes:" % (fmt_s(g), fmt_s(gc)), "",
           "| floor | wall | CPU | P1 / floor (wall) | P1 / floor (CPU) |", "|---|---|---|---|---|"]
    for what, w, c in items:
        out.append("| %s | %s | %s | %s | %s |" % (what, fmt_s(w), fmt_s(c),
                                                   fmt_ratio(g / w if w else None),
                                                   fmt_ratio(gc / c if c else None)))
    return out


CPU_ROWS = [
    ("P1", "cold sync, host only"), ("P1b", "P1 vs the plain script"),
    ("P2", "cold sync, host + 5 targets"), ("P3a", "warm sync"),
    ("P3b", "new install folder, warm cache (vs P1)"),
    ("P3b-all", "the same, host + 5 targets (vs P2)"), ("P4", "verify"),
    ("P6", "lock, lock current"), ("P6-offline", "lock --offline"),
    ("spawn", "`gonative --version` vs `true`: process start"),
    ("P7", "cold sync over a 50 MB/s link vs curl"), ("P8", "cold sync vs mise install"),
    ("P8n", "new folder, warm cache, vs mise"), ("P8w", "warm sync vs mise, installed"),
    ("P9v", "`--version` vs `git --version`"), ("P9e", "`env` vs `git --version`"),
    ("M-lock", "Go ≥ 1.21, first lock vs gzip -dc"), ("M-sync", "Go ≥ 1.21, cold sync vs gzip -dc"),
    ("M-mise", "Go ≥ 1.21, cold sync vs mise"), ("BIG", "200k entries, cold sync vs tar -xzf"),
]


def cpu_rows(res, suffix=""):
    out = []
    for key, what in CPU_ROWS:
        r = res.get(key + suffix)
        if not r or r.get("gonative_cpu") is None:
            continue
        g, b = r.get("gonative_cpu"), r.get("baseline_cpu")
        out.append("| %s%s | %s | %s | %s | %s | %s |" % (
            key, " (disk)" if suffix else "", what, fmt_s(g), fmt_s(b),
            fmt_ratio(g / b if b else None),
            "/".join("%.1f" % x for x in r.get("load", []))))
    return out


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    rev = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", SRC, "status", "--porcelain", "--", "builder", "gn",
                            "lockfiles", "manifest", "cmd"], capture_output=True,
                           text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "commit": rev + ("+dirty" if dirty else ""),
    }


def fstype(path):
    r = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", path], capture_output=True,
                       text=True)
    if not r.stdout.strip():
        r = subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True)
    lines = r.stdout.strip().splitlines()
    return lines[0] if lines else "?"


def render(res, rss, meta, disk):
    lines = [
        "# gonative benchmark results",
        "",
        "%s · %s · %d cores (shared, noisy) · Linux %s · gonative %s · Go %s · "
        "median of %d runs" % (meta["date"], meta["cpu"], meta["cores"], meta["kernel"],
                               meta["commit"], meta["go"], meta["runs"]),
        "",
        "Work folder: `%s` (%s)%s." % (meta["work"], meta["work_fs"],
                                       "; disk rows: `%s` (%s)" % (meta["disk"], meta["disk_fs"])
                                       if disk else ""),
        "",
    ]
    if meta.get("kept"):
        lines += ["Not measured in this run (`--only`), kept from the run of %s (gonative %s): "
                  "%s." % (meta["kept"]["date"], meta["kept"]["commit"],
                           ", ".join(meta["kept"]["figures"])), ""]
    lines += [
        "| figure | what | gonative | baseline | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += rows(res, rss)
    if disk:
        lines += rows(res, rss, suffix="-disk")
    lines += [
        "",
        "CPU time (user + sys of the process and its children, median): steadier than wall",
        "time when other jobs share the 2 cores.  load = 1-min load average before/after.",
        "",
        "| figure | what | gonative CPU | baseline CPU | ratio | load |",
        "|---|---|---|---|---|---|",
    ]
    lines += cpu_rows(res)
    if disk:
        lines += cpu_rows(res, suffix="-disk")
    probe = res.get("P3a", {}).get("statprobe")
    if probe:
        lines += ["", "P3a's floor, measured: one stat of each of the tree's %d entries in one "
                  "process (bench/statprobe.c, median of 15 passes, dentries cached): %s.  "
                  "The warm sync took %s wall, %s CPU; `git diff-files` %s." % (
                      probe["entries"], ", ".join("%s %s" % (m, fmt_s(probe[m])) for m in
                                                  ("path", "dirfd", "statx", "dirfd-2t",
                                                   "dirfd-4t") if m in probe),
                      fmt_s(res["P3a"]["gonative"]), fmt_s(res["P3a"]["gonative_cpu"]),
                      fmt_s(res["P3a"]["baseline"]))]
    lines += floor_rows(res)
    prof = res.get("P1", {}).get("profile")
    if prof:
        lines += ["", "Where one cold host-only sync's CPU goes (`perf record` of one run, "
                  "by symbol; bench/bench.py PROFILE_BUCKETS sorts them):", "",
                  "| where | share of CPU samples |", "|---|---|"]
        lines += ["| %s | %.1f %% |" % (name, share) for name, share in prof]
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gonative", required=True)
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--disk", help="also measure P1, P2, P3, P4 with the cache and GOROOT here")
    ap.add_argument("--disk-script", action="store_true", help="also P1b on disk")
    ap.add_argument("--targets", default="linux/arm64,linux/386,darwin/amd64,darwin/arm64,"
                    "windows/amd64")
    ap.add_argument("--release", help="the index release to use (default: the first)")
    ap.add_argument("--only", default="", help="comma list of: host,all,lock (default all)")
    ap.add_argument("--commit", help="what was built, for the results' header")
    ap.add_argument("--mise", help="the mise binary (P8); without it no mise rows")
    ap.add_argument("--rate", type=float, default=50e6, help="P7's link speed, bytes/s")
    ap.add_argument("--md")
    ap.add_argument("--json")
    ap.add_argument("--keep", help="an earlier results.json: its figures that this run does "
                    "not measure (--only) are kept, marked with their run's date and commit")
    a = ap.parse_args()
    a.targets = [t for t in a.targets.split(",") if t]
    a.gonative = os.path.abspath(a.gonative)
    a.mirror = os.path.abspath(a.mirror)
    only = set(x for x in a.only.split(",") if x) or {"host", "all", "lock", "link", "modern",
                                                       "big"}

    b = Bench(a)
    version, files = load_mirror(a.mirror, a.release)
    os.makedirs(a.work, exist_ok=True)
    big = os.path.join(a.work, "bigindex.json")
    subprocess.run([sys.executable, os.path.join(HERE, "mkbigindex.py"),
                    os.path.join(a.mirror, "index.json"), big], check=True,
                   stdout=subprocess.DEVNULL)
    extra = []
    a.modern_mirror = os.path.join(a.work, "mirror-modern")
    a.big_mirror = os.path.join(a.work, "mirror-200k")
    if "modern" in only:
        subprocess.run([sys.executable, os.path.join(HERE, "mkmodern.py"), a.mirror,
                        a.modern_mirror, "--targets", ",".join(a.targets)], check=True)
        extra.append(("modern", a.modern_mirror))
    if "big" in only:
        subprocess.run([sys.executable, os.path.join(HERE, "mkmodern.py"), a.mirror,
                        a.big_mirror, "--version", "go1.21.1", "--targets", "",
                        "--entries", "200000"], check=True)
        extra.append(("big", a.big_mirror))
    root = serve_root(a.work, a.mirror, big, extra)
    meta = machine()
    if a.commit:
        meta["commit"] = a.commit
    meta.update(go=version, runs=a.runs, work=a.work, work_fs=fstype(a.work),
                disk=a.disk, disk_fs=fstype(os.path.dirname(a.disk.rstrip("/")) or "/")
                if a.disk else None)
    with Server(root, a.work) as srv:
        base = os.path.join(a.work, "p")
        os.makedirs(base, exist_ok=True)
        b.trash = Trash(base, keep=False)
        if a.mise:
            b.mise = Mise(a.mise, base, srv.url, [version])
        if "host" in only:
            b.host_only(base, srv, version, files)
        if "link" in only:
            b.link(base, root, version, files)
        if "modern" in only:
            b.modern(base, srv, a.mise)
        if "big" in only:
            b.big(base, srv)
        if "all" in only or "lock" in only:
            warm = b.all_targets(base, srv, version, files)
            if "lock" in only:
                b.lock_big(base, srv, version, warm)
            warm.drop_install()
            warm.drop_cache()
        if a.disk:
            os.makedirs(a.disk, exist_ok=True)
            dbase = os.path.join(a.disk, "p")
            os.makedirs(dbase, exist_ok=True)
            b.trash = Trash(dbase, keep=True)
            if "host" in only:
                b.host_only(dbase, srv, version, files, suffix="-disk")
            if "all" in only:
                p = b.all_targets(dbase, srv, version, files, suffix="-disk")
                p.drop_install()
                p.drop_cache()
            b.trash.empty()
            rm(dbase)
    if a.keep and os.path.isfile(a.keep):
        with open(a.keep, encoding="utf-8") as f:
            old = json.load(f)
        kept = [k for k in old.get("results", {}) if k not in b.results]
        for k in kept:
            b.results[k] = old["results"][k]
        if kept:
            meta["kept"] = {"figures": kept, "date": old["meta"].get("date"),
                            "commit": old["meta"].get("commit")}
    md = render(b.results, b.rss, meta, bool(a.disk))
    print(md)
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "results": b.results,
                       "rss_kib": [{"what": w, "kib": k} for w, k in b.rss]}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench: error: %s" % e, file=sys.stderr)
        sys.exit(1)
