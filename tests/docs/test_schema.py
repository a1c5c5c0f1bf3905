"""schema/gonative.schema.json against the C parser.

Every example manifest and `gonative init`'s output must validate, and for a
table of valid and invalid manifests the schema and the parser must agree.
The parser's verdict comes from `gonative -f CASE check` with no lock beside
the manifest: a parse error exits 2 naming CASE:line:col; a manifest that
parses gets as far as "lock ... does not exist" and exits 1.

The documented mismatches (schema/README.md) are checked too, so the README
stays true: if one of them stops being a mismatch, update the README.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import GONATIVE, SRC, Tap, known_platforms, skip_all  # noqa: E402

try:
    import jsonschema
    import yaml
except ImportError as e:  # Debian: python3-jsonschema python3-yaml
    skip_all("needs python3-jsonschema and python3-yaml (%s)" % e)

KEY = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"
HEX = "e2bc0b3e4b64111ec117295c088bde5f00eeed1567999ff77bc859d7df70078e"

# (name, manifest text, valid?)
CASES = [
    ("minimal", 'go: "1.21"\n', True),
    ("go stable", "go: stable\n", True),
    ("go exact with go prefix", 'go: "go1.21.5"\n', True),
    ("go prerelease", 'go: "1.22rc1"\n', True),
    ("go beta", "go: 1.22beta1\n", True),
    ("go unquoted float", "go: 1.21\n", True),
    ("everything", """go: "1.19"
