"""Shell completions: bash driven through COMP_WORDS, zsh and fish checked.

The references are the man pages (commands and options, which
test_manpages.py ties to --help), gn/platform.c (platform names) and,
when $GONATIVE is set, the binary's own --help.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import scd  # noqa: E402
from taplib import GONATIVE, SRC, Tap, known_platforms  # noqa: E402

COMP = os.path.join(SRC, "completions")
BASH = os.path.join(COMP, "gonative.bash")
ZSH = os.path.join(COMP, "_gonative")
FISH = os.path.join(COMP, "gonative.fish")
# Accepted after any command (cmd/main.c moves them to the global options).
AFTER_COMMAND = {"--quiet", "--verbose", "-q", "-v"}


def bash_complete(words, cwd=None):
    """COMPREPLY of _gonative for the command line `words` (the last word is
    the one being completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); '
              '_gonative gonative "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", BASH] + words,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                       timeout=30)
    return [w for w in r.stdout.split("\n") if w], r.stderr


def man_long_options(cmd):
    return {o for o in scd.man_options(scd.sections(scd.man_page("gonative-%s.1" % cmd)))
            if o.startswith("--")}


def platform_line(path, pattern):
    with open(path) as f:
        m = re.search(pattern, f.read(), re.M)
    return re.findall(r"[a-z0-9]+/[a-z0-9]+", m.group(1)) if m else None


