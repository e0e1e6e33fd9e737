#!/bin/bash
# Hostile layers: each is built by hand (Python's tarfile), loaded from an
# OCI layout, and must be rejected naming the layer and the entry, with
# nothing written outside the data directory. Also the unusual layers that
# must be accepted: device nodes when allowed, names beyond ASCII.
. "$(dirname "$0")/../lib.sh"
RT=${SKIFF_RUNTIME:-$SKIFF_BIN/skiff-runtime}
MKLAYOUT="python3 $SKIFF_TOP/tests/fixtures/mklayout.py"
cd "$T_DIR" || exit 1
mkdir -p outside

# hostile NAME PYTHON-BODY: writes NAME.tar with the body (t is the tarfile,
# add(name, data=b"", **TarInfo fields) adds an entry).
hostile() {
	python3 - "$1.tar" "$T_DIR/outside" <<PY
import io, sys, tarfile
out = sys.argv[2]
def add(t, name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
$2
PY
}

# rejects NAME WANT [load options]: the layer is refused with a message
# matching WANT that names the layer, and nothing appeared outside.
rejects() {
	local name=$1 want=$2
	shift 2
	$MKLAYOUT "L_$name" x "$name.tar" || { fail "$name" "could not build the layout"; return; }
	if "$RT" load --data "$T_DIR/data_$name" --name hostile/$name "$@" "L_$name" >"$name.out" 2>&1; then
		fail "$name" "was accepted"
	elif ! grep -q "layer sha256:[0-9a-f]\{64\}.*$want" "$name.out"; then
		fail "$name" "unexpected message: $(cat "$name.out")"
	elif [ -n "$(ls -A outside)" ] || [ -e /tmp/skiff-escape ] || [ -e "$T_DIR/escaped" ]; then
		fail "$name" "something was written outside: $(ls -A outside)"
	elif [ -n "$(ls -A "$T_DIR/data_$name/layers/sha256")" ] || [ -e "$T_DIR/data_$name/images/hostile%2F$name:x.json" ]; then
		fail "$name" "a rejected layer or its image was kept"
	else
		pass "$name"
	fi
}

hostile dotdot '    add(t, "ok", b"fine")
    add(t, "../escaped", b"evil")'
rejects dotdot 'entry "../escaped": path leaves the layer'

hostile dotdot_deep '    add(t, "a/b/../../../escaped", b"evil")'
rejects dotdot_deep 'path leaves the layer'

hostile absolute '    add(t, out + "/abs", b"evil")'
rejects absolute 'absolute path'

hostile symlink_escape '    add(t, "evil", type=tarfile.SYMTYPE, linkname=out)
    add(t, "evil/through", b"evil")'
rejects symlink_escape 'entry "evil/through": path goes through a symlink'

hostile symlink_root '    add(t, "root", type=tarfile.SYMTYPE, linkname="/")
    add(t, "root/tmp/skiff-escape", b"evil")'
rejects symlink_root 'path goes through a symlink'

hostile hardlink_outside '    add(t, "h", type=tarfile.LNKTYPE, linkname="../../../../etc/passwd")'
rejects hardlink_outside 'path leaves the layer'

hostile hardlink_abs '    add(t, "h", type=tarfile.LNKTYPE, linkname="/etc/passwd")'
rejects hardlink_abs 'absolute path'

hostile hardlink_via_symlink '    add(t, "s", type=tarfile.SYMTYPE, linkname="/etc")
    add(t, "h", type=tarfile.LNKTYPE, linkname="s/passwd")'
rejects hardlink_via_symlink 'path goes through a symlink'

hostile device '    add(t, "dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)'
rejects device 'entry "dev/sda": device nodes are not allowed'

hostile chardev '    add(t, "mem", type=tarfile.CHRTYPE, devmajor=1, devminor=1)'
rejects chardev 'device nodes are not allowed'

hostile many '    for i in range(200):
        add(t, "f%d" % i, b"x")'
rejects many 'more than 100 entries' --max-layer-entries 100

hostile big '    add(t, "big", b"x" * 300000)'
rejects big 'layer larger than 100000 bytes' --max-layer-bytes 100000

hostile overlay_xattr '    add(t, "d", type=tarfile.DIRTYPE, pax_headers={"SCHILY.xattr.trusted.overlay.opaque": "y"})
    add(t, "../escaped", b"evil")'
rejects overlay_xattr 'path leaves the layer'

# A device node is accepted when allowed; trusted.* xattrs never come from a layer.
hostile dev_ok '    add(t, "null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
    add(t, "d", type=tarfile.DIRTYPE, mode=0o755, pax_headers={"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.user.note": "hi"})'
$MKLAYOUT L_dev_ok x dev_ok.tar
if "$RT" load -q --data "$T_DIR/data_ok" --name ok/dev --allow-devices L_dev_ok >dev_ok.out 2>&1; then
	layer=$(ls -d data_ok/layers/sha256/*)
	check "allow-devices creates the node" test -c "$layer/null"
	if getfattr -n trusted.overlay.opaque "$layer/d" >/dev/null 2>&1; then
		fail "trusted xattrs from a layer are dropped" "trusted.overlay.opaque was set"
	else
		pass "trusted xattrs from a layer are dropped"
	fi
else
	fail "allow-devices creates the node" "$(cat dev_ok.out)"
fi

# Names beyond ASCII (a pax header carries them in UTF-8) reach the disk
# byte for byte, as umoci (Go's archive/tar) unpacks them: "caf" + U+00E9
# (NFC) and "cafe" + U+0301 (NFD) are two files, links keep their targets.
hostile utf8 '    add(t, "caf\u00e9", b"nfc")
    add(t, "cafe\u0301", b"nfd")
    add(t, "\u65e5\u672c", type=tarfile.DIRTYPE, mode=0o755)
    add(t, "\u65e5\u672c/\u8a9e", b"cjk")
    add(t, "s\u00e9", type=tarfile.SYMTYPE, linkname="cafe\u0301")
    add(t, "h\u00e9", type=tarfile.LNKTYPE, linkname="caf\u00e9")'
$MKLAYOUT L_utf8 x utf8.tar
if "$RT" load -q --data "$T_DIR/data_utf8" --name ok/utf8 L_utf8 >utf8.out 2>&1; then
	layer=$(ls -d data_utf8/layers/sha256/*)
	check "UTF-8 name in NFC kept" test "$(cat "$layer/$(printf 'caf\303\251')")" = nfc
	check "UTF-8 name in NFD kept" test "$(cat "$layer/$(printf 'cafe\314\201')")" = nfd
	check "UTF-8 directory and file" test "$(cat "$layer/$(printf '\346\227\245\346\234\254/\350\252\236')")" = cjk
	check "UTF-8 symlink target kept" test "$(readlink "$layer/$(printf 's\303\251')")" = "$(printf 'cafe\314\201')"
	check "UTF-8 hardlink target kept" test "$layer/$(printf 'h\303\251')" -ef "$layer/$(printf 'caf\303\251')"
	umoci unpack --image L_utf8:x umoci_utf8 >/dev/null 2>&1
	(cd umoci_utf8/rootfs && find . -mindepth 1 -printf '%P %y %l\n' | sort) >utf8.umoci
	(cd "$layer" && find . -mindepth 1 -printf '%P %y %l\n' | sort) >utf8.skiff
	check "UTF-8 names as umoci unpacks them" cmp utf8.umoci utf8.skiff
else
	fail "UTF-8 names are unpacked" "$(cat utf8.out)"
fi

# A layer whose uncompressed content does not match the config's diff_id.
hostile liar '    add(t, "f", b"content")'
$MKLAYOUT L_liar x liar.tar --diff-id sha256:0000000000000000000000000000000000000000000000000000000000000000
if "$RT" load --data "$T_DIR/data_liar" --name liar/x L_liar >liar.out 2>&1; then
	fail "diff_id mismatch is rejected" "was accepted"
else
	check "diff_id mismatch is rejected" grep -q "uncompressed digest" liar.out
fi

# zstd layers get a clear error.
printf '\x28\xb5\x2f\xfd\x00\x00' >z.tar
$MKLAYOUT L_zstd x z.tar --raw
if "$RT" load --data "$T_DIR/data_z" --name z/x L_zstd >z.out 2>&1; then
	fail "zstd layer is rejected" "was accepted"
else
	check "zstd layer is rejected" grep -q "zstd-compressed layers are not supported" z.out
fi
