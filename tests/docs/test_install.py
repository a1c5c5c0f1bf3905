"""`meson install --destdir` puts the binary, the man pages and the three
shell completions where packagers and shells look for them.

Needs $MESON_BUILD_ROOT (the build dir) and $SCDOC_FOUND (1 when the man
pages are built); installs into a temp folder with --no-rebuild.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import scd  # noqa: E402
from taplib import Tap, skip_all  # noqa: E402


def meson_command():
    exe = shutil.which("meson")
    if exe:
        return [exe]
    return [sys.executable, "-m", "mesonbuild.mesonmain"]


def main():
    build = os.environ.get("MESON_BUILD_ROOT")
    if not build or not os.path.isdir(build):
        skip_all("MESON_BUILD_ROOT is not set")
    t = Tap()
    r = subprocess.run(meson_command() + ["introspect", "--buildoptions", build],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if not t.ok(r.returncode == 0, "meson introspect --buildoptions", r.stderr):
        t.done()
    opts = {o["name"]: o["value"] for o in json.loads(r.stdout)}
    prefix = opts["prefix"]

    def under(*parts):
        path = os.path.join(*parts)
        return path if os.path.isabs(path) else os.path.join(prefix, path)

    with tempfile.TemporaryDirectory(prefix="gn-docs-install-") as dest:
        r = subprocess.run(meson_command() + ["install", "-C", build, "--no-rebuild",
                                              "--destdir", dest],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        if not t.ok(r.returncode == 0, "meson install --destdir", r.stdout[-3000:]):
            t.done()

        def installed(path):
            return os.path.join(dest, path.lstrip("/"))

        exe = installed(under(opts["bindir"], "gonative"))
        t.ok(os.path.isfile(exe) and os.access(exe, os.X_OK),
             "bin/gonative is installed and executable (%s)" % exe)
        v = subprocess.run([exe, "--version"], stdout=subprocess.PIPE, text=True)
        t.ok(v.returncode == 0 and v.stdout.startswith("gonative "),
             "the installed gonative runs", v.stdout)

        datadir = opts["datadir"]
        for path, first in (
                (under(datadir, "bash-completion", "completions", "gonative"), "# bash"),
                (under(datadir, "zsh", "site-functions", "_gonative"), "#compdef gonative"),
                (under(datadir, "fish", "vendor_completions.d", "gonative.fish"), "# fish"),
        ):
            p = installed(path)
            ok = os.path.isfile(p)
            if ok:
                with open(p) as f:
                    ok = f.readline().startswith(first)
            t.ok(ok, "completion installed: %s" % path)

        pages = sorted(os.path.basename(p)[:-len(".scd")]
                       for p in os.listdir(scd.DOC) if p.endswith(".scd"))
        if os.environ.get("SCDOC_FOUND") != "1":
            t.skip("man pages installed", "scdoc was not found at setup")
        else:
            t.ok(len(pages) >= 12, "%d man pages to install" % len(pages))
            for page in pages:
                section = page.rsplit(".", 1)[1]
                p = installed(under(opts["mandir"], "man" + section, page))
                ok = os.path.isfile(p)
                if ok:
                    with open(p) as f:
                        ok = ".TH " in f.read()
                t.ok(ok, "man page installed: man%s/%s" % (section, page))
    t.done()


main()
