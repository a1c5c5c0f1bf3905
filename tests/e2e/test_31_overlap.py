#!/usr/bin/env python3
"""Issue 14 (P7): a cold sync unpacks the host archive while a target still
downloads, and never opens an archive before its whole file checked out.

A server on 127.0.0.1 holds the target archive back for a while; `sync -v`
must report the host unpacked before the target is fetched (with the old
fetch-everything-then-merge order it is the other way round), and a target
that then arrives corrupt is exit 4 with nothing installed, no stage left,
the host archive (verified) cached and the bad one not."""
import http.server
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HOLD = 1.5  # seconds the target's bytes are held back


class SlowServer:
    def __init__(self, root, slow_name, corrupt=False):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                path = os.path.join(root, name)
                if "/" in name or not os.path.isfile(path):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with open(path, "rb") as fh:
                    data = fh.read()
                if name == slow_name:
                    time.sleep(HOLD)
                    if owner.corrupt:
                        data = data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + \
                            data[len(data) // 2 + 1:]
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.corrupt = corrupt
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def position(text, needle):
    i = text.find(needle)
    return i if i >= 0 else len(text) + 1


def main(t):
    mirror = t.mirror()
    target = "windows/amd64"
    host_file = e2e.artifact_name("go1.17.13", e2e.HOST)
    target_file = e2e.artifact_name("go1.17.13", target)
    up = t.project(go="1.17", platforms=[target], index=mirror.index_url, mirrors=[mirror.url])
    t.expect_rc(up.run("lock"), 0, "lock against the fixture mirror")
    lock_text = up.lock_bytes().decode()

    srv = SlowServer(mirror.root, target_file)
    try:
        p = t.project(go="1.17", platforms=[target], index=mirror.index_url,
                      mirrors=[srv.url])
        p.write_file("gonative.lock", lock_text)
        start = time.monotonic()
        r = p.run("sync", "--frozen", "-v")
        took = time.monotonic() - start
        t.expect_rc(r, 0, "cold sync with the target held back %.1f s" % HOLD)
        t.check(e2e.git_tree_hash(p.install) == p.lock()["goroot"][e2e.HOST],
                "the tree is the locked one")
        unpacked_host = position(r.err, "unpacked " + host_file)
        fetched_target = position(r.err, "fetched " + target_file)
        t.check(unpacked_host < fetched_target,
                "the host was unpacked while the target was still downloading", r.err)
        t.check(position(r.err, "unpacking " + target_file) > fetched_target,
                "the target was opened only after its download was over", r.err)
        t.check(took >= HOLD, "the hold was real (%.2f s)" % took)

        # The held-back target arrives corrupt: exit 4, nothing installed.
        srv.corrupt = True
        q = t.project(go="1.17", platforms=[target], index=mirror.index_url,
                      mirrors=[srv.url])
        q.write_file("gonative.lock", lock_text)
        r = q.run("sync", "--frozen", "-v")
        t.expect_rc(r, 4, "a corrupt target after the host was merged", hard=False)
        t.check(not os.path.exists(q.install), "nothing installed")
        stages = [n for n in os.listdir(os.path.dirname(q.install)) if ".stage-" in n]
        t.check(not stages, "no staging folder left", stages)
        lock = q.lock()
        sha = {a["file"]: a["sha256"] for a in lock["artifacts"]}
        t.check(sha[host_file] in q.archives(), "the verified host archive stays cached",
                q.archives())
        t.check(sha[target_file] not in q.archives(), "the corrupt target is not cached",
                q.archives())
        tmp = os.path.join(q.cache, "tmp")
        left = os.listdir(tmp) if os.path.isdir(tmp) else []
        t.check(not [n for n in left if n.endswith(".part")], "no part file left", left)
    finally:
        srv.stop()


e2e.run(main)
