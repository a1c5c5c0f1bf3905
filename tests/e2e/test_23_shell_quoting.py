"""Text that reaches a shell stays text (issue 10).

1. Byte sweep: every byte 0x01..0xFF alone, inside strings and in every
   pair, the quote-like Unicode characters and hostile payloads go through
   gn/shquote (tests/gn/shquote_print, $SHQUOTE_PRINT) and are eval'd by
   the real bash, bash --posix, dash, zsh, zsh with RC_QUOTES and fish, in
   the C and C.UTF-8 locales.  Each value must read back byte for byte,
   fish and PowerShell must refuse exactly the invalid UTF-8, and no
   PWNED file may appear.
2. `gonative env --shell S` for a project whose install path holds quotes,
   $(), backticks, backslashes, spaces, U+2018..U+201B and other UTF-8,
   eval'd by each real shell: GOROOT and PATH come back exact, nothing ran.
   PowerShell is not packaged for Debian, so its output is read by a parser
   of the verbatim-string grammar (about_Quoting_Rules: ' and U+2018..U+201B
   all delimit, and doubled stand for themselves).
3. `gonative exec` passes arguments verbatim, through no shell.
"""

import json
import os
import shutil
import subprocess

import e2e

PWNED = "PWNED"
CHUNK = 500

# Characters PowerShell reads as a single quote (its tokenizer and the
# language specification's single-quote-character).
PS_QUOTES = "'\u2018\u2019\u201a\u201b"

QUOTE_LIKE = [
    "\u2018", "\u2019", "\u201a", "\u201b",  # PowerShell single quotes
    "\u201c", "\u201d", "\u201e", "\u201f",  # double quotation marks
    "\u02bc", "\u02b9", "\u2032", "\uff07",  # modifier apostrophe, primes, fullwidth '
    "\uff02", "\uff3c", "\ufe68", "\u00b4", "\u0060",
    "\ufeff", "\u00a0", "\u2028", "\u2029", "\u0085",
    "\uf600", "\uf6ff", "\ufdd0", "\ufdef", "\ufffe", "\uffff",  # fish's private ranges
    "\ue000", "\U0001f41f", "\U0010ffff", "\u00e9", "\u0451",
]

PAYLOADS = [
    "$(touch PWNED)", "`touch PWNED`", "; touch PWNED", "(touch PWNED)",
    "'; touch PWNED; '", "'; touch PWNED; #", "\\'; touch PWNED; #",
    "a\\", "\\", "\\\\'", "'\\''", "''", "'", "\"$(touch PWNED)\"",
    "'$(touch PWNED)'", "x\u2019; touch PWNED; #", "x\u2018) ; touch PWNED; #",
    "\n touch PWNED\n", "\r touch PWNED;", "x\n'; touch PWNED; '", "x\\\n touch PWNED",
    "$HOME ~ * ? [a] {a,b} %self !! ^ & | < > #", "$((1+1)) ${x:-$(touch PWNED)}",
    "-n", "--", "-e \\x41", "%s%n", "a\tb c  d",
]


def sweep_inputs():
    """Byte strings to quote (no NUL: a C string cannot carry one)."""
    inputs = [bytes([b]) for b in range(1, 256)]
    for b in range(1, 256):
        c = bytes([b])
        inputs += [b"a" + c + b"b", b"'" + c + b"'", b"\\" + c + b"\\",
                   b"\\" + c, c + b"'", b"$(" + c + b"touch PWNED)"]
    inputs += [bytes([a, b]) for a in range(1, 256) for b in range(1, 256)]
    inputs.append(bytes(range(1, 256)))
    inputs.append(bytes(range(255, 0, -1)))
    for ch in QUOTE_LIKE:
        u = ch.encode("utf-8", "surrogatepass")
        inputs += [u, b"a" + u + b"b", u + u, b"'" + u + b"\\", b"x" + u + b"; touch PWNED; #"]
    inputs += [p.encode() for p in PAYLOADS]
    # Invalid UTF-8: cut short, overlong, surrogate, past U+10FFFF.
    inputs += [b"\xe2\x80", b"\xe2\x80'", b"\xc0\xa7", b"\xe0\x80\xa7", b"\xed\xa0\x80",
               b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"'\xff'", b"\\\x80"]
    return inputs


def valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def quote_all(t, driver, shell, inputs):
    """[("OK", word) or ("ERR", message)] for each input, from gn/shquote."""
    data = b"".join(i + b"\0" for i in inputs)
    p = subprocess.run([driver, shell], input=data, capture_output=True, timeout=120)
    t.require(p.returncode == 0, "shquote_print %s runs" % shell, p.stderr.decode(errors="replace"))
    records = p.stdout.split(b"\0")
    t.require(records[-1] == b"" and len(records) - 1 == len(inputs),
              "shquote_print %s: one answer per input" % shell,
              "%d answers for %d inputs" % (len(records) - 1, len(inputs)))
    out = []
    for r in records[:-1]:
        kind, _, rest = r.partition(b" ")
        out.append((kind.decode(), rest))
    return out


# Real shells: argv to read a script from stdin and evaluate it as users do.
def shell_runs():
    posix_eval = 'eval "$(cat)"'
    return [
        ("bash", ["bash", "--norc", "--noprofile", "-c", posix_eval], "sh"),
        ("bash --posix", ["bash", "--posix", "--norc", "--noprofile", "-c", posix_eval], "sh"),
        ("dash", ["dash", "-c", posix_eval], "sh"),
        ("zsh", ["zsh", "-f", "-c", posix_eval], "sh"),
        ("zsh -o rcquotes", ["zsh", "-f", "-o", "rcquotes", "-c", posix_eval], "sh"),
        ("fish | source", ["fish", "--no-config", "-c", "source"], "fish"),
        ("fish eval (cat)", ["fish", "--no-config", "-c", "eval (cat)"], "fish"),
    ]


def print_cmd(quoter, var):
    if quoter == "fish":
        return "printf '%%s\\0' $%s;" % var
    return "printf '%%s\\0' \"$%s\"" % var


def run_shell(argv, script, cwd, locale):
    """Run in cwd, which must stay empty (fish writes its files to $HOME)."""
    home = os.path.join(os.path.dirname(cwd), "home")
    os.makedirs(home, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": locale,
           "TERM": "dumb"}
    return subprocess.run(argv, input=script, cwd=cwd, env=env, capture_output=True,
                          timeout=300)


def check_sweep(t, driver):
    inputs = sweep_inputs()
    answers = {q: quote_all(t, driver, q, inputs) for q in ("sh", "fish", "powershell")}

    # Refusals: sh none; fish exactly the invalid UTF-8; PowerShell the
    # invalid UTF-8 and CR/LF.
    for q, refuse in (("sh", lambda b: False),
                      ("fish", lambda b: not valid_utf8(b)),
                      ("powershell", lambda b: not valid_utf8(b) or b"\n" in b or b"\r" in b)):
        wrong = [(i, a) for i, a in zip(inputs, answers[q])
                 if (a[0] == "ERR") != refuse(i)]
        t.check(not wrong, "%s: refuses exactly what it cannot hold (%d inputs)" % (q, len(inputs)),
                "\n".join("%r -> %r" % w for w in wrong[:10]))
        errs = [a[1] for a in answers[q] if a[0] == "ERR"]
        t.check(all(b"cannot quote text for " + q.encode() in e for e in errs),
                "%s: each refusal says why (%d refused)" % (q, len(errs)), errs[:3])

    # PowerShell: the grammar reads every word back as its input.
    wrong = []
    for i, (kind, word) in zip(inputs, answers["powershell"]):
        if kind == "OK":
            if not valid_utf8(word) or not valid_utf8(i):
                wrong.append((i, word))
                continue
            got, rest = ps_verbatim(word.decode("utf-8"))
            if got != i.decode("utf-8") or rest != "":
                wrong.append((i, word))
    t.check(not wrong, "powershell: every word parses back to its input as one verbatim string",
            "\n".join("%r -> %r" % w for w in wrong[:10]))

    for name, argv, q in shell_runs():
        if not shutil.which(argv[0]):
            t.check(False, "%s is installed (scripts/deps.sh installs it)" % argv[0])
            continue
        accepted = [(i, w) for i, (k, w) in zip(inputs, answers[q]) if k == "OK"]
        lines = []
        for _, word in accepted:
            if q == "fish":
                lines.append(b"set -gx GOROOT " + word + b"; " + print_cmd(q, "GOROOT").encode())
            else:
                lines.append(b"export GOROOT=" + word + b"\n" + print_cmd(q, "GOROOT").encode())
        want = [i for i, _ in accepted]
        for locale in ("C", "C.UTF-8"):
            cwd = t.newdir("sweep")
            # One eval per CHUNK lines: zsh's eval slows down more than
            # linearly with the length of its text.
            got, rcs, errs = [], set(), b""
            for at in range(0, len(lines), CHUNK):
                r = run_shell(argv, b"\n".join(lines[at:at + CHUNK]) + b"\n", cwd, locale)
                got += r.stdout.split(b"\0")[:-1] if r.stdout.endswith(b"\0") else [r.stdout]
                rcs.add(r.returncode)
                errs += r.stderr[:500]
            bad = [(w, g) for w, g in zip(want, got) if w != g]
            t.check(rcs == {0} and len(got) == len(want) and not bad,
                    "%s (LC_ALL=%s): %d values read back byte for byte"
                    % (name, locale, len(want)),
                    "exits %s, %d of %d values, first differences: %s\nstderr: %s"
                    % (sorted(rcs), len(got), len(want), bad[:5],
                       errs[:2000].decode(errors="replace")))
            t.check(os.listdir(cwd) == [], "%s (LC_ALL=%s): nothing ran (no %s)"
                    % (name, locale, PWNED), os.listdir(cwd))


