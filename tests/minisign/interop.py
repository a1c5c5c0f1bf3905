#!/usr/bin/env python3
"""Interoperability of builder/minisign.c with the real minisign binary.

Usage: interop.py MSIG_TOOL MINISIGN

Keys are generated at test time by `minisign -G` in a temp folder; files
are signed by one side and verified by the other.  Emits TAP.
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
MINISIGN = sys.argv[2] if len(sys.argv) > 2 else ""

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from taplib import Tap, skip_all  # noqa: E402

T = Tap()
ok = T.ok


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def tool(*args):
    return run([TOOL] + list(args))


def expect_ok(name, res, keyid=None):
    rc, out = res
    good = rc == 0 and out.startswith("OK")
    if keyid is not None:
        good = good and out.split()[1] == keyid
    return ok(good, name, "rc=%d\n%s" % (rc, out))


def expect_err(name, res, code, exit_code, *needles):
    rc, out = res
    good = rc == exit_code and out.startswith("ERR %s " % code)
    good = good and all(n in out for n in needles)
    return ok(good, name, "rc=%d (want %d, %s, %r)\n%s" % (rc, exit_code, code, needles, out))


def keyid_of(pub):
    first = open(pub).readline()
    # minisign 0.11 prints the id without leading zeros; gonative always
    # writes 16 digits (docs/design.md, section 8), so normalise.
    m = re.match(r"untrusted comment: minisign public key ([0-9A-F]{1,16})$", first.strip())
    return "%016X" % int(m.group(1), 16) if m else None


def write(path, data, mode="wb"):
    with open(path, mode) as f:
        f.write(data)


def main():
    if not MINISIGN or not os.access(MINISIGN, os.X_OK):
        skip_all("minisign binary not found")
    tmp = tempfile.mkdtemp(prefix="gn-minisign-")
    try:
        return body(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def body(tmp):
    P = lambda *a: os.path.join(tmp, *a)
    pw = "correct horse battery"

    # Keys from the real binary: two unencrypted, one password-protected
    # (0.11 reads the password from stdin when it is not a terminal).
    for k in ("k1", "k2"):
        rc, out = run([MINISIGN, "-G", "-W", "-p", P(k + ".pub"), "-s", P(k + ".key")], "")
        ok(rc == 0, "minisign -G -W %s" % k, out)
    rc, out = run([MINISIGN, "-G", "-p", P("ke.pub"), "-s", P("ke.key")], pw + "\n" + pw + "\n")
    ok(rc == 0, "minisign -G (password-protected)", out)
    ids = {k: keyid_of(P(k + ".pub")) for k in ("k1", "k2", "ke")}
    ok(all(ids.values()) and len(set(ids.values())) == 3, "three distinct key ids", ids)

    # Key ids as gonative reads them equal the ones minisign printed.
    for k in ("k1", "k2", "ke"):
        expect_ok("keyid of %s.pub matches minisign" % k, tool("keyid", P(k + ".pub")), ids[k])
    line2 = open(P("k1.pub")).read().splitlines()[1]
    expect_ok("manifest key given inline", tool("manifest-key", line2, "/nonexistent"), ids["k1"])
    os.mkdir(P("keys"))
    shutil.copy(P("k2.pub"), P("keys", "k2.pub"))
    expect_ok("manifest key given as a relative path", tool("manifest-key", "keys/k2.pub", tmp), ids["k2"])
    expect_err("manifest key: missing file", tool("manifest-key", "keys/none.pub", tmp),
               "GN_E_MANIFEST", 2, "none.pub")

    # Files.
    write(P("a.txt"), b"hello, gonative\n")
    write(P("b.txt"), b"hello, gonative\n")   # same bytes, other name
    write(P("c.txt"), b"hello, gonativE\n")   # other bytes
    write(P("big.bin"), os.urandom(300 * 1024 + 7))
    write(P("empty.txt"), b"")
    write(P("legacy.txt"), b"signed the old way\n")

    def msign(key, f, *extra, stdin=""):
        rc, out = run([MINISIGN, "-S", "-s", P(key), "-m", P(f)] + list(extra), stdin)
        ok(rc == 0, "minisign -S %s %s %s" % (" ".join(extra), key, f), out)

    msign("k1.key", "a.txt")
    msign("k1.key", "big.bin")
    msign("k1.key", "empty.txt")
    msign("k1.key", "legacy.txt", "-l")
    msign("ke.key", "c.txt", stdin=pw + "\n")
    sig_a = open(P("a.txt.minisig")).read()
    ok("\tfile:a.txt\thashed" in sig_a, "minisign -S is prehashed by default", sig_a)

    # minisign -> gonative.
    expect_ok("prehashed signature verifies", tool("verify", P("a.txt"), P("a.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("prehashed, with --expect", tool("verify", "--expect", "a.txt", "--no-legacy", P("a.txt"), P("a.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("prehashed, from a buffer", tool("verify", "--buffer", P("a.txt"), P("a.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("large file (several read chunks)", tool("verify", P("big.bin"), P("big.bin.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("large file from a buffer", tool("verify", "--buffer", P("big.bin"), P("big.bin.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("empty file", tool("verify", P("empty.txt"), P("empty.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("password-protected key's signature", tool("verify", P("c.txt"), P("c.txt.minisig"), P("ke.pub")), ids["ke"])
    expect_ok("legacy signature allowed", tool("verify", P("legacy.txt"), P("legacy.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_ok("legacy signature from a buffer", tool("verify", "--buffer", P("legacy.txt"), P("legacy.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_err("legacy signature refused", tool("verify", "--no-legacy", P("legacy.txt"), P("legacy.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "legacy", "legacy.txt.minisig")

    # Several trusted keys: the signer is found and reported.
    expect_ok("three keys, signer k1 found", tool("verify", P("a.txt"), P("a.txt.minisig"), P("k2.pub"), P("ke.pub"), P("k1.pub")), ids["k1"])
    expect_ok("three keys, signer ke found", tool("verify", P("c.txt"), P("c.txt.minisig"), P("k1.pub"), P("ke.pub"), P("k2.pub")), ids["ke"])
    expect_err("signed by an untrusted key", tool("verify", P("a.txt"), P("a.txt.minisig"), P("k2.pub"), P("ke.pub")),
               "GN_E_SIGNATURE", 4, "expected: %s, %s" % (ids["k2"], ids["ke"]), "got:      %s" % ids["k1"])

    # Failures.
    write(P("empty.minisig"), b"")
    expect_err("empty signature file", tool("verify", P("a.txt"), P("empty.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "empty.minisig", "empty")
    lines = sig_a.split("\n")
    write(P("trunc.minisig"), "\n".join(lines[:2]) + "\n", "w")
    expect_err("truncated signature file", tool("verify", P("a.txt"), P("trunc.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "trunc.minisig:3", "truncated")
    bad = lines[:]
    bad[1] = bad[1][:10] + "!" + bad[1][11:]
    write(P("b64.minisig"), "\n".join(bad), "w")
    expect_err("bad base64", tool("verify", P("a.txt"), P("b64.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "b64.minisig:2", "base64")
    bad = lines[:]
    bad[2] = bad[2].replace("timestamp:", "timestamp:1")
    write(P("tc.minisig"), "\n".join(bad), "w")
    expect_err("edited trusted comment", tool("verify", P("a.txt"), P("tc.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "trusted comment")
    rc, out = run([MINISIGN, "-V", "-p", P("k1.pub"), "-m", P("a.txt"), "-x", P("tc.minisig")])
    ok(rc != 0, "minisign also rejects the edited trusted comment", out)
    write(P("crlf.minisig"), sig_a.replace("\n", "\r\n"), "w")
    expect_ok("CRLF line ends accepted", tool("verify", P("a.txt"), P("crlf.minisig"), P("k1.pub")), ids["k1"])
    write(P("cr.minisig"), sig_a.replace("\n", "\r", 1), "w")
    expect_err("lone CR refused", tool("verify", P("a.txt"), P("cr.minisig"), P("k1.pub")), "GN_E_SIGNATURE", 4)
    expect_err("valid signature over other bytes", tool("verify", P("c.txt"), P("a.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "does not match", "c.txt")
    write(P("a_trunc.txt"), open(P("a.txt"), "rb").read()[:-3])
    expect_err("truncated data file", tool("verify", P("a_trunc.txt"), P("a.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "does not match")
    expect_err("truncated legacy data file", tool("verify", "--buffer", P("a_trunc.txt"), P("legacy.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "does not match")
    # Same bytes, other name: only the file: check can tell.
    expect_ok("a.txt's signature over identical b.txt, no name check", tool("verify", P("b.txt"), P("a.txt.minisig"), P("k1.pub")), ids["k1"])
    expect_err("a.txt's signature used for b.txt", tool("verify", "--expect", "b.txt", P("b.txt"), P("a.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "expected: b.txt", "got:      a.txt")
    expect_err("... also from a buffer", tool("verify", "--buffer", "--expect", "b.txt", P("b.txt"), P("a.txt.minisig"), P("k1.pub")),
               "GN_E_SIGNATURE", 4, "a.txt")
    expect_err("missing data file", tool("verify", P("nope.txt"), P("a.txt.minisig"), P("k1.pub")), "GN_E_IO", 5, "nope.txt")

    # gonative -> minisign.
    expect_ok("unencrypted key not flagged encrypted", tool("encrypted", P("k1.key")), "no")
    expect_ok("password-protected key flagged encrypted", tool("encrypted", P("ke.key")), "yes")
    for f in ("a.txt", "big.bin", "empty.txt"):
        out_sig = P(f + ".gn.minisig")
        expect_ok("gonative signs %s with k1" % f, tool("sign", P("k1.key"), P(f), out_sig))
        for h in ([], ["-H"]):
            rc, out = run([MINISIGN, "-V"] + h + ["-p", P("k1.pub"), "-m", P(f), "-x", out_sig])
            ok(rc == 0 and "Signature and comment signature verified" in out,
               "minisign -V %s accepts gonative's signature of %s" % (" ".join(h), f), out)
        expect_ok("gonative verifies its own signature of %s" % f,
                  tool("verify", "--no-legacy", "--expect", f, P(f), out_sig, P("k1.pub")), ids["k1"])
    rc, out = run([MINISIGN, "-V", "-Q", "-p", P("k1.pub"), "-m", P("a.txt"), "-x", P("a.txt.gn.minisig")])
    ok(rc == 0 and re.fullmatch(r"timestamp:\d+\tfile:a\.txt\thashed\n", out) is not None,
       "default trusted comment names the file", repr(out))
    rc, out = run([MINISIGN, "-V", "-p", P("k2.pub"), "-m", P("a.txt"), "-x", P("a.txt.gn.minisig")])
    ok(rc != 0, "minisign rejects gonative's signature under another key", out)

    expect_ok("sign a buffer with a custom trusted comment",
              tool("sign", "--buffer", "--tc", "gonative test\tfile:a.txt", P("k2.key"), P("a.txt"), P("a.buf.minisig")))
    rc, out = run([MINISIGN, "-V", "-H", "-Q", "-p", P("k2.pub"), "-m", P("a.txt"), "-x", P("a.buf.minisig")])
    ok(rc == 0 and out == "gonative test\tfile:a.txt\n", "minisign reads the custom trusted comment", repr(out))
    expect_err("trusted comment with a line break refused",
               tool("sign", "--tc", "one\ntwo", P("k2.key"), P("a.txt"), P("x.minisig")), "GN_E_USAGE", 2)

    # Password-protected secret key.
    expect_ok("gonative signs with the password-protected key",
              tool("sign", "--password", pw, P("ke.key"), P("c.txt"), P("c.txt.gn.minisig")))
    rc, out = run([MINISIGN, "-V", "-H", "-p", P("ke.pub"), "-m", P("c.txt"), "-x", P("c.txt.gn.minisig")])
    ok(rc == 0, "minisign -V -H accepts it", out)
    expect_err("wrong password", tool("sign", "--password", pw + "!", P("ke.key"), P("c.txt"), P("y.minisig")),
               "GN_E_USAGE", 2, "wrong password")
    expect_err("no password for an encrypted key", tool("sign", P("ke.key"), P("c.txt"), P("y.minisig")),
               "GN_E_USAGE", 2, "password required")
    ok(not os.path.exists(P("y.minisig")), "nothing written after a key error")

    # A damaged unencrypted key (no checksum to catch it) is still refused.
    text = open(P("k1.key")).read().splitlines()
    raw = bytearray(base64.b64decode(text[1]))
    raw[54 + 8 + 40] ^= 1   # a byte of the embedded public key
    write(P("damaged.key"), text[0] + "\n" + base64.b64encode(bytes(raw)).decode() + "\n", "w")
    expect_err("damaged secret key", tool("sign", P("damaged.key"), P("a.txt"), P("z.minisig")), "GN_E_USAGE", 2, "damaged")
    expect_err("a public key is not a secret key", tool("sign", P("k1.pub"), P("a.txt"), P("z.minisig")), "GN_E_USAGE", 2)

    return T.plan()


if __name__ == "__main__":
    sys.exit(main())