def main():
    t = Tap()
    known = known_platforms()
    t.ok(len(known) > 40, "gn/platform.c lists the platforms (%d)" % len(known))
    t.eq(platform_line(BASH, r"^_gonative_platforms='([^']*)'"), known,
         "bash: platform list matches gn/platform.c")
    t.eq(platform_line(ZSH, r"^\s*platforms=\(([^)]*)\)"), known,
         "zsh: platform list matches gn/platform.c")
    t.eq(platform_line(FISH, r"^set -l platforms (.*)$"), known,
         "fish: platform list matches gn/platform.c")

    commands = scd.man_commands()
    binary_commands = []
    if GONATIVE:
        rc, out, _ = scd.run_help(GONATIVE)
        binary_commands = sorted(scd.help_commands(out))

    # bash
    got, err = bash_complete(["gonative", ""])
    t.eq(sorted(got), sorted(commands), "bash: `gonative <TAB>` offers every command")
    for cmd in binary_commands:
        t.ok(cmd in got, "bash: offers %s (from gonative --help)" % cmd)
    got, err = bash_complete(["gonative", "-C", "/tmp", "--cache-dir", "=", "/tmp", "s"])
    t.eq(got, ["sync"], "bash: global options and their values are skipped", )

    for cmd in commands:
        got, err = bash_complete(["gonative", cmd, "--"])
        want = man_long_options(cmd) | {"--quiet", "--verbose"} | ({"--"} if cmd == "exec" else set())
        t.eq(sorted(set(got)), sorted(want),
             "bash: `gonative %s --<TAB>` offers its man page's options" % cmd)
        if GONATIVE and cmd in binary_commands:
            rc, out, _ = scd.run_help(GONATIVE, cmd)
            missing = {o for o in scd.help_options(out) if o.startswith("--")} - set(got)
            t.eq(sorted(missing), [], "bash: offers every option of `gonative %s --help`" % cmd)

    got, err = bash_complete(["gonative", "init", "--platform", "linux/a"])
    t.eq(got, [p for p in known if p.startswith("linux/a")],
         "bash: `init --platform linux/a<TAB>` offers the linux/a* platforms")
    got, err = bash_complete(["gonative", "init", "-p", "win"])
    t.eq(got, [p for p in known if p.startswith("win")], "bash: `init -p win<TAB>`")
    got, err = bash_complete(["gonative", "env", "--shell", "p"])
    t.eq(got, ["powershell", "pwsh"], "bash: `env --shell p<TAB>`")
    got, err = bash_complete(["gonative", "-"])
    t.ok({"-C", "-f", "--cache-dir", "--help", "--version"} <= set(got),
         "bash: `gonative -<TAB>` offers the global options", got)

    with tempfile.TemporaryDirectory(prefix="gn-docs-comp-") as work:
        os.mkdir(os.path.join(work, "subdir"))
        os.mkdir(os.path.join(work, "mirror-out"))
        for name in ("gonative.yaml", "secret.key", "sums.txt"):
            open(os.path.join(work, name), "w").close()
        for words, want, what in (
                (["gonative", "-C", "s"], ["subdir"], "-C DIR: folders only"),
                (["gonative", "--cache-dir", "m"], ["mirror-out"], "--cache-dir DIR: folders only"),
                (["gonative", "-f", "g"], ["gonative.yaml"], "-f MANIFEST: files"),
                (["gonative", "hash", "s"], ["subdir"], "hash DIR: folders only"),
                (["gonative", "mirror", "m"], ["mirror-out"], "mirror DIR: folders only"),
                (["gonative", "mirror", "x", "--sign", "s"], ["secret.key", "subdir", "sums.txt"],
                 "mirror --sign KEY: files"),
                (["gonative", "-C", "subdir", "hash", ""], ["mirror-out", "subdir"],
                 "hash after -C DIR"),
        ):
            got, err = bash_complete(words, cwd=work)
            t.eq(sorted(got), want, "bash: " + what)
        got, err = bash_complete(["gonative", "exec", "--", "bas"], cwd=work)
        t.ok("bash" in got, "bash: `exec -- bas<TAB>` completes commands", got)
        got, err = bash_complete(["gonative", "exec", "--", "go", "sub"], cwd=work)
        t.eq(got, ["subdir"], "bash: arguments after `exec -- CMD` are files")

    # zsh
    with open(ZSH) as f:
        zsh_src = f.read()
    zsh_cmds = re.findall(r"^\s*'([a-z]+):", zsh_src, re.M)
    t.eq(sorted(zsh_cmds), sorted(commands), "zsh: describes every command")
    for cmd in commands:
        m = re.search(r"^\t\t%s\)\n(.*?)\n\t\t\t;;" % cmd, zsh_src, re.M | re.S)
        body = m.group(1) if m else ""
        opts = set(re.findall(r"(--[a-z][\w-]*)[=+\[]", body)) | {"--help", "--quiet", "--verbose"}
        want = man_long_options(cmd) | {"--quiet", "--verbose"}
        t.eq(sorted(opts), sorted(want), "zsh: %s options match its man page" % cmd)
    if shutil.which("zsh"):
        r = subprocess.run(["zsh", "-n", ZSH], stderr=subprocess.PIPE, text=True)
        t.ok(r.returncode == 0, "zsh -n _gonative", r.stderr)
    else:
        t.skip("zsh -n _gonative", "zsh is not installed")

    # fish
    with open(FISH) as f:
        fish_src = f.read()
    fish_cmds = re.findall(r"-n __gonative_needs_command -a ([a-z]+) ", fish_src)
    t.eq(sorted(fish_cmds), sorted(commands), "fish: completes every command")
    if shutil.which("fish"):
        r = subprocess.run(["fish", "-n", FISH], stderr=subprocess.PIPE, text=True)
        t.ok(r.returncode == 0, "fish -n gonative.fish", r.stderr)

        def fish_complete(line):
            r = subprocess.run(["fish", "--no-config", "-c",
                                'source $argv[1]; complete -C $argv[2]', FISH, line],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=30)
            return [w.split("\t")[0] for w in r.stdout.split("\n") if w], r.stderr

        got, err = fish_complete("gonative init --platform linux/a")
        t.eq(got, [p for p in known if p.startswith("linux/a")],
             "fish: `init --platform linux/a<TAB>`", )
        got, err = fish_complete("gonative ")
        t.ok(set(commands) <= set(got), "fish: `gonative <TAB>` offers every command",
             "%s\n%s" % (got, err))
        for cmd in commands:
            got, err = fish_complete("gonative %s --" % cmd)
            want = man_long_options(cmd) | {"--quiet", "--verbose"}
            t.eq(sorted(set(got)), sorted(want), "fish: `gonative %s --<TAB>`" % cmd)
    else:
        t.skip("fish -n gonative.fish", "fish is not installed")
    t.done()


main()
