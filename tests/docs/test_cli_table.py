"""The CLI tables (cmd/*.c, read through `gonative --dump-cli`) against
everything that restates them by hand: the man pages (doc/*.scd), the
bash, zsh and fish completions (completions/) and the exit statuses of
gonative(1) and docs/design.md.  docs/design.md, section 19 says why these
are checked rather than generated.

For every command and for the global options: the man page's OPTIONS terms
are the table's options with the same placeholders; its SYNOPSIS is the
table's synopsis and names every option; NAME carries the summary; each
completion offers exactly the table's options (short and long) and treats
exactly the options that take a value as taking one.
"""

import json
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import scd  # noqa: E402
from taplib import GONATIVE, SRC, Tap, skip_all  # noqa: E402

COMP = os.path.join(SRC, "completions")
# Accepted after any command too (cmd/main.c moves them to the globals).
AFTER_COMMAND = {"-q", "--quiet", "-v", "--verbose"}
# Options that print and exit: a synopsis need not name them.
INFORMATION = {"help", "version"}


def names(options):
    """{"-j", "--jobs", ...} of a table's options."""
    out = set()
    for o in options:
        if o["short"]:
            out.add("-" + o["short"])
        if o["long"]:
            out.add("--" + o["long"])
    return out


def valued(options):
    return names([o for o in options if o["arg"]])


def man_terms(secs):
    """{frozenset(options): placeholder or None} of the OPTIONS terms."""
    out = {}
    for line in secs.get("OPTIONS", []):
        if not line.startswith("*-"):
            continue
        opts = frozenset(re.findall(r"\*(--?[A-Za-z][\w-]*)\*", line))
        arg = re.search(r"\s_(.+)_\s*$", line)
        out[opts] = scd.plain(arg.group(1)) if arg else None
    return out


def table_terms(options):
    return {frozenset(names([o])): o["arg"] for o in options}


def check_man(t, label, secs, options, synopsis, prefix):
    t.eq(man_terms(secs), table_terms(options),
         "%s: man OPTIONS are the table's options and placeholders" % label)
    t.eq(scd.man_synopsis(secs), " ".join((prefix + " " + synopsis).split()),
         "%s: man SYNOPSIS is the table's synopsis" % label)
    words = set(re.findall(r"--?[A-Za-z][\w-]*", synopsis))
    missing = sorted(o["long"] or o["short"] for o in options
                     if o["long"] not in INFORMATION and not names([o]) & words)
    t.eq(missing, [], "%s: the synopsis names every option" % label)


# ---- bash -------------------------------------------------------------

def bash_tables(src):
    per_cmd = {}
    m = re.search(r"_gonative_command_options\(\)\n\{\n\tcase \$1 in\n(.*?)\n\tesac", src, re.S)
    for cmd, opts in re.findall(r"^\t(\w+)\) echo '([^']*)' ;;$", m.group(1) if m else "", re.M):
        per_cmd[cmd] = set(opts.split())
    g = re.search(r"local global_opts='([^']*)'", src)
    globals_ = set(g.group(1).split()) if g else set()
    cmds = re.search(r"^_gonative_commands='([^']*)'", src, re.M)
    # Global options whose value is skipped when looking for the command.
    gv = re.search(r"case \$word in\n\s*([^)]*)\)", src)
    global_valued = {w.strip() for w in gv.group(1).split("|")} if gv else set()
    # cmd:--opt patterns whose value is completed (or left alone) as a value.
    cv = re.search(r"case \$cmd:\$prev in\n(.*?)\n\tesac", src, re.S)
    cmd_valued = {}
    for pair in re.findall(r"(\w+):(--?[\w-]+)", cv.group(1) if cv else ""):
        cmd_valued.setdefault(pair[0], set()).add(pair[1])
    return (cmds.group(1).split() if cmds else [], globals_, global_valued, per_cmd,
            cmd_valued)


# ---- zsh --------------------------------------------------------------

SPEC = re.compile(r"(--?[A-Za-z][\w-]*)([=+]?)(?=[\[,}])")


def zsh_specs(text):
    """({options}, {options that take a value}) of _arguments specs."""
    opts, vals = set(), set()
    for opt, kind in SPEC.findall(text):
        opts.add(opt)
        if kind:
            vals.add(opt)
    return opts, vals


def zsh_tables(src):
    head = re.search(r"_arguments -C \\\n(.*?)'1: :->command'", src, re.S)
    helps = re.search(r"\bhelp=\(\n(.*?)\n\t\)", src, re.S)
    help_opts, _ = zsh_specs(helps.group(1) if helps else "")
    per_cmd = {}
    for cmd, body in re.findall(r"^\t\t(\w+)\)\n(.*?)\n\t\t\t;;", src, re.M | re.S):
        opts, vals = zsh_specs(body)
        if "$help" in body:
            opts |= help_opts
        per_cmd[cmd] = (opts, vals)
    return zsh_specs(head.group(1) if head else ""), per_cmd


# ---- fish -------------------------------------------------------------

def fish_tables(src, commands):
    """{None (global) or command: ({options}, {that take a value})}."""
    out = {k: (set(), set()) for k in [None] + commands}
    for line in src.split("\n"):
        if not line.startswith("complete -c gonative "):
            continue
        words = shlex.split(line)
        cond = words[words.index("-n") + 1] if "-n" in words else ""
        opts = set()
        for flag, prefix in (("-s", "-"), ("-l", "--")):
            for i, w in enumerate(words):
                if w == flag and i + 1 < len(words):
                    opts.add(prefix + words[i + 1])
        if not opts:
            continue
        takes = "-x" in words or "-r" in words
        if cond == "__gonative_needs_command":
            where = [None]
        elif cond.startswith("not __gonative_exec_after_dashdash"):
            where = [None] + commands
        else:
            m = re.match(r"__gonative_using ([\w ]+)", cond)
            where = m.group(1).split() if m else []
        for k in where:
            out.setdefault(k, (set(), set()))
            out[k][0].update(opts)
            if takes:
                out[k][1].update(opts)
    return out