def ps_verbatim(text):
    """Read one PowerShell verbatim string at the start of text (the
    language specification's verbatim-string-literal): it opens and closes
    with any single-quote-character; two of them in a row inside stand for
    the second.  Returns (value, rest) or (None, text)."""
    if not text or text[0] not in PS_QUOTES:
        return None, text
    value = []
    i = 1
    while i < len(text):
        c = text[i]
        if c in PS_QUOTES:
            if i + 1 < len(text) and text[i + 1] in PS_QUOTES:
                value.append(text[i + 1])
                i += 2
                continue
            return "".join(value), text[i + 1:]
        value.append(c)
        i += 1
    return None, text


def ps_env(out):
    """{name: value} from `env --shell powershell`, or None when a line is
    not exactly an assignment of one verbatim string (plus the PATH tail)."""
    values = {}
    lines = out.split("\n")
    if lines[-1] != "" or len(lines) != 3:
        return None
    for line, name, tail in ((lines[0], "GOROOT", ""),
                             (lines[1], "PATH", " + [IO.Path]::PathSeparator + $env:PATH")):
        head = "$env:%s = " % name
        if not line.startswith(head):
            return None
        value, rest = ps_verbatim(line[len(head):])
        if value is None or rest != tail:
            return None
        values[name] = value
    return values


def write_project(t, install):
    root = t.newdir("proj")
    with open(os.path.join(root, "gonative.yaml"), "w", encoding="utf-8") as fh:
        fh.write('go: "1.21"\nhosts: [%s]\ninstall: %s\n'
                 % (json.dumps(e2e.HOST), json.dumps(install, ensure_ascii=False)))
    return root


def gonative(t, root, *args):
    return subprocess.run([t.exe, "-C", root, "--cache-dir", os.path.join(root, ".cache")]
                          + list(args), cwd=root, capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL,
                          env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))


# Install names for `gonative env`: every shell must read them back.
RICH = ("it's \"q\" $(touch PWNED) `touch PWNED` ; touch PWNED; # \\' (touch PWNED) "
        "\\n \u2018a\u2019 \u201ab\u201b caf\u00e9 \u0451 \U0001f41f \\")
# Each broke one shell on the old quoting: fish reads \' inside '...' as an
# escape; PowerShell ends '...' at U+2019 and U+2018.
EXPLOITS = {"fish": "a\\'; touch PWNED; #",
            "powershell": "a\u2019; touch PWNED; #"}


