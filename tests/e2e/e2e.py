"""Shared helpers for the end-to-end tests (Python 3 stdlib only).

Each test script builds a fixture mirror with tests/fixtures/mkmirror.py in
its own temp folder, serves it on 127.0.0.1 (random port) when it needs
HTTP, runs the gonative binary named by $GONATIVE and checks exit codes,
files, hashes and messages.  Nothing touches ~/.cache: every run gets
--cache-dir and GONATIVE_CACHE pointing into the test's temp folder.

A script looks like:

    import e2e
    def main(t):
        mirror = t.mirror()
        with t.server(mirror.root) as srv:
            p = t.project(go="1.17", index=srv.url + "index.json", mirrors=[srv.url])
            r = p.run("lock")
            t.expect_rc(r, 0, "lock")
    e2e.run(main)
"""

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("GONATIVE_SRC") or os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(SRC, "tests", "fixtures")
TESTS = os.path.join(SRC, "tests")
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import faultserver  # noqa: E402
from taplib import Tap, skip_all  # noqa: E402

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
TREE_ID = re.compile(r"git-sha256:[0-9a-f]{64}")

# Index arch spelling (docs/design.md, section 4).
INDEX_ARCH = {("linux", "arm"): "armv6l"}


def machine_platform():
    """This machine as Go spells it ("linux/amd64"), or None."""
    import platform as _p

    os_ = _p.system().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
            "i386": "386", "i686": "386", "armv6l": "arm", "armv7l": "arm"}.get(
        _p.machine().lower())
    return "%s/%s" % (os_, arch) if arch else None


# The host every test locks and installs for: the machine running the tests
# (sync installs this machine's GOROOT).  The fixture mirror has these.
FIXTURE_HOSTS = ("linux/amd64", "linux/386", "linux/arm64", "linux/arm",
                 "darwin/amd64", "darwin/arm64")
HOST = machine_platform()


class Abort(Exception):
    """A required check failed; the script stops."""


def index_arch(platform):
    os_, arch = platform.split("/")
    return INDEX_ARCH.get((os_, arch), arch)


def artifact_name(version, platform):
    os_, _ = platform.split("/")
    ext = ".zip" if os_ == "windows" else ".tar.gz"
    return "%s.%s-%s%s" % (version, os_, index_arch(platform), ext)


def version_tuple(version):
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?", version)
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


# --------------------------------------------------------------------------
# Results and checks


class Result:
    def __init__(self, argv, rc, out, err, seconds):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.seconds = seconds

    @property
    def both(self):
        return self.out + "\n" + self.err

    def describe(self):
        return "$ %s\n  exit %s after %.2fs\n  --- stdout ---\n%s\n  --- stderr ---\n%s" % (
            " ".join(self.argv), self.rc, self.seconds, indent(self.out), indent(self.err))


def indent(text, pad="  | "):
    if not text:
        return pad + "(empty)"
    return "\n".join(pad + line for line in text.rstrip("\n").split("\n"))


