#!/usr/bin/env python3
"""mirrors: URL templates ({file}, {sha256}, {version}) as Artifactory and
Nexus generic repositories lay files out, behind a login from netrc; bad
templates are exit 2."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PLATFORMS = ["windows/amd64"]
VERSION = "go1.17.13"


def main(t):
    mirror = t.mirror()
    files = [e2e.artifact_name(VERSION, p) for p in [e2e.HOST] + PLATFORMS]
    # A server root laid out two ways: by version folder and by sha256.
    root = t.newdir("artifactory")
    for f in files:
        for rel in ("go/1.17.13/" + f, "by-sha/" + mirror.sha256(f)):
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(mirror.path(f), path)
    with t.server(root) as srv:
        base = dict(go="1.17", platforms=PLATFORMS, index=mirror.index_url)

        p = t.project(mirrors=[srv.url + "go/{version}/{file}"], **base)
        r = p.run("sync")
        t.expect_rc(r, 0, "sync through a {version}/{file} template")
        got = sorted(x.path for x in srv.requests(settle=5.0) if x.status == 200)
        t.check(got == sorted("/go/1.17.13/" + f for f in files),
                "each archive fetched from its version folder", got)
        t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST], "tree matches lock")

        q = t.project(mirrors=[srv.url + "by-sha/{sha256}"], **base)
        r = q.run("sync")
        t.expect_rc(r, 0, "sync through a {sha256} template")
        want = sorted("/by-sha/%s" % mirror.sha256(f) for f in files)
        got = sorted(x.path for x in srv.requests(settle=5.0) if x.path.startswith("/by-sha/"))
        t.check(got == want, "each archive fetched by its sha256", got)

    # A generic repository that wants a login: netrc ($NETRC) supplies it.
    with t.server(root, auth=("builder", "hunter2-secret")) as srv:
        q = t.project(mirrors=[srv.url + "go/{version}/{file}"], **base)
        r = q.run("sync", env={"NETRC": os.path.join(t.tmp, "absent-netrc")})
        t.expect_rc(r, 3, "a mirror that wants a login, without one", hard=False)
        t.expect_in("401", r.err, "the message says 401", r)
        netrc = os.path.join(t.newdir("netrc"), "netrc")
        with open(netrc, "w") as fh:
            fh.write("machine 127.0.0.1\n  login builder\n  password hunter2-secret\n")
        r = q.run("sync", env={"NETRC": netrc})
        t.expect_rc(r, 0, "the same mirror with the login in $NETRC", hard=False)
        t.check(any(x.status != 401 for x in srv.requests(settle=5.0)), "the server saw the netrc login",
                srv.requests(settle=5.0))
        t.check("hunter2-secret" not in r.err + r.out, "the password is not printed")

    # A plain block item: the column points at the bad placeholder itself.
    for template, needle, col in (("https://a.example/{fil}", "unknown placeholder {fil}", 23),
                                  ("https://a.example/{version}/", "needs {file} or {sha256}", 5),
                                  ("https://a.example/{file", "without its '}'", 23),
                                  ("https://a.example/file}", "without its '{'", 27)):
        bad = t.project(**base)
        bad.write_file("gonative.yaml", 'go: "1.17"\nindex: %s\nmirrors:\n  - %s\n'
                       % (mirror.index_url, template))
        r = bad.run("lock")
        t.expect_rc(r, 2, "template %r is refused" % template, hard=False)
        t.expect_in(needle, r.err, "the message explains %r" % template, r)
        t.expect_in("gonative.yaml:4:%d:" % col, r.err,
                    "the message points at the problem in %r" % template, r)
        t.check(not os.path.exists(bad.lock_path), "no lock for %r" % template)

    # cc.mirrors takes the same templates, checked the same way.
    bad = t.project(**base)
    bad.write_file("gonative.yaml", 'go: "1.17"\nindex: %s\ncc:\n  zig: "0.11.0"\n'
                   '  mirrors:\n    - https://z.example/{vers}/{file}\n' % mirror.index_url)
    r = bad.run("lock")
    t.expect_rc(r, 2, "a cc.mirrors template with an unknown placeholder", hard=False)
    t.expect_in("gonative.yaml:6:25: cc.mirrors:", r.err, "pointing at {vers}", r)


e2e.run(main)
