#!/usr/bin/env python3
"""Issue 13: paths are never cut silently.  A manifest whose lock path
(`<manifest>.lock`) would pass the path limit is a clear "path too long"
error, found when the project opens (before anything is fetched, where the
cut path used to fail only at the lock's write, with the reason cut off the
message): no lock is written under a cut name beside it."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PATH_LIMIT = 4095  # bytes of a path, without the NUL (GN_PATH_MAX - 1)


def deep_folder(base, length):
    """A folder under base whose path is exactly length bytes."""
    path = base
    while len(path) < length:
        room = length - len(path) - 1
        if room <= 0:
            break
        part = "d" * min(200, room)
        if 0 < room - len(part) < 2:  # leave no one-byte remainder
            part = part[:-2]
        path = os.path.join(path, part)
    os.makedirs(path, exist_ok=True)
    return path


def main(t):
    mirror = t.mirror()
    p = t.project(go="1.17", index=mirror.index_url, mirrors=[mirror.url])
    # The install folder is short and absolute: only the lock path is long.
    p.write_manifest(go="1.17", index=mirror.index_url, mirrors=[mirror.url],
                     install=os.path.join(p.root, "goroot"))
    # "<folder>/manifest" of 4093 bytes: the lock's path would be 4098.
    folder = deep_folder(os.path.join(p.root, "deep"), PATH_LIMIT - 2 - len("/manifest"))
    manifest = os.path.join(folder, "manifest")
    shutil.copy(p.manifest_path, manifest)
    t.check(len(manifest) == PATH_LIMIT - 2 and os.path.exists(manifest),
            "the manifest path is %d bytes" % len(manifest), len(manifest))
    r = p.run("-f", manifest, "lock")
    t.expect_rc(r, 5, "a lock path past the limit is a local I/O error")
    t.expect_in("path too long for the lock", r.err,
                "the error says first that the lock's path is too long", r)
    t.check("fetched" not in r.err, "found before anything is fetched", r.err[:300])
    t.check(sorted(os.listdir(folder)) == ["manifest"],
            "no lock written under a cut name beside the manifest", os.listdir(folder))


if __name__ == "__main__":
    e2e.run(main)