class Test(Tap):
    """Per-script context: temp folder, soft and hard checks."""

    def __init__(self, name):
        super().__init__()
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="gonative-e2e-")
        self.exe = os.environ.get("GONATIVE")
        self._mirrors = {}
        self._servers = []
        self._n = 0

    # checks ------------------------------------------------------------
    def check(self, cond, what, detail=""):
        return self.ok(cond, what, detail)

    def require(self, cond, what, detail=""):
        if not self.check(cond, what, detail):
            raise Abort(what)

    def expect_rc(self, res, rc, what, hard=True):
        ok = res.rc == rc
        text = "%s: exit %s (want %s)" % (what, res.rc, rc)
        if hard:
            self.require(ok, text, res.describe())
        else:
            self.check(ok, text, res.describe())
        return ok

    def expect_in(self, needle, haystack, what, res=None):
        detail = res.describe() if res else haystack
        return self.check(needle in haystack, "%s (looking for %r)" % (what, needle), detail)

    def expect_re(self, pattern, haystack, what, res=None, flags=0):
        detail = res.describe() if res else haystack
        return self.check(re.search(pattern, haystack, flags) is not None,
                          "%s (looking for /%s/)" % (what, pattern), detail)

    def expect_error_line(self, res, what):
        """Errors go to stderr as 'gonative: error: ...'."""
        return self.check(
            any(line.startswith("gonative: error: ") for line in res.err.splitlines()),
            "%s: stderr has a 'gonative: error: ' line" % what, res.describe())

    # fixtures -----------------------------------------------------------
    def newdir(self, stem):
        self._n += 1
        path = os.path.join(self.tmp, "%s-%d" % (stem, self._n))
        os.makedirs(path)
        return path

    def mirror(self, name="mirror"):
        if name not in self._mirrors:
            self._mirrors[name] = Mirror(os.path.join(self.tmp, name))
        return self._mirrors[name]

    def server(self, root, **options):
        """tests/faultserver.py serving root; stopped at the end of the script."""
        srv = faultserver.FaultServer(root, **options).start()
        self._servers.append(srv)
        return srv

    def project(self, **manifest):
        return Project(self, self.newdir("proj"), manifest)

    def cache(self):
        return self.newdir("cache")

    def cleanup(self):
        for srv in self._servers:
            with contextlib.suppress(Exception):
                srv.stop()
        if os.environ.get("E2E_KEEP"):
            print("# kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def run(main, needs_exe=True):
    """Run main(t) and exit 0 only when every check passed."""
    name = os.path.basename(sys.argv[0])
    t = Test(name)
    if needs_exe and (not t.exe or not os.access(t.exe, os.X_OK)):
        print("Bail out! $GONATIVE is not an executable: %r" % t.exe)
        sys.exit(1)
    if needs_exe and HOST not in FIXTURE_HOSTS:
        skip_all("the fixture mirror has no distribution for this machine (%s)" % HOST, 77)
    aborted = False
    try:
        main(t)
    except Abort as e:
        aborted = True
        print("# stopped: %s" % e)
    except Exception:
        aborted = True
        t.ok(False, "unexpected exception in the test script", traceback.format_exc())
    finally:
        t.cleanup()
    rc = t.plan()
    if rc or aborted:
        t.diag("%s: %d failed check(s)" % (name, t.failed))
        sys.exit(1)
    sys.exit(0)


# --------------------------------------------------------------------------
# The fixture mirror


def _mkmirror():
    if FIXTURES not in sys.path:
        sys.path.insert(0, FIXTURES)
    import mkmirror  # noqa: E402

    return mkmirror


class Mirror:
    """A generated mirror folder plus its index, parsed."""

    def __init__(self, root):
        self.root = root
        _mkmirror().build(root)
        with open(os.path.join(root, "index.json")) as fh:
            self.index = json.load(fh)
        with open(os.path.join(root, "MANIFEST.json")) as fh:
            self.files = json.load(fh)

    @property
    def url(self):
        return "file://" + self.root + "/"

    @property
    def index_url(self):
        return "file://" + os.path.join(self.root, "index.json")

    def path(self, filename):
        return os.path.join(self.root, filename)

    def sha256(self, filename):
        return self.files[filename]["sha256"]

    def size(self, filename):
        return self.files[filename]["size"]

    def write_index(self, name, drop_versions=()):
        """Write another index (same archives) without some releases."""
        releases = [r for r in self.index if r["version"] not in drop_versions]
        with open(os.path.join(self.root, name), "w", newline="\n") as fh:
            fh.write(json.dumps(releases, indent=1) + "\n")
        return name

    def members(self, filename):
        """{relpath: (type, mode, data, mtime)} of an archive, 'go/' stripped.

        type is 'file' or 'link' (data = target); folders are skipped.
        """
        path = self.path(filename)
        out = {}
        if filename.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                for zi in z.infolist():
                    mode = zi.external_attr >> 16
                    name = zi.filename
                    if name.endswith("/"):
                        continue
                    rel = name[len("go/"):]
                    data = z.read(zi)
                    mtime = time.mktime(zi.date_time + (0, 0, -1))
                    if (mode & 0o170000) == 0o120000:
                        out[rel] = ("link", 0o777, data.decode(), mtime)
                    else:
                        out[rel] = ("file", mode & 0o7777, data, mtime)
        else:
            with tarfile.open(path) as tar:
                for ti in tar.getmembers():
                    if ti.isdir():
                        continue
                    rel = ti.name[len("go/"):]
                    if ti.issym():
                        out[rel] = ("link", 0o777, ti.linkname, ti.mtime)
                    else:
                        out[rel] = ("file", ti.mode, tar.extractfile(ti).read(), ti.mtime)
        return out


def custom_mirror(t, base, name, replace=None):
    """A copy of mirror `base` (an e2e.Mirror) in a new folder, with the files
    in `replace` ({filename: bytes}) swapped in and index.json updated to
    their sha256 and size.  Returns the folder."""
    root = os.path.join(t.newdir(name), "m")
    shutil.copytree(base.root, root)
    replace = replace or {}
    for fn, data in replace.items():
        with open(os.path.join(root, fn), "wb") as fh:
            fh.write(data)
    write_index(root, base.index, replace)
    return root


def write_index(root, index, replace):
    """root/index.json: index (parsed) with the entries of the files in
    replace ({filename: bytes}) giving those bytes' sha256 and size."""
    idx = json.loads(json.dumps(index))
    for rel in idx:
        for f in rel["files"]:
            if f["filename"] in replace:
                data = replace[f["filename"]]
                f["sha256"] = hashlib.sha256(data).hexdigest()
                f["size"] = len(data)
    with open(os.path.join(root, "index.json"), "w", newline="\n") as fh:
        fh.write(json.dumps(idx, indent=1) + "\n")


def merge_wants(version, platform, rel):
    """Python mirror of docs/design.md section 6 (Merge)."""
    os_, arch = platform.split("/")
    plat = "%s_%s" % (os_, arch)
    if rel.startswith("pkg/%s/" % plat) or re.match(r"pkg/%s_[^/]+/" % re.escape(plat), rel):
        return True
    if version_tuple(version)[:2] < (1, 5):
        for d in ("src/runtime/", "src/pkg/runtime/"):
            if rel.startswith(d) and "/" not in rel[len(d):]:
                if fnmatch.fnmatchcase(rel[len(d):], "z*_%s*" % plat):
                    return True
    return False


def expected_tree(mirror, version, host, platforms):
    """What the merged GOROOT must hold: ({rel: (type, mode, data, mtime)}, merged set)."""
    tree = dict(mirror.members(artifact_name(version, host)))
    merged = set()
    for p in sorted(platforms):
        if p == host:
            continue
        for rel, ent in mirror.members(artifact_name(version, p)).items():
            if merge_wants(version, p, rel):
                tree[rel] = ent
                merged.add(rel)
    return tree, merged


def materialize(tree, root):
    """Write a tree from expected_tree() to disk (for hashing with git)."""
    for rel, (typ, mode, data, mtime) in sorted(tree.items()):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if typ == "link":
            os.symlink(data, path)
        else:
            with open(path, "wb") as fh:
                fh.write(data)
            os.chmod(path, mode)
    return root


def read_tree(root):
    """{rel: (type, mode, data, mtime)} of a folder on disk (folders skipped)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            if os.path.islink(full):
                out[rel] = ("link", 0o777, os.readlink(full), st.st_mtime)
            elif os.path.isfile(full):
                with open(full, "rb") as fh:
                    out[rel] = ("file", st.st_mode & 0o7777, fh.read(), st.st_mtime)
    return out


def compare_trees(t, want, got, what, check_mtime=False):
    """Soft-check that two trees agree on paths, type, exec bit, bytes (and mtime)."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    t.check(not missing, "%s: no file missing" % what, "missing: %s" % missing[:20])
    t.check(not extra, "%s: no unexpected file" % what, "extra: %s" % extra[:20])
    bad = []
    for rel in sorted(set(want) & set(got)):
        wt, wm, wd, wmt = want[rel]
        gt, gm, gd, gmt = got[rel]
        if wt != gt:
            bad.append("%s: type %s, want %s" % (rel, gt, wt))
        elif wd != gd:
            bad.append("%s: content %r, want %r" % (rel, gd[:60], wd[:60]))
        elif wt == "file" and bool(wm & 0o100) != bool(gm & 0o100):
            bad.append("%s: mode %o, want %o" % (rel, gm, wm))
        elif check_mtime and wt == "file" and int(wmt) != int(gmt):
            bad.append("%s: mtime %d, want %d" % (rel, gmt, wmt))
    t.check(not bad, "%s: every file has the right content and exec bit%s" % (
        what, " and mtime" if check_mtime else ""), "\n".join(bad[:20]))


# --------------------------------------------------------------------------
# minisign (Debian's binary)

MINISIGN = shutil.which("minisign")


def minisign_keypair(t, name, password=None):
    """A new minisign key pair in the test's folder: (pub, sec, keyid)."""
    d = t.newdir("keys")
    pub, sec = os.path.join(d, name + ".pub"), os.path.join(d, name + ".key")
    if password is None:
        subprocess.run([MINISIGN, "-G", "-W", "-p", pub, "-s", sec], check=True,
                       capture_output=True)
    else:
        subprocess.run([MINISIGN, "-G", "-p", pub, "-s", sec], check=True, capture_output=True,
                       input=("%s\n%s\n" % (password, password)).encode())
    with open(pub) as fh:
        # minisign 0.11 prints the id without leading zeros; gonative always
        # writes 16 digits (docs/design.md, section 8), so compare them as numbers.
        keyid = "%016X" % int(fh.readline().split()[-1], 16)
    return pub, sec, keyid


# --------------------------------------------------------------------------
# git


def git_env():
    env = dict(os.environ)
    env.update({
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "e2e", "GIT_AUTHOR_EMAIL": "e2e@localhost",
        "GIT_COMMITTER_NAME": "e2e", "GIT_COMMITTER_EMAIL": "e2e@localhost",
        "LC_ALL": "C",
    })
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    return env


def git_tree_hash(root):
    """'git-sha256:<hex>' as stock git computes it for root (repo kept outside)."""
    repo = tempfile.mkdtemp(prefix="gonative-e2e-git-")
    try:
        env = git_env()
        subprocess.run(["git", "init", "-q", "--object-format=sha256", repo],
                       check=True, env=env, capture_output=True)
        base = ["git", "--git-dir", os.path.join(repo, ".git"), "--work-tree", root,
                "-c", "core.autocrlf=false", "-c", "core.fileMode=true",
                "-c", "core.symlinks=true"]
        subprocess.run(base + ["add", "--all", "--force", "."], check=True, env=env,
                       capture_output=True, cwd=root)
        out = subprocess.run(base + ["write-tree"], check=True, env=env,
                             capture_output=True, text=True, cwd=root).stdout.strip()
        return "git-sha256:" + out
    finally:
        shutil.rmtree(repo, ignore_errors=True)


# --------------------------------------------------------------------------
# Projects


def yaml_value(v):
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(str(v))


def manifest_text(fields):
    """gonative.yaml from a dict, keys in the given order; values JSON-quoted."""
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, dict):
            lines.append("%s:" % key)
            for k, v in value.items():
                lines.append("  %s: %s" % (yaml_value(k), yaml_value(v)))
        else:
            lines.append("%s: %s" % (key, yaml_value(value)))
    return "\n".join(lines) + "\n"


