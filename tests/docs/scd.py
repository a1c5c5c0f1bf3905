"""Reading the scdoc man page sources and gonative's --help texts."""

import glob
import os
import re
import subprocess

from taplib import SRC

DOC = os.path.join(SRC, "doc")

# Options the design contract gives these commands and the man pages
# describe, which the binary may not have yet (the CLI grows them in
# parallel).  While --help does not list one, the docs test reports a SKIP
# instead of a failure; once --help lists it, it is checked like any other.
# {command: {options}}; empty now that the CLI has all of issue 7's.
PENDING = {}

OPTION = re.compile(r"^--?[A-Za-z][\w-]*$")


def sections(path):
    """{"NAME": [lines], "SYNOPSIS": [...], ...} of an .scd file."""
    out, cur = {}, None
    with open(path) as f:
        for line in f.read().split("\n"):
            m = re.match(r"^# (.+)$", line)
            if m:
                cur = m.group(1).strip()
                out[cur] = []
            elif cur:
                out[cur].append(line)
    return out


def plain(text):
    """scdoc markup removed: *bold*, _underline_, backslash escapes."""
    text = re.sub(r"(?<![\\A-Za-z0-9])_|(?<![\\])_(?![A-Za-z0-9])", "", text)
    text = re.sub(r"(?<!\\)\*", "", text)
    return text.replace("\\_", "_").replace("\\*", "*")


def paragraph(lines):
    """The first paragraph (non-empty lines up to a blank one), joined."""
    out = []
    for line in lines:
        if not line.strip():
            if out:
                break
            continue
        out.append(line.strip())
    return " ".join(out)


def man_commands():
    """Commands that have a page: doc/gonative-CMD.1.scd."""
    names = []
    for path in sorted(glob.glob(os.path.join(DOC, "gonative-*.1.scd"))):
        names.append(os.path.basename(path)[len("gonative-"):-len(".1.scd")])
    return names


def man_page(name):
    return os.path.join(DOC, name + ".scd")


def man_options(secs):
    """Short and long options named in the terms of the OPTIONS section."""
    opts = set()
    for line in secs.get("OPTIONS", []):
        if line.startswith("*-"):
            opts.update(re.findall(r"\*(--?[A-Za-z][\w-]*)\*", line))
    return opts


def man_synopsis(secs):
    return " ".join(plain(paragraph(secs.get("SYNOPSIS", []))).split())


def man_summary(secs):
    """NAME line: "gonative-sync - install ..." -> ("gonative-sync", "install ...")."""
    line = paragraph(secs.get("NAME", []))
    name, _, summary = line.partition(" - ")
    return plain(name).strip(), plain(summary).strip()


def run_help(gonative, *args):
    r = subprocess.run([gonative] + list(args) + ["--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def help_usage(text):
    """The "Usage:" line with its indented continuation lines, joined."""
    out = None
    for line in text.split("\n"):
        if out is None:
            if line.startswith("Usage: "):
                out = [line[len("Usage: "):]]
        elif line.startswith((" ", "\t")) and line.strip():
            out.append(line)
        else:
            break
    return " ".join(" ".join(out).split()) if out else None


def help_options(text):
    """Options in the "Options:" / "Global options:" block of a --help text.

    A line such as "  -j, --jobs N  parallel downloads" gives -j and --jobs:
    option tokens are read until a word that is neither an option nor the
    one placeholder after an option.
    """
    opts, inside = set(), False
    for line in text.split("\n"):
        if re.match(r"^(Global options|Options):\s*$", line):
            inside = True
            continue
        if not inside:
            continue
        if not line.strip():
            break
        words = line.split()
        if not words[0].startswith("-"):
            continue
        after_option = False
        for word in words:
            word = word.rstrip(",")
            if OPTION.match(word):
                opts.add(word)
                after_option = True
            elif after_option:
                after_option = False
            else:
                break
    return opts


def help_commands(text):
    """{name: summary} from the "Commands:" block of `gonative --help`."""
    out, inside = {}, False
    for line in text.split("\n"):
        if line.strip() == "Commands:":
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            m = re.match(r"^\s+(\S+)\s+(.*)$", line)
            if m:
                out[m.group(1)] = m.group(2).strip()
    return out


def strip_groups(synopsis, drop):
    """The synopsis without the [...] groups that start with an option in drop."""
    out, i = [], 0
    while i < len(synopsis):
        if synopsis[i] == "[":
            depth, j = 0, i
            while j < len(synopsis):
                depth += {"[": 1, "]": -1}.get(synopsis[j], 0)
                if depth == 0:
                    break
                j += 1
            inner = synopsis[i + 1:j].split()
            if inner and inner[0].split("|")[0] in drop:
                i = j + 1
                continue
        out.append(synopsis[i])
        i += 1
    return " ".join("".join(out).split())