hosts: [linux/amd64, darwin/arm64]
platforms: [linux/arm64, windows/amd64]
index: https://go.dev/dl/?mode=json&include=all
mirrors: [https://dl.google.com/go/, "http://127.0.0.1:8080/go", file:///srv/go/]
checksums:
  go1.19.13.linux-amd64.tar.gz: %s
  go1.19.13.darwin-arm64.tar.gz: %s
signatures:
  keys: ["%s"]
  require: [index, archives]
  legacy: false
install: .gonative/go
""" % (HEX, HEX.upper(), KEY), True),
    ("platforms empty", 'go: "1.21"\nplatforms: []\n', True),
    ("dropped port", 'go: "1.4"\nplatforms: [nacl/386, darwin/arm]\n', True),
    ("checksums empty", 'go: "1.21"\nchecksums: {}\n', True),
    ("keys without require", 'go: "1.21"\nsignatures:\n  keys: [%s]\n' % KEY, True),
    ("require empty, no keys", 'go: "1.21"\nsignatures:\n  require: []\n', True),
    ("legacy True", 'go: "1.21"\nsignatures:\n  legacy: True\n', True),
    ("base source with bootstrap", 'go: "1.21"\nbase: source\nbootstrap: /usr/lib/go\n', True),
    ("base binary", 'go: "1.21"\nbase: binary\n', True),
    ("cc minimal", 'go: "1.21"\ncc:\n  zig: "0.11.0"\n', True),
    ("cc everything", """go: "1.19"
platforms: [linux/arm64, linux/amd64, darwin/arm64]
cc:
  zig: 0.11.0
  index: https://ziglang.org/download/index.json
  mirrors: [https://mirror.example/zig/]
  keys: ["RWSGOq2NVecA2UPNdBUZykf1CCb147pkmdtYxgb3Ti+JO/wCYvhbAb/U"]
  glibc: "2.17"
  musl: [linux/amd64]
  skip: [darwin/arm64]
""", True),
    # invalid
    ("empty document", "# nothing\n", False),
    ("top level list", "- go\n", False),
    ("missing go", "platforms: [linux/arm64]\n", False),
    ("unknown key", 'go: "1.21"\nplatform: [linux/arm64]\n', False),
    ("unknown signatures key", 'go: "1.21"\nsignatures:\n  key: [%s]\n' % KEY, False),
    ("go latest", "go: latest\n", False),
    ("go leading zero", 'go: "1.021"\n', False),
    ("go patch and rc", 'go: "1.21.5rc1"\n', False),
    ("go integer", "go: 1\n", False),
    ("go null", "go:\n", False),
    ("hosts empty", 'go: "1.21"\nhosts: []\n', False),
    ("hosts null", 'go: "1.21"\nhosts:\n', False),
    ("mirrors empty", 'go: "1.21"\nmirrors: []\n', False),
    ("platform upper case", 'go: "1.21"\nplatforms: [linux/AMD64]\n', False),
    ("platform unknown", 'go: "1.21"\nplatforms: [linux/sparc]\n', False),
    ("platform no slash", 'go: "1.21"\nplatforms: [linux]\n', False),
    ("platform twice", 'go: "1.21"\nplatforms: [linux/arm64, linux/arm64]\n', False),
    ("platforms a string", 'go: "1.21"\nplatforms: linux/arm64\n', False),
    ("index ftp", 'go: "1.21"\nindex: ftp://example.org/index.json\n', False),
    ("mirror with a space", 'go: "1.21"\nmirrors: ["https://a b/"]\n', False),
    ("mirror scheme only", 'go: "1.21"\nmirrors: ["https://"]\n', False),
    ("checksum 63 digits", 'go: "1.21"\nchecksums:\n  go.tar.gz: %s\n' % HEX[:63], False),
    ("checksum not hex", 'go: "1.21"\nchecksums:\n  go.tar.gz: %s\n' % ("g" + HEX[1:]), False),
    ("checksum key a path", 'go: "1.21"\nchecksums:\n  dl/go.tar.gz: %s\n' % HEX, False),
    ("checksum key dot-dot", 'go: "1.21"\nchecksums:\n  "..": %s\n' % HEX, False),
    ("checksums a list", 'go: "1.21"\nchecksums: [%s]\n' % HEX, False),
    ("require without keys", 'go: "1.21"\nsignatures:\n  require: [index]\n', False),
    ("require unknown item", 'go: "1.21"\nsignatures:\n  keys: [%s]\n  require: [all]\n' % KEY,
     False),
    ("keys empty string", 'go: "1.21"\nsignatures:\n  keys: [""]\n', False),
    ("legacy quoted", 'go: "1.21"\nsignatures:\n  legacy: "true"\n', False),
    ("signatures null", 'go: "1.21"\nsignatures:\n', False),
    ("install empty", 'go: "1.21"\ninstall: ""\n', False),
    ("base unknown", 'go: "1.21"\nbase: docker\n', False),
    ("bootstrap without base source", 'go: "1.21"\nbootstrap: /usr/lib/go\n', False),
    ("cc without zig", 'go: "1.21"\ncc:\n  glibc: "2.17"\n', False),
    ("cc zig master", 'go: "1.21"\ncc:\n  zig: master\n', False),
    ("cc zig two parts", 'go: "1.21"\ncc:\n  zig: "0.11"\n', False),
    ("cc unknown key", 'go: "1.21"\ncc:\n  zig: "0.11.0"\n  target: x\n', False),
    ("cc glibc 3", 'go: "1.21"\ncc:\n  zig: "0.11.0"\n  glibc: "3.1"\n', False),
    ("cc keys empty", 'go: "1.21"\ncc:\n  zig: "0.11.0"\n  keys: []\n', False),
    ("cc musl windows", 'go: "1.21"\nplatforms: [windows/amd64]\ncc:\n  zig: "0.11.0"\n'
     '  musl: [windows/amd64]\n', False),
    ("cc mirror ftp", 'go: "1.21"\ncc:\n  zig: "0.11.0"\n  mirrors: [ftp://x/]\n', False),
    ("cc a list", 'go: "1.21"\ncc: [zig]\n', False),
]

# Where a YAML loader and the parser see different things (schema/README.md):
# (name, text, parser says valid?, schema says valid?)
MISMATCHES = [
    ("duplicate key (loaders keep the last)", 'go: "1.21"\ngo: "1.22"\n', False, True),
    ("anchor and alias", 'go: "1.21"\nhosts: &h [linux/amd64]\nplatforms: *h\n', False, True),
    ("legacy: yes (YAML 1.1 boolean)", 'go: "1.21"\nsignatures:\n  legacy: yes\n', False, True),
    ("install: 5 (a number to loaders)", 'go: "1.21"\ninstall: 5\n', True, False),
    ("go: 1.0 (an integral float to loaders)", "go: 1.0\n", True, False),
    ("cc.glibc: 2.17 unquoted (a float to loaders)",
     'go: "1.21"\ncc:\n  zig: "0.11.0"\n  glibc: 2.17\n', True, False),
    ("cc.skip names no platform (a cross-key rule)",
     'go: "1.21"\ncc:\n  zig: "0.11.0"\n  skip: [darwin/arm64]\n', False, True),
]


def parser_verdict(work, name, text):
    """True (parses), False (parse error) or a string (something else)."""
    path = os.path.join(work, "case.yaml")
    with open(path, "w") as f:
        f.write(text)
    lock = os.path.join(work, "case.lock")
    if os.path.exists(lock):
        os.unlink(lock)
    env = dict(os.environ, GONATIVE_CACHE=os.path.join(work, "cache"), NO_COLOR="1")
    r = subprocess.run([GONATIVE, "-C", work, "-f", "case.yaml", "check"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode == 1 and "does not exist" in r.stdout:
        return True
    if r.returncode == 2 and re.search(r"^gonative: error: case\.yaml:\d+:\d+: ", r.stderr, re.M):
        return False
    return "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr)


def schema_verdict(validator, text):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return False, "YAML error: %s" % e
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    return not errors, "\n".join("%s: %s" % (list(e.path), e.message) for e in errors)


def main():
    t = Tap()
    with open(os.path.join(SRC, "schema", "gonative.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    t.ok(True, "the schema is a valid draft-07 schema")
    validator = jsonschema.Draft7Validator(schema)

    t.eq(schema["definitions"]["platform"]["enum"], known_platforms(),
         "platform enum matches gn/platform.c's known_platforms")
    with open(os.path.join(SRC, "manifest", "starter.c")) as f:
        starter = f.read()
    m = re.search(r'#define SCHEMA_URL\s*\\?\s*"([^"]+)"', starter)
    t.eq(schema.get("$id"), m.group(1) if m else None,
         "$id is the URL `gonative init` writes in its yaml-language-server line")

    examples = []
    with open(os.path.join(SRC, "examples", "basic", "gonative.yaml")) as f:
        examples.append(("examples/basic/gonative.yaml", f.read()))
    with open(os.path.join(SRC, "examples", "offline", "gonative.yaml.in")) as f:
        examples.append(("examples/offline/gonative.yaml.in",
                         f.read().replace("@MIRROR@", "/srv/gonative-mirror")))

    with tempfile.TemporaryDirectory(prefix="gn-docs-schema-") as work:
        if GONATIVE:
            for label, args in (("init", []),
                                ("init --go 1.19 -p linux/arm64 -p windows/amd64",
                                 ["--go", "1.19", "-p", "linux/arm64", "-p", "windows/amd64"]),
                                ("init --go go1.22rc1", ["--go", "go1.22rc1"])):
                d = tempfile.mkdtemp(dir=work)
                r = subprocess.run([GONATIVE, "-C", d, "init"] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
                if t.ok(r.returncode == 0, "gonative %s runs" % label, r.stderr):
                    with open(os.path.join(d, "gonative.yaml")) as f:
                        examples.append(("output of gonative " + label, f.read()))

        for label, text in examples:
            ok, why = schema_verdict(validator, text)
            t.ok(ok, "schema accepts " + label, why)
            if GONATIVE:
                t.eq(parser_verdict(work, label, text), True, "parser accepts " + label)

        if not GONATIVE:
            t.skip("schema and parser agree on the case table", "GONATIVE not set")
            t.done()
        for name, text, valid in CASES:
            got_schema, why = schema_verdict(validator, text)
            got_parser = parser_verdict(work, name, text)
            t.ok(got_parser is valid,
                 "parser %s: %s" % ("accepts" if valid else "refuses", name),
                 "parser verdict: %r" % (got_parser,))
            t.ok(got_schema is valid,
                 "schema %s: %s" % ("accepts" if valid else "refuses", name), why)
        for name, text, parser_ok, schema_ok in MISMATCHES:
            got_schema, why = schema_verdict(validator, text)
            got_parser = parser_verdict(work, name, text)
            t.ok(got_parser is parser_ok and got_schema is schema_ok,
                 "documented mismatch still holds: " + name,
                 "parser %r (README says %r), schema %r (README says %r)\n%s"
                 % (got_parser, parser_ok, got_schema, schema_ok, why))
    t.done()


main()