def over_http(srv, **fields):
    """Manifest fields with index and mirrors on the server srv."""
    return dict(fields, index=srv.url + "index.json", mirrors=[srv.url])


class Project:
    """A folder with a gonative.yaml, its own cache, and a runner."""

    def __init__(self, t, root, manifest, cache=None):
        self.t = t
        self.root = root
        self.cache = cache or t.cache()
        self.manifest = None
        if manifest:
            self.write_manifest(**manifest)

    def write_manifest(self, **fields):
        fields.setdefault("hosts", [HOST])
        order = ["go", "hosts", "platforms", "index", "mirrors", "checksums", "install"]
        ordered = {k: fields[k] for k in order if k in fields}
        ordered.update({k: v for k, v in fields.items() if k not in ordered})
        self.manifest = ordered
        self.write_file("gonative.yaml", manifest_text(ordered))

    def write_file(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, "w", newline="\n") as fh:
            fh.write(text)
        return path

    @property
    def manifest_path(self):
        return os.path.join(self.root, "gonative.yaml")

    @property
    def lock_path(self):
        return os.path.join(self.root, "gonative.lock")

    @property
    def install(self):
        rel = (self.manifest or {}).get("install", ".gonative/go")
        return os.path.normpath(os.path.join(self.root, rel))

    @property
    def state(self):
        return self.install + ".state"

    def lock_bytes(self):
        with open(self.lock_path, "rb") as fh:
            return fh.read()

    def lock(self):
        return parse_lock(self.lock_bytes().decode())

    def stage_dirs(self):
        parent = os.path.dirname(self.install)
        if not os.path.isdir(parent):
            return []
        base = os.path.basename(self.install) + ".stage-"
        return sorted(n for n in os.listdir(parent) if n.startswith(base))

    def archives(self):
        """Names in <cache>/archives."""
        d = os.path.join(self.cache, "archives")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def run(self, *args, cwd=None, cache=True, env=None, timeout=90, use_C=True):
        """Run gonative [-C root] [--cache-dir cache] args...; returns a Result."""
        argv = [self.t.exe]
        if use_C:
            argv += ["-C", self.root]
        if cache:
            argv += ["--cache-dir", self.cache]
        argv += list(args)
        return run_cmd(argv, cwd=cwd or self.root, cache=self.cache, env=env, timeout=timeout)


