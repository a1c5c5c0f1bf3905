#!/usr/bin/env python3
"""Write test archives for the builder tests, hostile ones included.

    mkarchive.py tgz|zip OUT ENTRY...

ENTRY is TYPE:MODE:MTIME:PATH[:EXTRA], written verbatim in that order (no
sanitising, no implied folders):

    f  regular file, EXTRA = content (may hold ':')
    z  regular file of EXTRA zero bytes (streamed, for expansion bombs)
    d  folder
    l  symlink, EXTRA = target
    h  hard link (tar only), EXTRA = target
    c  character device (tar only)
    p  FIFO (tar only)

MODE is octal permission bits, MTIME seconds (0 = 1700000000).
"""

import io
import os
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fixtures"))
from mkmirror import zip_info  # noqa: E402

DEFAULT_MTIME = 1700000000


class Zeros(io.RawIOBase):
    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def parse(spec):
    kind, mode, mtime, rest = spec.split(":", 3)
    if kind in ("f", "z", "l", "h"):
        path, extra = rest.split(":", 1)
    else:
        path, extra = rest, ""
    return kind, int(mode, 8), int(mtime) or DEFAULT_MTIME, path, extra


def write_tgz(out, entries):
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for kind, mode, mtime, path, extra in entries:
            ti = tarfile.TarInfo(path)
            ti.mode = mode
            ti.mtime = mtime
            ti.uname = ti.gname = "root"
            data = None
            if kind == "f":
                data = extra.encode()
                ti.size = len(data)
                data = io.BytesIO(data)
            elif kind == "z":
                ti.size = int(extra)
                data = io.BufferedReader(Zeros(ti.size), 1 << 20)
            elif kind == "d":
                ti.type = tarfile.DIRTYPE
            elif kind == "l":
                ti.type = tarfile.SYMTYPE
                ti.linkname = extra
            elif kind == "h":
                ti.type = tarfile.LNKTYPE
                ti.linkname = extra
            elif kind == "c":
                ti.type = tarfile.CHRTYPE
                ti.devmajor, ti.devminor = 1, 3
            elif kind == "p":
                ti.type = tarfile.FIFOTYPE
            else:
                raise SystemExit(f"unknown entry type {kind!r}")
            tar.addfile(ti, data)


ZIP_KINDS = {"f": "file", "z": "file", "d": "dir", "l": "link"}


def write_zip(out, entries):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for kind, mode, mtime, path, extra in entries:
            if kind not in ZIP_KINDS:
                raise SystemExit(f"entry type {kind!r} is not supported in zip")
            zi = zip_info(path, ZIP_KINDS[kind], mode, mtime)
            if kind == "z":
                with zf.open(zi, "w", force_zip64=True) as w:
                    left = int(extra)
                    chunk = bytes(1 << 20)
                    while left > 0:
                        n = min(left, len(chunk))
                        w.write(chunk[:n])
                        left -= n
            else:
                zf.writestr(zi, extra.encode())


def main(argv):
    if len(argv) < 3 or argv[0] not in ("tgz", "zip"):
        raise SystemExit(__doc__)
    entries = [parse(spec) for spec in argv[2:]]
    if argv[0] == "tgz":
        write_tgz(argv[1], entries)
    else:
        write_zip(argv[1], entries)


if __name__ == "__main__":
    main(sys.argv[1:])
