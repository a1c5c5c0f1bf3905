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


def run(argv, cwd=None, env=None, capture=False, check=True):
    """Run argv, timing it from fork to reap, with the child's rusage."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out if capture else subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    r = Run(wall, ru.ru_maxrss, ru.ru_utime, ru.ru_stime, p.returncode, text, stdout)
    if check and r.rc != 0:
        cmd = argv if isinstance(argv, str) else " ".join(shlex.quote(a) for a in argv)
        raise BenchError("command failed (exit %d): %s\n%s" % (r.rc, cmd, text))
    return r


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
    def __init__(self, root, work):
        self.root = root
        self.port_file = os.path.join(work, "server.port")
        self.proc = None
        self.url = None

    def __enter__(self):
        rm(self.port_file)
        self.log = open(os.path.join(os.path.dirname(self.port_file), "server.log"), "wb")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), self.root,
                                      self.port_file], stdin=subprocess.DEVNULL,
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


def serve_root(work, mirror, big_index):
    """A folder the server serves: the mirror's files (symlinked) + bigindex.json."""
    root = os.path.join(work, "www")
    rm(root)
    os.makedirs(root)
    for name in os.listdir(mirror):
        os.symlink(os.path.join(os.path.realpath(mirror), name), os.path.join(root, name))
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


# ---------------------------------------------------------------- figures


class Bench:
    def __init__(self, a):
        self.a = a
        self.runs = a.runs
        self.results = {}  # key -> dict
        self.rss = []      # (what, KiB)
        self.trash = None  # set per storage

    def log(self, msg):
        print("bench: " + msg, file=sys.stderr, flush=True)

    def sample(self, key, n, gn, bl=None, before=None, rss=True, **extra):
        """n x (bl(); before(); gn()), interleaved.  gn returns a Run; bl a Run
        or a list of Runs (summed).  Records medians of wall and CPU time."""
        g, gc, b, bc = [], [], [], []
        load0 = os.getloadavg()[0]
        for _ in range(n):
            if bl:
                rs = bl()
                rs = rs if isinstance(rs, list) else [rs]
                b.append(sum(r.wall for r in rs))
                bc.append(sum(r.utime + r.stime for r in rs))
            if before:
                before()
            r = gn()
            g.append(r.wall)
            gc.append(r.utime + r.stime)
            if rss:
                self.rss.append((key, r.rss_kib))
        rec = dict(gonative=median(g), gonative_cpu=median(gc), runs=g, cpu_runs=gc,
                   baseline=median(b), baseline_cpu=median(bc), baseline_runs=b,
                   baseline_cpu_runs=bc, load=[load0, os.getloadavg()[0]])
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
        if suffix == "" and shutil.which("igzip"):
            # Reference only: ISA-L's inflate on the same archive.
            ig = [run(["igzip", "-dc", harch]) for _ in range(self.runs)]
            p1["igzip"] = median([r.wall for r in ig])
            p1["igzip_cpu"] = median([r.utime + r.stime for r in ig])

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

        # P3a: nothing changed.  More runs: it is short.
        self.sample("P3a" + suffix, self.runs * 3, sync, bl=lambda: run(["true"]))

        # P4: verify vs openssl over the same files.
        openssl = ("cd %s && find . -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null"
                   % shlex.quote(p.install))
        self.sample("P4" + suffix, self.runs, lambda: p.run("verify"), bl=lambda: sh(openssl),
                    rss=False, tree_bytes=size, tree_files=nfiles)

        # P3b over the whole merge: a new install folder, warm cache.
        r = self.sample("P3b-all" + suffix, self.runs, sync, before=p.drop_install)
        r["baseline"], r["baseline_cpu"] = p2["gonative"], p2["gonative_cpu"]
        return p

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
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), q, "≤ 1.10×", q <= 1.10)
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
        add("P3a" + tag, "warm sync, nothing changed (absolute); baseline `true` spawn",
            fmt_s(r["gonative"]), fmt_s(r["baseline"]), ratio("P3a" + s), "≤ 20 ms",
            r["gonative"] <= 0.020)
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
        add("P5", "peak RSS of any sync (wait4 ru_maxrss = `/usr/bin/time -v`), in %s" % peak[0],
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
    return out


CPU_ROWS = [
    ("P1", "cold sync, host only"), ("P1b", "P1 vs the plain script"),
    ("P2", "cold sync, host + 5 targets"), ("P3a", "warm sync"),
    ("P3b", "new install folder, warm cache (vs P1)"),
    ("P3b-all", "the same, host + 5 targets (vs P2)"), ("P4", "verify"),
    ("P6", "lock, lock current"), ("P6-offline", "lock --offline"),
    ("spawn", "`gonative --version` vs `true`: process start"),
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
    p1 = res.get("P1", {})
    if p1.get("igzip"):
        lines += ["", "Reference: `igzip -dc` (ISA-L) on the host archive: %s wall, %s CPU "
                  "(`gzip -dc`: %s, %s)." % (fmt_s(p1["igzip"]), fmt_s(p1["igzip_cpu"]),
                                              fmt_s(p1["baseline"]), fmt_s(p1["baseline_cpu"]))]
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
    ap.add_argument("--md")
    ap.add_argument("--json")
    a = ap.parse_args()
    a.targets = [t for t in a.targets.split(",") if t]
    a.gonative = os.path.abspath(a.gonative)
    a.mirror = os.path.abspath(a.mirror)
    only = set(x for x in a.only.split(",") if x) or {"host", "all", "lock"}

    b = Bench(a)
    version, files = load_mirror(a.mirror, a.release)
    os.makedirs(a.work, exist_ok=True)
    big = os.path.join(a.work, "bigindex.json")
    subprocess.run([sys.executable, os.path.join(HERE, "mkbigindex.py"),
                    os.path.join(a.mirror, "index.json"), big], check=True,
                   stdout=subprocess.DEVNULL)
    root = serve_root(a.work, a.mirror, big)
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
        if "host" in only:
            b.host_only(base, srv, version, files)
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
