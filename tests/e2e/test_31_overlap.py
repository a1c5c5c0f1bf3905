#!/usr/bin/env python3
"""Issue 14 (P7): a cold sync unpacks the host archive while a target still
downloads, and never opens an archive before its whole file checked out.

A server on 127.0.0.1 holds the target archive back for a while; `sync -v`
must report the host unpacked before the target is fetched (with the old
fetch-everything-then-merge order it is the other way round), and a target
that then arrives corrupt is exit 4 with nothing installed, no stage left,
the host archive (verified) cached and the bad one not."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

HOLD = 1.5  # seconds the target's bytes are held back


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

    with t.server(mirror.root, hold=HOLD) as srv:
        srv.faults["/" + target_file] = ["late"]
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
        srv.faults["/" + target_file] = ["late", "corrupt"]
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


e2e.run(main)