def main():
    if not GONATIVE:
        skip_all("GONATIVE is not set")
    t = Tap()
    r = subprocess.run([GONATIVE, "--dump-cli"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    if not t.ok(r.returncode == 0, "gonative --dump-cli exits 0", r.stderr):
        t.done()
    cli = json.loads(r.stdout)
    commands = [c["name"] for c in cli["commands"]]
    glob = cli["global"]
    t.ok(len(commands) >= 9 and all(c["options"] for c in cli["commands"]),
         "the dump has the commands and their options", commands)
    rc, out, _ = scd.run_help(GONATIVE)
    t.ok("--dump-cli" not in out, "--dump-cli is hidden from --help")

    # Man pages.
    top = scd.sections(scd.man_page("gonative.1"))
    check_man(t, "gonative(1)", top, glob, cli["synopsis"], "gonative")
    t.eq(sorted(scd.man_commands()), sorted(commands), "every command has a man page and no more")
    for c in cli["commands"]:
        label = "gonative-%s(1)" % c["name"]
        path = scd.man_page("gonative-%s.1" % c["name"])
        if not t.ok(os.path.exists(path), "%s exists" % label):
            continue
        secs = scd.sections(path)
        check_man(t, label, secs, c["options"], c["synopsis"], "gonative " + c["name"])
        t.eq(scd.man_summary(secs)[1], c["summary"], "%s: NAME has the table's summary" % label)

    # Exit statuses: gn/error.h's GN_EXITS and main.c's signals.
    statuses = [e["status"] for e in cli["exit"]]
    stops = [s["status"] for s in cli["signals"]]
    exit_lines = top.get("EXIT STATUS", [])
    t.eq([int(x) for line in exit_lines if re.match(r"^\*[0-9]+\*$", line)
          for x in re.findall(r"[0-9]+", line)], statuses,
         "gonative(1) EXIT STATUS has the statuses of gn/error.h")
    sig_term = ["*%d*" % s for s in stops]
    t.ok(", ".join(sig_term) in exit_lines, "gonative(1) EXIT STATUS has %s" % ", ".join(sig_term))
    text = " ".join(exit_lines)
    m = re.search(r"\(128 \+ the signal\)\.(.*?)first clean up", text)
    cleaners = [c["name"] for c in cli["commands"] if c["cleans_up"]]
    t.eq(re.findall(r"\*([a-z]+)\*", m.group(1)) if m else None, cleaners,
         "gonative(1) names the commands that clean up on a signal")
    with open(os.path.join(SRC, "docs", "design.md")) as f:
        design = f.read()
    sec = design[design.index("## 2. "):design.index("## 3. ")]
    rows = re.findall(r"^\| ([0-9, ]+) \|", sec, re.M)
    t.eq(rows, [str(s) for s in statuses] + [", ".join(str(s) for s in stops)],
         "docs/design.md section 2 lists the exit statuses of gn/error.h")

    # bash
    with open(os.path.join(COMP, "gonative.bash")) as f:
        bash = f.read()
    b_cmds, b_global, b_gvalued, b_per_cmd, b_valued = bash_tables(bash)
    t.eq(sorted(b_cmds), sorted(commands), "bash: _gonative_commands is the command table")
    t.eq(b_global, names(glob), "bash: global options are the table's")
    t.eq(b_gvalued, valued(glob), "bash: global options that take a value are the table's")
    for c in cli["commands"]:
        t.eq(b_per_cmd.get(c["name"]), names(c["options"]),
             "bash: %s offers the table's options" % c["name"])
        t.eq(b_valued.get(c["name"], set()), valued(c["options"]),
             "bash: %s treats the table's value options as taking a value" % c["name"])

    # zsh
    with open(os.path.join(COMP, "_gonative")) as f:
        zsh = f.read()
    (z_global, z_gvalued), z_per_cmd = zsh_tables(zsh)
    t.eq(z_global, names(glob), "zsh: global options are the table's")
    t.eq(z_gvalued, valued(glob), "zsh: global options that take a value are the table's")
    for c in cli["commands"]:
        opts, vals = z_per_cmd.get(c["name"], (set(), set()))
        t.eq(opts - AFTER_COMMAND, names(c["options"]),
             "zsh: %s offers the table's options" % c["name"])
        t.eq(vals, valued(c["options"]), "zsh: %s value options are the table's" % c["name"])

    # fish
    with open(os.path.join(COMP, "gonative.fish")) as f:
        fish = f.read()
    f_tables = fish_tables(fish, commands)
    t.eq(f_tables[None][0], names(glob), "fish: global options are the table's")
    t.eq(f_tables[None][1], valued(glob), "fish: global options that take a value are the table's")
    for c in cli["commands"]:
        opts, vals = f_tables.get(c["name"], (set(), set()))
        t.eq(opts - AFTER_COMMAND, names(c["options"]),
             "fish: %s offers the table's options" % c["name"])
        t.eq(vals, valued(c["options"]), "fish: %s value options are the table's" % c["name"])
    t.done()


main()
