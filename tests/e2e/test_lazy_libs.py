#!/usr/bin/env python3
"""libcurl, libarchive and libcrypto are loaded only by the commands that
need them (builder/lazylib.h, -Dlazy_libs=true), and one that cannot be
loaded is a clear error with exit 5 and nothing installed.

The dynamic loader itself says what it mapped: LD_DEBUG=files prints a
"file=NAME" line for every library it loads, at start-up or by dlopen()."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

LIBS = ("libarchive.so.13", "libcrypto.so.3", "libcurl.so.4")
NET = ["libarchive.so.13", "libcurl.so.4"]


def loaded(res):
    """The lazily loaded libraries this run mapped, from LD_DEBUG=files."""
    return sorted(set(n for n in LIBS if re.search(r"\bfile=%s\b" % re.escape(n), res.err)))


def main(t):
    if os.environ.get("LAZY_LIBS") != "true":
        print("# built with -Dlazy_libs=false: everything is linked at start-up")
        t.check(True, "nothing to check in this build")
        return
    dbg = {"LD_DEBUG": "files"}
    r = e2e.run_cmd([t.exe, "--version"], env=dbg)
    t.expect_rc(r, 0, "--version")
    t.check(loaded(r) == [], "--version maps none of them", loaded(r))
    t.check("file=libyaml" in r.err, "LD_DEBUG=files does list what is loaded", r.err[-2000:])

    mirror = t.mirror()
    with t.server(mirror.root) as srv:
        p = t.project(go="1.17", platforms=["linux/arm64"], index=srv.url + "index.json",
                      mirrors=[srv.url])
        r = p.run("env", env=dbg)
        t.check(loaded(r) == [], "env (no lock yet) loads none", loaded(r))
        r = p.run("sync", env=dbg)
        t.expect_rc(r, 0, "cold sync")
        t.check(loaded(r) == sorted(LIBS), "a cold sync loads all three on first use",
                loaded(r))
        for args in (["sync"], ["sync", "--frozen"], ["env"], ["check"]):
            r = p.run(*args, env=dbg)
            t.expect_rc(r, 0, " ".join(args), hard=False)
            t.check(loaded(r) == [], "%s (warm) loads none" % " ".join(args), loaded(r))
        # Hashing every file needs libcrypto, and only that.
        for args in (["hash", p.install], ["verify"]):
            r = p.run(*args, env=dbg)
            t.expect_rc(r, 0, " ".join(args), hard=False)
            t.check(not set(loaded(r)) & set(NET), "%s loads neither libcurl nor libarchive"
                    % " ".join(args), loaded(r))
        # The loaded libraries work: a changed file is noticed and repaired.
        with open(os.path.join(p.install, "VERSION"), "a") as f:
            f.write("edited\n")
        r = p.run("sync")
        t.expect_rc(r, 0, "sync repairs an edited file", hard=False)

        # A library that cannot be loaded: hide libcurl in a private mount
        # namespace (bind /dev/null over it), then sync cold.
        unshare = shutil.which("unshare")
        lib = libcurl_path()
        probe = subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True) \
            if unshare else None
        if not lib or not probe or probe.returncode != 0:
            print("# SKIP the missing-library case: needs unshare -m (root) and libcurl's path")
            return
        q = t.project(go="1.17", platforms=[], index=srv.url + "index.json",
                      mirrors=[srv.url])
        argv = [t.exe, "-C", q.root, "--cache-dir", q.cache, "sync"]
        script = 'mount --bind /dev/null "$1" && shift && exec "$@"'
        r = e2e.run_cmd([unshare, "-m", "sh", "-c", script, "sh", lib] + argv, cache=q.cache)
        t.expect_rc(r, 5, "sync without a loadable libcurl", hard=False)
        t.expect_error_line(r, "missing libcurl")
        t.expect_in("cannot load libcurl.so.4", r.err, "the error names the library", r)
        t.check(not os.path.exists(q.install), "nothing installed", q.install)
        # --version and a warm env still work without it.
        r = e2e.run_cmd([unshare, "-m", "sh", "-c", script, "sh", lib, t.exe, "--version"])
        t.expect_rc(r, 0, "--version without a loadable libcurl", hard=False)


def libcurl_path():
    """Where the dynamic loader finds libcurl.so.4 (ldconfig's cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    found = re.findall(r"^\s*libcurl\.so\.4 \(([^)]*)\) => (\S+)$", out, re.M)
    native = [path for tags, path in found if "x86-64" in tags] if os.uname().machine == \
        "x86_64" else [path for _, path in found]
    return os.path.realpath(native[0]) if native else None


e2e.run(main)
