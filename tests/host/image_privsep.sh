#!/bin/bash
# Pulls and loads parse untrusted input in a confined worker: check the
# live worker (capabilities, seccomp, no_new_privs, a root holding only the
# store), that opaque directories still come out opaque, and that a worker
# that dies is a clean error in the runtime with nothing of it left in the
# store. A layer blob of the layout is a FIFO, so the worker blocks reading
# it until the test writes the blob.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../fixtures/image_env.sh"
L=$T_DIR/layout
make_umoci_images "$L" >/dev/null 2>&1 || { fail "test images" "umoci failed"; exit 1; }
digest=$(tag_digest "$L" v1)
layer=$(jq -r '.layers[-1].digest' "$L/blobs/sha256/${digest#sha256:}")
blob=$L/blobs/sha256/${layer#sha256:}
cp "$blob" "$T_DIR/layer.blob"
expect() { if grep -qF -- "$2" <<<"$OUT"; then pass "$1"; else fail "$1" "want '$2' in: $OUT"; fi; }
expect_rc() { if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "status $RC, want $2: $OUT"; fi; }

# blocked_load DATA: starts a load of v1 whose last layer blob is a FIFO;
# sets LOAD (the runtime's pid) and WORKER (its worker's) once blocked.
blocked_load() {
	rm -f "$blob" && mkfifo "$blob"
	echo secret >"$T_DIR/secret"
	# fd 7: something of the caller's (the agent's etcd connection, say).
	"$RT" load --data "$1" --name test/img "$L" >"$T_DIR/load.out" 2>&1 7<"$T_DIR/secret" &
	LOAD=$! WORKER=""
	for _ in $(seq 100); do
		WORKER=$(cat /proc/$LOAD/task/$LOAD/children 2>/dev/null | tr -d ' ')
		[ -n "$WORKER" ] && grep -q "pipe_read\|fifo\|wait_for_partner" /proc/$WORKER/wchan 2>/dev/null && return 0
		[ -n "$WORKER" ] && [ -e "/proc/$WORKER/root/store" ] && sleep 0.2 && return 0
		sleep 0.05
	done
	return 1
}
restore_blob() { rm -f "$blob"; cp "$T_DIR/layer.blob" "$blob"; }

D=$T_DIR/data
if blocked_load "$D"; then
	pass "the worker runs while the runtime waits"
	st=$(cat /proc/$WORKER/status)
	check "worker: only CHOWN DAC_OVERRIDE FOWNER FSETID SETFCAP" grep -q "^CapEff:	000000008000001b$" <<<"$st"
	check "worker: bounding set cut too" grep -q "^CapBnd:	000000008000001b$" <<<"$st"
	check "worker: seccomp filter" grep -q "^Seccomp:	2$" <<<"$st"
	check "worker: no_new_privs" grep -q "^NoNewPrivs:	1$" <<<"$st"
	root=$(ls /proc/$WORKER/root/ | tr '\n' ' ')
	if [ "$root" = "etc layout store " ]; then pass "worker: its root holds only etc, the layout and the store"; else fail "worker: its root holds only etc, the layout and the store" "$root"; fi
	check "worker: /store is the data directory" test -d "/proc/$WORKER/root/store/blobs/sha256"
	check "worker: / of the host is out of sight" test ! -e "/proc/$WORKER/root/usr/bin"
	check "worker: the caller's other fds are closed" test ! -e "/proc/$WORKER/fd/7"
	check "worker: its own mount namespace" test "$(readlink /proc/$WORKER/ns/mnt)" != "$(readlink /proc/self/ns/mnt)"
	cat "$T_DIR/layer.blob" >"$blob"
	wait $LOAD
	RC=$? OUT=$(cat "$T_DIR/load.out")
	expect_rc "load completes once the blob comes" 0
	restore_blob
else
	fail "the worker runs while the runtime waits" "no blocked worker: $(cat "$T_DIR/load.out")"
	kill $LOAD 2>/dev/null
	restore_blob
fi
check "the image is recorded" bash -c "'$RT' images --data '$D' -q | grep -q test/img:v1"

# An opaque directory (".wh..wh..opq") is marked by the runtime, since
# the worker may not set trusted.* attributes.
(cd "$T_DIR" && python3 - <<'PY'
import io, tarfile
with tarfile.open("opq.tar", "w") as t:
    for name, data in (("dir/opq/.wh..wh..opq", b""), ("dir/opq/new", b"new\n")):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
PY
)
(cd "$T_DIR" && $MKLAYOUT "$L" v3 --base v1 opq.tar --cmd /bin/sh) >/dev/null 2>&1
"$RT" load --data "$D" --name test/img "$L" >/dev/null 2>&1
opq=$D/layers/sha256/$(sha256sum "$T_DIR/opq.tar" | cut -d' ' -f1)/dir/opq
check "opaque directory marked by the runtime" bash -c "getfattr -n trusted.overlay.opaque --only-values '$opq' | grep -qx y"

# A worker that dies (here: SIGSEGV, as a parser bug would) is a clean
# error, and what it had not finished is gone.
D2=$T_DIR/data2
if blocked_load "$D2"; then
	kill -SEGV "$WORKER"
	wait $LOAD
	RC=$? OUT=$(cat "$T_DIR/load.out")
	expect_rc "a crashed worker fails the load" 1
	expect "and says so" "image worker killed by Segmentation fault"
	check "no image recorded" test -z "$(ls "$D2/images")"
	check "no layer of the image unpacked half" bash -c "! ls '$D2/tmp' | grep -q '^layer-'"
	check "every stored blob is whole (verified)" blobs_verified "$D2"
else
	fail "a second blocked load" "$(cat "$T_DIR/load.out")"
	kill $LOAD 2>/dev/null
fi
restore_blob