def run_cmd(argv, cwd=None, cache=None, env=None, timeout=90):
    e = dict(os.environ)
    e.pop("GONATIVE_CACHE", None)
    e["NO_COLOR"] = "1"
    e["LC_ALL"] = "C"
    if cache:
        e["GONATIVE_CACHE"] = cache
    # Keep $HOME/.cache out of reach even if a flag is ignored.
    e["XDG_CACHE_HOME"] = os.path.join(cache or tempfile.gettempdir(), "xdg-should-stay-empty")
    if env:
        e.update(env)
    start = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, env=e, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        rc, out, err = "TIMEOUT", ex.stdout or b"", (ex.stderr or b"") + b"\n[timed out]"
    return Result(argv, rc, out.decode(errors="replace"), err.decode(errors="replace"),
                  time.monotonic() - start)


def parse_lock(text):
    """Reader for the canonical lock shape (docs/design.md section 5).

    Returns a dict: scalars as strings (quotes removed), flow lists as lists,
    artifacts as a list of dicts, goroot as a dict.  Raises ValueError on
    anything it does not understand.
    """

    def scalar(v):
        v = v.strip()
        if v.startswith('"'):
            return json.loads(v)
        if v.startswith("'"):
            return v[1:-1].replace("''", "'")
        return v

    def flow(v):
        v = v.strip()
        if not (v.startswith("[") and v.endswith("]")):
            raise ValueError("not a flow list: %r" % v)
        inner = v[1:-1].strip()
        return [scalar(x) for x in inner.split(",")] if inner else []

    out = {}
    section = None
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            key, _, val = line.partition(":")
            val = val.strip()
            if not val:
                section = key
                out[key] = [] if key == "artifacts" else {}
            elif val.startswith("["):
                out[key] = flow(val)
                section = None
            else:
                out[key] = scalar(val)
                section = None
            continue
        if section == "artifacts":
            s = line.strip()
            if s.startswith("- "):
                out["artifacts"].append({})
                s = s[2:]
            k, _, v = s.partition(":")
            out["artifacts"][-1][k.strip()] = scalar(v)
        elif section:
            k, _, v = line.strip().partition(":")
            # keys like linux/amd64 contain no ': '
            out[section][scalar(k)] = scalar(v)
        else:
            raise ValueError("line %d: unexpected indentation: %r" % (n, line))
    return out


