#!/usr/bin/env python3
"""Case 7: only http, https and file URLs are fetched, and redirects only
go to http or https.

- an ftp://, gopher://, scp:// or dict:// mirror or index is refused when
  the manifest is read: exit 2 naming file:line:col, before any network;
- a mirror that redirects to file:///etc/passwd, ftp:// or gopher:// is
  not followed: exit 3 naming the URL, nothing read, cached or installed;
- a redirect to http:// is followed.
(The grep for disabled TLS checks is tests/fetch/no_insecure_tls.py.)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hlib  # noqa: E402


def main(t):
    mirror = t.mirror()
    srv = t.server(mirror.root)
    other = t.server(mirror.root)  # must see no request at all
    index = srv.url + "index.json"

    # Schemes in the manifest.
    for scheme in ("ftp", "gopher", "scp", "dict", "ldap", "telnet"):
        bad = "%s://127.0.0.1:%d/go/" % (scheme, other.port)
        for key in ("mirrors", "index"):
            what = "%s in %s" % (scheme, key)
            p = t.project()
            f = hlib.fields(index, [srv.url])
            if key == "mirrors":
                f["mirrors"] = [srv.url, bad]
            else:
                f["index"] = bad + "index.json"
            p.write_manifest(**f)
            n0 = len(srv.requests(settle=5.0))
            for cmd in (["lock"], ["sync"]):
                r = p.run(*cmd)
                hlib.expect_error(t, r, 2, "%s: %s" % (what, cmd[0]), names=[scheme + "://"])
                t.expect_re(r"gonative\.yaml:\d+:\d+", r.err,
                            "%s: %s names file:line:col" % (what, cmd[0]), r)
            t.check(len(srv.requests(settle=5.0)) == n0 and not other.requests(),
                    "%s: no network access" % what)
            t.check(not os.path.exists(p.lock_path) and not os.path.exists(p.install),
                    "%s: nothing written" % what)

    # Redirects from a mirror.
    passwd = os.path.exists("/etc/passwd")
    for name, base in (("file:///etc/passwd", srv.url + "_fault/redirect-file/"),
                       ("ftp://", srv.url + "_fault/to-ftp/"),
                       ("gopher://", srv.url + "_fault/to-gopher/")):
        for installed in (False, True):
            what = "redirect to %s (%s)" % (name, "over go1.17" if installed else "fresh")
            p = hlib.prepared(t, index, [srv.url], installed=installed)
            p.write_manifest(**hlib.fields(index, [base], go="1.9"))
            snap = hlib.Snapshot(t, p)
            r = p.run("sync")
            hlib.expect_error(t, r, 3, what, names=[base])
            t.expect_re(r"(?i)(protocol|not supported|disabled|redirect)", r.err,
                        "%s: says the redirect was refused" % what, r)
            hlib.expect_nothing_lost(t, p, snap, what)
            leftovers = [n for n in hlib.tmp_files(p)]
            t.check(not leftovers, "%s: nothing kept in <cache>/tmp" % what, leftovers)
            if passwd and name.startswith("file"):
                found = []
                for d, _, fs in os.walk(p.cache):
                    for fn in fs:
                        if b"root:" in hlib.read(os.path.join(d, fn)):
                            found.append(fn)
                t.check(not found, "%s: /etc/passwd was not read into the cache" % what, found)

    # The index itself redirecting to file://: lock fails, nothing written.
    p = t.project(**hlib.fields(srv.url + "_fault/redirect-file/index.json", [srv.url]))
    r = p.run("lock")
    hlib.expect_error(t, r, 3, "index redirect to file://",
                      names=[srv.url + "_fault/redirect-file/index.json"])
    t.check(not os.path.exists(p.lock_path), "index redirect to file://: no lock written")
    index_dir = os.path.join(p.cache, "index")
    t.check(not os.path.isdir(index_dir) or not os.listdir(index_dir),
            "index redirect to file://: nothing cached as the index")

    # A redirect to http is followed.
    p = hlib.prepared(t, index, [srv.url], installed=True)
    p.write_manifest(**hlib.fields(index, [srv.url + "_fault/to-http/"], go="1.9"))
    r = p.run("sync")
    t.expect_rc(r, 0, "redirect to http://", hard=False)
    hlib.expect_installed(t, p, "redirect to http://")


hlib.run(main)
