#!/usr/bin/env python3
# Writes the layer seeds of corpus/layer_unpack: small tar layers as
# registries serve them (PAX and GNU tar, gzip), with whiteouts, device
# nodes, xattrs and long names, and one file per way out of the layer
# directory the unpacker must refuse. Run from tests/fuzz/corpus/layer_unpack.
import gzip
import io
import tarfile

R, D, S, L = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE


def entry(t, name, type=R, data=b"", kw={}):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.size = len(data) if type == R else 0
    ti.mode = kw.get("mode", 0o755 if type == D else 0o644)
    ti.mtime = 1700000000
    ti.uid, ti.gid = kw.get("uid", 0), kw.get("gid", 0)
    ti.linkname = kw.get("linkname", "")
    ti.devmajor, ti.devminor = kw.get("major", 0), kw.get("minor", 0)
    if "pax" in kw:
        ti.pax_headers = kw["pax"]
    t.addfile(ti, io.BytesIO(data) if type == R else None)


def tar(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for e in entries:
            entry(t, *e)
    data = b.getvalue()
    end = len(data)
    while end > 0 and data[end - 512:end] == bytes(512):
        end -= 512
    return data[:end] + bytes(1024)  # the end blocks, without the record padding


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


base = [
    ("etc", D),
    ("etc/passwd", R, b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
    ("bin", D),
    ("bin/busybox", R, b"\x7fELF" + b"\0" * 60, {"mode": 0o755}),
]
write("base.tar", tar(base + [
    ("bin/sh", S, b"", {"linkname": "busybox"}),
    ("bin/ls", L, b"", {"linkname": "bin/busybox"}),
    ("tmp", D, b"", {"mode": 0o1777}),
    ("usr/lib/os-release", R, b"ID=test\n"),
]))
write("base.tar.gz", gzip.compress(tar(base), mtime=0))
write("whiteouts.tar", tar([
    ("etc", D),
    ("etc/.wh.passwd", R),
    ("var/cache", D),
    ("var/cache/.wh..wh..opq", R),
    ("./run/./.wh..wh.plnk", R),
    ("opt/app/", D),
    ("opt/app/run.sh", R, b"#!/bin/sh\nexec app\n", {"mode": 0o4755, "uid": 1000, "gid": 1000}),
]))
write("nodes.tar", tar([
    ("dev", D),
    ("dev/null", tarfile.CHRTYPE, b"", {"major": 1, "minor": 3, "mode": 0o666}),
    ("dev/sda", tarfile.BLKTYPE, b"", {"major": 8, "minor": 0, "mode": 0o660}),
    ("run/fifo", tarfile.FIFOTYPE, b"", {"mode": 0o600}),
]))
write("xattrs.tar", tar([
    ("bin", D),
    ("bin/ping", R, b"ping", {"pax": {
        "SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00",
        "SCHILY.xattr.user.note": "hi",
        "SCHILY.xattr.trusted.overlay.opaque": "y"}}),
    ("a/" + "long-directory-name/" * 8 + "file", R, b"deep\n"),
]))
write("gnu_longname.tar", tar([
    ("x/" + "n" * 150, R, b"long name\n"),
    ("l/" + "k" * 120, S, b"", {"linkname": "../" + "t" * 130}),
], fmt=tarfile.GNU_FORMAT))
write("escape_dotdot.tar", tar([("a/../../outside", R, b"x")]))
write("escape_absolute.tar", tar([("/etc/shadow", R, b"x")], fmt=tarfile.GNU_FORMAT))
write("escape_symlink.tar", tar([("link", S, b"", {"linkname": "/"}), ("link/etc/evil", R, b"x")]))
write("escape_hardlink.tar", tar([("hard", L, b"", {"linkname": "../../etc/passwd"})]))
write("escape_whiteout.tar", tar([("dir", S, b"", {"linkname": ".."}), ("dir/.wh.scratch", R)]))