# --------------------------------------------------------------------------
# HTTP: Test.server() starts tests/faultserver.py in this process


corrupt_bytes = faultserver.corrupt_bytes


def downloads(reqs):
    """Successful GETs of archives in a request log."""
    return [r for r in reqs
            if r.method == "GET" and r.status == 200 and not r.path.endswith(".json")]


# --------------------------------------------------------------------------
# Composite checks shared by several scripts


def check_lock(t, p, mirror, version, host, platforms):
    """The lock names version, sorted hosts/platforms and exactly the right
    archives with the index's size and sha256; returns the parsed lock."""
    t.require(os.path.isfile(p.lock_path), "gonative.lock exists", p.lock_path)
    raw = p.lock_bytes()
    t.check(b"\r" not in raw, "lock has LF endings only")
    t.check(raw.startswith(b"# Generated by `gonative lock`."), "lock starts with the header",
            raw[:200])
    try:
        lock = parse_lock(raw.decode())
    except Exception as e:  # noqa: BLE001
        t.require(False, "lock parses", "%s\n%s" % (e, raw.decode()))
    t.check(lock.get("lock-version") == "1", "lock-version is 1", lock.get("lock-version"))
    t.check(re.fullmatch(r"sha256:[0-9a-f]{64}", lock.get("manifest-digest", "")) is not None,
            "manifest-digest is sha256:<hex>", lock.get("manifest-digest"))
    t.check(lock.get("go") == version, "lock go is %s" % version, lock.get("go"))
    t.check(lock.get("hosts") == [host], "lock hosts", lock.get("hosts"))
    t.check(lock.get("platforms") == sorted(platforms), "lock platforms sorted",
            lock.get("platforms"))
    # Go >= 1.20 ships no pkg/<os>_<arch>: only the host's archive is locked.
    targets = list(platforms) if version_tuple(version)[:2] < (1, 20) else []
    want_files = sorted(set(artifact_name(version, x) for x in [host] + targets))
    got_files = [a.get("file") for a in lock.get("artifacts", [])]
    t.check(got_files == want_files, "lock artifacts are exactly the archives, sorted",
            "got %s\nwant %s" % (got_files, want_files))
    for a in lock.get("artifacts", []):
        f = a.get("file")
        if f not in mirror.files:
            continue
        info = mirror.files[f]
        ok = (a.get("sha256") == info["sha256"] and a.get("size") == str(info["size"])
              and a.get("os") == info["os"] and a.get("arch") == info["arch"])
        t.check(ok, "lock entry for %s matches the index" % f,
                "lock %s\nindex %s" % (a, {k: info[k] for k in ("os", "arch", "size", "sha256")}))
    for a in lock.get("artifacts", []):
        if a.get("arch") == "386":
            t.check(b'arch: "386"' in raw, 'arch 386 is double-quoted in the lock', raw.decode())
            break
    goroot = lock.get("goroot", {})
    t.check(isinstance(goroot, dict) and list(goroot) == [host]
            and TREE_ID.fullmatch(goroot.get(host, "")) is not None,
            "lock goroot has git-sha256 for %s" % host, goroot)
    return lock


