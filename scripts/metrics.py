#!/usr/bin/env python3
"""Architecture figures for the closing notes of issue 13: files over 600
lines, functions over 80 lines, cache_unlock calls, places that read the
environment below cmd/, and fixed path buffers, over gn/ manifest/
lockfiles/ builder/ cmd/ (or the folders given).  Kernel style makes a
function easy to find: its body opens and closes with a brace in column 0.

    scripts/metrics.py [--list] [DIR...]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["gn", "manifest", "lockfiles", "builder", "export", "cmd"]
PATH_BUF = re.compile(r"\bchar\s+\w+\s*\[\s*(\d+|\w*PATH_MAX\w*|4096[^\]]*)\s*\]")
ENV_READ = re.compile(r"\b(getenv|secure_getenv)\s*\(|\benviron\b")


def sources(dirs):
    for d in dirs:
        top = os.path.join(ROOT, d)
        for base, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(base, name), ROOT)


def functions(lines):
    """(name, first line, length) of each function defined in the file."""
    out = []
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{") and i > 0:
            j = i - 1
            while j > 0 and not re.match(r"^[A-Za-z_]\w*\s*\(", lines[j]):
                j -= 1
            m = re.match(r"^([A-Za-z_]\w*)\s*\(", lines[j])
            start = (m.group(1) if m else "?", j + 1, i)
        elif line.startswith("}") and start:
            out.append((start[0], start[1], i - start[2] + 1))
            start = None
    return out


def main(argv):
    listing = "--list" in argv
    dirs = [a for a in argv if not a.startswith("--")] or LAYERS
    big_files, long_funcs, unlocks, env_reads, path_bufs = [], [], 0, [], 0
    for rel in sources(dirs):
        with open(os.path.join(ROOT, rel), errors="replace") as fh:
            lines = fh.read().split("\n")
        if len(lines) - 1 > 600:
            big_files.append((rel, len(lines) - 1))
        for name, first, length in functions(lines):
            if length > 80:
                long_funcs.append((rel, first, name, length))
        code = [ln for ln in lines if not ln.lstrip().startswith(("*", "/*", "//"))]
        unlocks += sum(ln.count("cache_unlock(") for ln in code if "int cache_unlock" not in ln
                       and "void cache_unlock" not in ln)
        if not rel.startswith("cmd/") and "lazy" not in rel:
            env_reads += [(rel, i + 1) for i, ln in enumerate(lines)
                          if ln in code and ENV_READ.search(ln)]
        path_bufs += sum(1 for ln in code if PATH_BUF.search(ln) and "path" in ln.lower())
    print("files over 600 lines:      %d" % len(big_files))
    print("functions over 80 lines:   %d" % len(long_funcs))
    print("cache_unlock calls:        %d" % unlocks)
    print("environment reads (core):  %d" % len(env_reads))
    print("fixed path buffers:        %d" % path_bufs)
    if listing:
        for rel, n in sorted(big_files, key=lambda x: -x[1]):
            print("  file %s %d" % (rel, n))
        for rel, first, name, n in sorted(long_funcs, key=lambda x: -x[3]):
            print("  function %s:%d %s() %d" % (rel, first, name, n))
        for rel, line in env_reads:
            print("  env %s:%d" % (rel, line))


if __name__ == "__main__":
    main(sys.argv[1:])
