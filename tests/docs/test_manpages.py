"""The man pages (doc/*.scd) and the binary's --help texts agree.

For gonative(1) and every command: the options listed by --help and the
OPTIONS terms of the man page are the same set, the --help "Usage:" line is
the man page's SYNOPSIS, and the NAME line carries the summary that
`gonative --help` prints.  Which commands exist is asked of the binary: a
command with a man page that the binary does not know yet is skipped (TAP
SKIP), and is checked as soon as it exists.  Options the design contract
promises but --help does not list yet are skipped the same way (scd.PENDING).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import scd  # noqa: E402
from taplib import GONATIVE, SRC, Tap, known_platforms, skip_all  # noqa: E402


def compare_options(t, label, help_opts, man_opts, pending):
    for opt in sorted(help_opts - man_opts):
        t.ok(False, "%s: %s from --help is in the man page" % (label, opt))
    for opt in sorted(man_opts - help_opts):
        if opt in pending:
            t.skip("%s: %s from the man page is in --help" % (label, opt),
                   "not in the binary yet (design contract)")
        else:
            t.ok(False, "%s: %s from the man page is in --help" % (label, opt))
    t.ok(help_opts & man_opts == help_opts and help_opts,
         "%s: the %d options of --help are documented" % (label, len(help_opts)))


def main():
    if not GONATIVE:
        skip_all("GONATIVE is not set")
    t = Tap()

    # gonative(1)
    rc, out, err = scd.run_help(GONATIVE)
    t.eq(rc, 0, "gonative --help exits 0")
    top = scd.sections(scd.man_page("gonative.1"))
    compare_options(t, "gonative", scd.help_options(out), scd.man_options(top), set())
    t.eq(scd.man_synopsis(top), scd.help_usage(out), "gonative: SYNOPSIS is the usage line")
    binary_commands = scd.help_commands(out)
    t.ok(len(binary_commands) >= 7, "gonative --help lists the commands", out)

    man_cmds = scd.man_commands()
    listed = set()
    for line in top.get("COMMANDS", []):
        m = re.match(r"^\*([a-z]+)\*$", line)
        if m:
            listed.add(m.group(1))
    t.eq(sorted(listed), sorted(man_cmds),
         "gonative(1) COMMANDS lists exactly the commands that have a page")
    for cmd in sorted(binary_commands):
        t.ok(cmd in man_cmds, "%s (from gonative --help) has a man page" % cmd)

    codes = re.findall(r"\b([0-9]) (?:success|drift|usage|download|integrity|local)", out)
    man_codes = [m.group(1) for m in
                 (re.match(r"^\*([0-9])\*$", line) for line in top.get("EXIT STATUS", []))
                 if m]
    t.eq(man_codes, codes, "gonative(1) EXIT STATUS has the codes of --help")

    with open(os.path.join(SRC, "doc", "meson.build")) as f:
        build = f.read()
    pages = sorted(os.path.basename(p)[:-len(".scd")]
                   for p in os.listdir(os.path.join(SRC, "doc")) if p.endswith(".scd"))
    built = sorted("%s.%s" % m for m in re.findall(r"\['([\w.-]+)', '([15])'\]", build))
    t.eq(built, pages, "doc/meson.build builds every .scd page")

    # gonative.yaml(5) lists the platforms gn/platform.c knows.
    yaml5 = scd.sections(scd.man_page("gonative.yaml.5"))
    text = " ".join(yaml5.get("PLATFORMS", []))
    t.eq(re.findall(r"\b([a-z0-9]+/[a-z0-9]+)[,.]", text), known_platforms(),
         "gonative.yaml(5) PLATFORMS matches gn/platform.c")

    for cmd in sorted(set(man_cmds) | set(binary_commands)):
        label = "gonative-" + cmd
        rc, out, err = scd.run_help(GONATIVE, cmd)
        if rc != 0 and "unknown command" in err:
            t.skip("%s: --help agrees with the man page" % label,
                   "the binary has no '%s' command yet" % cmd)
            continue
        if not t.ok(rc == 0 and scd.help_usage(out), "%s --help prints a usage" % label, err):
            continue
        path = scd.man_page(label + ".1")
        if not t.ok(os.path.exists(path), "%s has a man page" % label):
            continue
        secs = scd.sections(path)
        help_opts = scd.help_options(out)
        pending = scd.PENDING.get(cmd, set()) - help_opts
        compare_options(t, label, help_opts, scd.man_options(secs), pending)
        t.eq(scd.strip_groups(scd.man_synopsis(secs), pending), scd.help_usage(out),
             "%s: SYNOPSIS is the usage line" % label)
        name, summary = scd.man_summary(secs)
        t.eq(name, label, "%s: NAME names the page" % label)
        if cmd in binary_commands:
            t.eq(summary, binary_commands[cmd], "%s: NAME has the summary of --help" % label)
    t.done()


main()