def check_install(t, p, mirror, version, host, platforms, lock, check_mtime=False):
    """The installed GOROOT is exactly the merge, and its hash agrees with
    the lock, `gonative hash` and stock git."""
    t.require(os.path.isdir(p.install), "GOROOT installed at %s" % p.install)
    want, merged = expected_tree(mirror, version, host, platforms)
    got = read_tree(p.install)
    compare_trees(t, want, got, "installed GOROOT (%s, host %s)" % (version, host),
                  check_mtime=check_mtime)
    locked = lock.get("goroot", {}).get(host)
    git = git_tree_hash(p.install)
    t.check(git == locked, "stock git write-tree of the install equals the lock's goroot",
            "git  %s\nlock %s" % (git, locked))
    r = p.run("hash", p.install)
    t.expect_rc(r, 0, "gonative hash <install>", hard=False)
    t.check(r.out.strip() == git, "`gonative hash` equals stock git",
            "gonative %r\ngit      %r" % (r.out.strip(), git))
    t.check(os.path.exists(p.state), "state file beside the GOROOT (%s)" % p.state)
    inside = [n for n in os.listdir(p.install) if "state" in n or n.startswith(".gonative")]
    t.check(not inside, "nothing of gonative's own inside the GOROOT", inside)
    t.check(not p.stage_dirs(), "no staging folder left", p.stage_dirs())
    return want, merged