def check_env(t):
    env_shells = [("sh", ["sh", "-c", 'eval "$(cat)"'], "sh"),
                  ("bash", ["bash", "--norc", "--noprofile", "-c", 'eval "$(cat)"'], "bash"),
                  ("dash", ["dash", "-c", 'eval "$(cat)"'], "sh"),
                  ("zsh", ["zsh", "-f", "-c", 'eval "$(cat)"'], "zsh"),
                  ("fish | source", ["fish", "--no-config", "-c", "source"], "fish"),
                  ("fish eval (...)", ["fish", "--no-config", "-c", "eval (cat)"], "fish")]
    names = [("rich", RICH), ("fish exploit", EXPLOITS["fish"]),
             ("powershell exploit", EXPLOITS["powershell"])]
    for label, install in names:
        root = write_project(t, install)
        j = gonative(t, root, "env", "--json")
        t.require(j.returncode == 0, "env --json for the %s path" % label,
                  j.stderr.decode(errors="replace"))
        goroot = json.loads(j.stdout)["GOROOT"]
        t.check(goroot.endswith("/" + install), "%s path: GOROOT ends with the install name" % label,
                goroot)
        for name, argv, flag in env_shells:
            r = gonative(t, root, "env", "--shell", flag)
            if not t.check(r.returncode == 0, "%s path: env --shell %s" % (label, flag),
                           r.stderr.decode(errors="replace")):
                continue
            cwd = t.newdir("env")
            if flag == "fish":
                tail = b"\nprintf '%s\\0' $GOROOT $PATH[1]\n"
            else:
                tail = b"\nprintf '%s\\0' \"$GOROOT\" \"$PATH\"\n"
            s = run_shell(argv, r.stdout + tail, cwd, "C.UTF-8")
            got = s.stdout.split(b"\0")
            want_path = (goroot + "/bin").encode()
            if flag != "fish":
                want_path += b":" + os.environ.get("PATH", "/usr/bin:/bin").encode()
            t.check(s.returncode == 0 and got[:2] == [goroot.encode(), want_path],
                    "%s path: %s reads GOROOT and PATH back exactly" % (label, name),
                    "output:\n%s\nshell stdout %r\nstderr %s" % (
                        r.stdout.decode(errors="replace"), s.stdout,
                        s.stderr.decode(errors="replace")))
            t.check(os.listdir(cwd) == [], "%s path: %s ran nothing" % (label, name),
                    os.listdir(cwd))
        r = gonative(t, root, "env", "--shell", "powershell")
        values = ps_env(r.stdout.decode("utf-8", errors="replace"))
        t.check(r.returncode == 0 and values == {"GOROOT": goroot, "PATH": goroot + "/bin"},
                "%s path: env --shell powershell is two verbatim strings that read back exactly"
                % label, "values %r\noutput:\n%s" % (values, r.stdout.decode(errors="replace")))

    # A line break cannot stay inside a PowerShell string under
    # `| Invoke-Expression`, which runs each line on its own: refused.  (The
    # manifest may refuse it first; either way exit 2 and nothing printed.)
    root = write_project(t, "a\n; touch PWNED; #")
    r = gonative(t, root, "env", "--shell", "powershell")
    t.check(r.returncode == 2 and r.stdout == b""
            and b"gonative: error: " in r.stderr,
            "a newline in the install path: env --shell powershell exits 2, prints nothing",
            "exit %s\nstdout %r\nstderr %s" % (r.returncode, r.stdout,
                                               r.stderr.decode(errors="replace")))


def check_exec(t):
    root = write_project(t, RICH)
    cwd = t.newdir("exec")
    args = ["; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "(touch PWNED)",
            "' \" \\ \u2019 \n", "*"]
    p = subprocess.run([t.exe, "-C", root, "--cache-dir", os.path.join(root, ".cache"),
                        "exec", "--no-sync", "--", "printf", "%s\\0"] + args,
                       cwd=cwd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, LC_ALL="C"))
    t.check(p.returncode == 0 and p.stdout.split(b"\0")[:-1] == [a.encode() for a in args],
            "exec passes every argument verbatim",
            "exit %s stdout %r stderr %s" % (p.returncode, p.stdout, p.stderr))
    t.check(os.listdir(cwd) == [], "exec ran no shell (no %s)" % PWNED, os.listdir(cwd))
    p = subprocess.run([t.exe, "-C", root, "--cache-dir", os.path.join(root, ".cache"),
                        "exec", "--no-sync", "--", "printenv", "GOROOT"],
                       cwd=cwd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    t.check(p.returncode == 0 and p.stdout.decode("utf-8").endswith("/" + RICH + "\n"),
            "exec sets GOROOT to the hostile install path as it is", p.stdout)
    t.check(os.listdir(cwd) == [], "exec with a hostile install path ran nothing", os.listdir(cwd))


def main(t):
    driver = os.environ.get("SHQUOTE_PRINT")
    t.require(driver and os.access(driver, os.X_OK), "$SHQUOTE_PRINT is the shquote_print test tool",
              driver)
    check_env(t)
    check_exec(t)
    check_sweep(t, driver)


e2e.run(main)
