#!/usr/bin/env python3
"""docs/ci/: the CI recipes run here as far as a machine without GitHub or
GitLab allows: each recipe's shell steps run for real, in order, against a
generated fixture mirror (file://), with gonative and the fixture's fake
`go` on PATH; and docs/drift.md explains every field `check` can report."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import GONATIVE, SRC, Tap  # noqa: E402

try:
    import yaml
except ImportError:
    yaml = None

t = Tap()
work = tempfile.mkdtemp(prefix="gonative-ci-")


def sh(script, cwd, env):
    return subprocess.run(["sh", "-e", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def project(name):
    """A project whose manifest points at the fixture mirror, with a lock."""
    root = os.path.join(work, name)
    os.makedirs(root)
    with open(os.path.join(root, "gonative.yaml"), "w") as fh:
        fh.write('go: "1.17"\nplatforms: [windows/amd64]\n'
                 "index: file://%s/index.json\nmirrors: [file://%s/]\n" % (mirror, mirror))
    r = subprocess.run([GONATIVE, "-C", root, "lock"], env=env, capture_output=True,
                       text=True)
    t.ok(r.returncode == 0, "%s: gonative lock for the recipe" % name, r.stderr)
    os.makedirs(os.path.join(root, "dist"))
    return root


def run_steps(name, steps):
    root = project(name)
    for i, step in enumerate(steps):
        r = sh(step, root, env)
        if not t.ok(r.returncode == 0, "%s step %d runs: %s" % (name, i + 1,
                                                                step.splitlines()[0]),
                    r.stdout + r.stderr):
            return
    t.ok(os.path.isdir(os.path.join(root, ".gonative", "go")),
         "%s: the GOROOT was installed" % name)


try:
    mirror = os.path.join(work, "mirror")
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "fixtures", "mkmirror.py"),
                    mirror], check=True, capture_output=True)
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    os.symlink(GONATIVE, os.path.join(bindir, "gonative"))
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
               GONATIVE_CACHE=os.path.join(work, "cache"), NO_COLOR="1")
    env.pop("GOROOT", None)

    gh_path = os.path.join(SRC, "docs", "ci", "github-actions.yml")
    gl_path = os.path.join(SRC, "docs", "ci", "gitlab-ci.yml")
    gh_text, gl_text = open(gh_path).read(), open(gl_path).read()
    if yaml:
        gh, gl = yaml.safe_load(gh_text), yaml.safe_load(gl_text)
        steps = gh["jobs"]["build"]["steps"]
        cache = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache")]
        t.ok(cache and "hashFiles('gonative.lock')" in cache[0]["with"]["key"] and
             cache[0]["with"]["path"] == "~/.cache/gonative",
             "github: the cache is ~/.cache/gonative keyed on hashFiles('gonative.lock')")
        # Everything after the install step is what a project runs.
        runs = [s["run"] for s in steps if "run" in s and "gonative" in s["run"] and
                "git clone" not in s["run"]]
        t.ok(runs[0].strip() == "gonative sync --frozen", "github: sync --frozen comes first")
        run_steps("github", runs)
        job = gl["build"]
        t.ok(job["cache"]["key"]["files"] == ["gonative.lock"] and
             job["variables"]["GONATIVE_CACHE"].endswith(job["cache"]["paths"][0].rstrip("/")),
             "gitlab: the cache holds GONATIVE_CACHE, keyed on gonative.lock")
        run_steps("gitlab", ["\n".join(job["script"])])
    else:
        t.skip("github and gitlab recipes", "python3-yaml is not installed")

    root = project("shell")
    r = subprocess.run(["sh", os.path.join(SRC, "docs", "ci", "ci.sh"), "go", "version"],
                       cwd=root, env=env, capture_output=True, text=True, timeout=120)
    t.ok(r.returncode == 0 and "go version go1.17.13" in r.stdout,
         "ci.sh syncs, checks, verifies and runs the build with the synced go",
         r.stdout + r.stderr)
    with open(os.path.join(root, "gonative.yaml"), "a") as fh:
        fh.write("hosts: [linux/amd64, linux/arm64]\n")
    r = subprocess.run(["sh", os.path.join(SRC, "docs", "ci", "ci.sh"), "true"], cwd=root,
                       env=env, capture_output=True, text=True, timeout=120)
    t.ok(r.returncode == 1, "ci.sh stops with exit 1 when the manifest drifted from the lock",
         r.stdout + r.stderr)

    drift = open(os.path.join(SRC, "docs", "drift.md")).read()
    fields = set(re.findall(r'add_item\(&?b, "([a-z]+)"',
                            open(os.path.join(SRC, "lockfiles", "drift.c")).read()))
    fields |= {"hosts", "platforms"}
    missing = [f for f in sorted(fields) if "**%s" % f not in drift]
    t.ok(fields and not missing, "drift.md explains every field check reports", missing)
    for code in ("**0**", "**1**", "**2**"):
        t.ok(code in drift, "drift.md explains exit %s" % code.strip("*"))
finally:
    shutil.rmtree(work, ignore_errors=True)

t.done()
