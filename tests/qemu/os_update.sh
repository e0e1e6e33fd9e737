#!/bin/bash
# OS updates on one disk-image node (docs/cluster.md "OS updates"), all
# real: QEMU + OVMF (TCG), systemd-boot's boot counting, a docker-registry
# the artifacts are pushed to with skopeo, etcd. One VM, rebooted by its
# own agent: v1 refuses a tampered artifact and one signed by another key
# (slot B untouched), updates to v2 (slot b, marked good, data kept), rolls
# back by itself from a broken v3 (its agent cannot register), and a power
# loss while slot a is written leaves it on v2, reporting the interrupted
# update as failed; a new rollout of the same image then succeeds.
#
# v2's download resumes, twice, instead of starting again. It goes through
# tests/fixtures/cut_relay.py in front of the registry. v1's image has a
# service that stops the agent (and with it the update worker) once 3 MiB
# of the largest blob (the UKI) are in; the relay stalls its first
# response at 40% of it so that this happens in the middle of it. init
# starts the agent again and its new worker goes on from the partial
# file; the relay breaks that second response at 30% of the blob, and the
# worker tries again and goes on from there.
#
# qemu/run passes -no-reboot: each reboot ends QEMU and the test starts
# it again on the same disk file (what a reboot keeps: the disk).
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=23479 REG_PORT=25600 RELAY_PORT=25601 CLUSTER=upd NODE=n1 HEALTH_S=60
EP=http://127.0.0.1:$ETCD_PORT
REPO=skiff/os
for tool in etcd docker-registry skopeo openssl jq curl python3 mdir; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done

b64() { printf %s "$1" | base64 -w0; }
eput() { curl -sf -X POST $EP/v3/kv/put -d "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"}" >/dev/null; }
eget() { curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
record() { eget /skiff/$CLUSTER/nodes/$NODE; }
# os_is JQ: the node record's os object satisfies the jq condition.
os_is() { local r; r=$(record) && [ -n "$r" ] && jq -e ".os | $1" <<<"$r" >/dev/null 2>&1; }
# saw ROLLOUT STATE: the node record once said so. etcd keeps every
# revision (no compaction here): a watch from revision 1 replays them all.
# The record goes away when the agent revokes its lease for the reboot,
# so "rebooting" is seen here, not by polling.
saw() {
	{ curl -sN -m 2 -X POST $EP/v3/watch \
		-d "{\"create_request\":{\"key\":\"$(b64 /skiff/$CLUSTER/nodes/$NODE)\",\"start_revision\":1}}" || :; } |
		{ jq -r '.result.events[]? | .kv.value // empty' 2>/dev/null || :; } |
		while read -r v; do base64 -d <<<"$v" | jq -r '.os.update | "\(.rollout) \(.state)"' 2>/dev/null; done |
		grep -x -- "$1 $2" >/dev/null # reads it all: an early exit fails the pipe
}
# request TAG ROLLOUT [PORT]: the update the node is to make, from the
# registry (or the relay in front of it at PORT).
request() { eput /skiff/$CLUSTER/updates/$NODE "{\"image\":\"10.0.2.2:${3:-$REG_PORT}/$REPO:$1\",\"rollout\":\"$2\"}"; }

etcd_start e "$T_DIR/etcd" $EP 23480 "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
until_true 20 curl -sf $EP/health || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
registry_start "$T_DIR" $REG_PORT
T_PIDS+=($!)
until_true 20 curl -sf http://127.0.0.1:$REG_PORT/v2/ || { echo "FAIL: setup: registry"; exit 1; }

setup "signing keys" openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/update.key"
setup "another key" openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/other.key"

# spec VERSION ENDPOINT: a node image of that version. The data partition
# keeps a stamp written at its first boot; each boot prints it. v1 also
# has the restarter: it stops the agent once, when 3 MiB of a blob of the
# update are downloaded (the agent, child of init, not its worker), and
# says so on the console.
restarter='t=/var/lib/skiff/update/download/tmp; f=; while [ ${#f} = 0 ]; do sleep 0.3; for g in $t/*.partial; do [ -f $g ] && [ $(wc -c <$g) -ge 3145728 ] && f=$g; done; done; for p in $(pidof skiff-agent); do [ $(awk '"'"'/^PPid/ {print $2}'"'"' /proc/$p/status) = 1 ] && kill $p && echo RESTARTER: stopped the agent at $(wc -c <$f) bytes of $f; done'
spec() {
	cat <<SPEC
hostname: $NODE
version: "$1"
debug: true
kernel:
  modules: [virtio_pci, virtio_net, overlay]
  cmdline: "console=ttyS0 ip=10.0.2.15::10.0.2.2:255.255.255.0:$NODE:eth0:off"
services:
  - name: net
    exec: ["/usr/bin/skiff-netcfg", "up", "--proc-cmdline"]
    restart: never
  - name: stamp
    exec: ["/bin/sh", "-c", "f=/var/lib/skiff/stamp; [ -f \$f ] || echo data-\$(cat /proc/sys/kernel/random/uuid) >\$f; sync; echo STAMP=\$(cat \$f)"]
    restart: never
  - name: agent
    exec: ["/usr/bin/skiff-agent", "--stop-timeout", "3"]
    restart: always
$([ "$1" != 1 ] || printf '  - name: restarter\n    exec: ["/bin/sh", "-c", %s]\n    restart: never\n' "$(jq -Rn --arg s "$restarter" '$s')")
cluster:
  name: $CLUSTER
  node_id: $NODE
  endpoints: ["$2"]
  insecure_registries: ["10.0.2.2:$REG_PORT", "10.0.2.2:$RELAY_PORT"]
  lease_ttl_s: 5
update:
  signing_key: $T_DIR/update.key
  health_timeout_s: $HEALTH_S
disk:
  size_mib: 768
shutdown:
  grace_ms: 8000
SPEC
}
good=http://10.0.2.2:$ETCD_PORT
for v in 1 2 3 4; do
	ep=$good
	[ $v != 3 ] || ep=http://10.0.2.2:1 # v3's agent cannot reach etcd: it never registers
	spec $v "$ep" >"$T_DIR/v$v.yaml"
	build_image "$T_DIR/v$v.yaml" "$T_DIR/v$v"
	setup "push v$v" skopeo copy --dest-tls-verify=false \
		"oci:$T_DIR/v$v/update:$v" "docker://127.0.0.1:$REG_PORT/$REPO:$v" >>"$T_DIR/skopeo.log" 2>&1
done

# repack TAG MEDIATYPE FILE|flip: v2's artifact with the layer of that
# media type replaced by FILE's bytes (or one byte of it flipped), under a
# new tag; the OCI manifest names the new blob, so only the signed
# manifest can tell.
repack() {
	python3 - "$T_DIR/v2/update" "$T_DIR/$1" "$2" "$3" <<'PY' &&
import hashlib, json, os, shutil, sys
src, dst, mt, how = sys.argv[1:]
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
blobs = os.path.join(dst, "blobs", "sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d
index = json.load(open(os.path.join(dst, "index.json")))
desc = index["manifests"][0]
man = json.load(open(os.path.join(blobs, desc["digest"][7:])))
layer = next(l for l in man["layers"] if l["mediaType"] == mt)
data = bytearray(open(os.path.join(blobs, layer["digest"][7:]), "rb").read())
if how == "flip":
    data[len(data) // 3] ^= 0x01
else:
    data = bytearray(open(how, "rb").read())
layer["digest"], layer["size"] = put(bytes(data)), len(data)
body = json.dumps(man).encode()
desc["digest"], desc["size"] = put(body), len(body)
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
PY
		skopeo copy --dest-tls-verify=false "oci:$T_DIR/$1:2" \
			"docker://127.0.0.1:$REG_PORT/$REPO:$1" >>"$T_DIR/skopeo.log" 2>&1
}
setup "tampered root" repack tampered application/vnd.skiff.update.root.v1 flip
openssl dgst -sha256 -sign "$T_DIR/other.key" -out "$T_DIR/other.sig" "$T_DIR/v2/update.json"
setup "artifact signed by another key" repack othersig application/vnd.skiff.update.signature.v1 "$T_DIR/other.sig"

disk=$T_DIR/node
mkdir -p "$disk" && cp --sparse=always "$T_DIR/v1/disk.raw" "$disk/disk.raw"
# part_sum NAME: sha256 of the partition of that GPT name in the disk file.
part_sum() {
	local start end
	read -r start end < <(sgdisk -p "$disk/disk.raw" 2>/dev/null | awk -v n="$1" '$7 == n {print $2, $3}')
	dd if="$disk/disk.raw" bs=512 skip="$start" count=$((end - start + 1)) status=none | sha256sum | cut -c1-64
}
# esp_entries: the UKIs on the ESP, by name.
esp_entries() {
	local start
	start=$(sgdisk -p "$disk/disk.raw" 2>/dev/null | awk '$7 == "esp" {print $2}')
	mdir -b -i "$disk/disk.raw@@$((start * 512))" ::/EFI/Linux 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' '
}
n_boot=0
start_vm() {
	n_boot=$((n_boot + 1))
	LOG=$T_DIR/boot$n_boot.log
	boot "$disk" "$LOG" --disk --accel tcg --mem 512 --timeout 900 --pidfile "$T_DIR/qemu.pid"
}
stamp() { tr -d '\r' <"$LOG" | grep -o 'STAMP=.*' | head -n1 | sed 's/^STAMP=//'; }
# await_exit: the VM rebooted (QEMU ends with -no-reboot).
await_exit() { wait_exit "$QEMU_PID" "$1" >/dev/null; [ $? != 124 ]; }

# ---- v1 boots and registers
b_slot=$(part_sum root-b)
start_vm
if until_true 400 'os_is ".version == \"1\" and .slot == \"a\""'; then
	pass "v1 registers with os {version 1, slot a}"
else
	fail "v1 registers" "$(record) $(tail -5 "$LOG")"
	exit 1
fi
stamp1=$(stamp)
check "the data partition has a stamp" test -n "$stamp1"
check "no update yet: os.update absent" os_is '.update == null and .previous == null'

# ---- refusals: nothing is written
request tampered t1
if until_true 120 'os_is ".update.rollout == \"t1\" and .update.state == \"refused\""'; then
	pass "a tampered root is refused"
	echo "  reason: $(record | jq -r .os.update.reason)"
else fail "a tampered root is refused" "$(record | jq -c .os)"; fi
check "the reason names the root layer and the signed manifest" \
	os_is '.update.reason | test("root layer is sha256:.*as the signed manifest says")'
request othersig t2
if until_true 120 'os_is ".update.rollout == \"t2\" and .update.state == \"refused\""'; then
	pass "a signature by another key is refused"
else fail "a signature by another key is refused" "$(record | jq -c .os)"; fi
check "the reason is the signature" \
	os_is '.update.reason == "update signature does not verify with /etc/skiff/update.pub"'
request 1 t3
until_true 60 'os_is ".update.rollout == \"t3\" and .update.state != \"downloading\""'
check "the running version itself is refused" \
	os_is '.update.state == "refused" and (.update.reason | test("not newer than the running version 1"))'
check "still running v1" os_is '.version == "1"'
check "slot b's bytes unchanged after the refusals" test "$(part_sum root-b)" = "$b_slot"
check "the ESP still has only skiff-a.efi" test "$(esp_entries)" = "skiff-a.efi "

# ---- v2: download (cut once, the agent stopped once), write slot b,
# reboot, mark good
man=$T_DIR/v2/update/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$T_DIR/v2/update/index.json")
uki=$(jq -r '.layers[] | select(.mediaType == "application/vnd.skiff.update.uki.v1") | .digest' "$man")
uki_size=$(jq -r '.layers[] | select(.mediaType == "application/vnd.skiff.update.uki.v1") | .size' "$man")
largest=$(jq -r '.layers | max_by(.size) | .digest' "$man")
check "the UKI ($uki_size bytes) is the artifact's largest blob" test "$uki" = "$largest"
python3 "$(dirname "$0")/../fixtures/cut_relay.py" $RELAY_PORT $REG_PORT "$uki" \
	stall:$((uki_size * 4 / 10)),cut:$((uki_size * 3 / 10)) "$T_DIR/relay.log" &
T_PIDS+=($!)
until_true 20 curl -sf http://127.0.0.1:$RELAY_PORT/v2/ || { echo "FAIL: setup: relay"; exit 1; }
t0=$SECONDS
request 2 r2 $RELAY_PORT
if until_true 400 saw r2 rebooting; then
	pass "v2 downloaded, checked and written (state rebooting)"
else fail "v2 written" "$(record | jq -c .os) $(tail -5 "$LOG")"; fi
t_written=$SECONDS
# The relay's account of the UKI: its requests' Range offsets (0 for
# none) and the bytes it sent back for them.
uki_ranges=$(awk -v p="/blobs/$uki" '$1 == "REQ" && $3 ~ p"$" {r = $4; sub(/^range=(bytes=)?/, "", r); sub(/-$/, "", r); print r + 0}' "$T_DIR/relay.log" | tr '\n' ' ')
uki_sent=$(awk -v p="/blobs/$uki" '$1 == "BYTES" && $2 ~ p"$" {n += $3} END {print n + 0}' "$T_DIR/relay.log")
echo "  relay: UKI requested from bytes ${uki_ranges}; $uki_sent bytes sent for its $uki_size"
# increasing K1 K2...: every number is larger than the one before
increasing() { local last=-1 k; for k; do [ "$k" -gt "$last" ] || return 1; last=$k; done; }
check "the relay cut the UKI's download exactly once" test "$(grep -c '^CUT ' "$T_DIR/relay.log")" = 1
check "the restarter stopped the agent in the middle of the download" has_line "$LOG" '^RESTARTER: stopped the agent at [0-9]+ bytes'
check "the UKI was asked for 3 times: once whole, then resumed after the agent's restart and after the cut" \
	test "$(wc -w <<<"$uki_ranges")" = 3 -a "${uki_ranges%% *}" = 0
# shellcheck disable=SC2086
check "each resumed request asks from a later byte (Range: bytes=K-, K > 0)" increasing $uki_ranges
check "less than twice the UKI's size went over the wire for it" test "$uki_sent" -lt $((2 * uki_size))
check "console: the agent says it resumes the UKI, twice" \
	test "$(tr -d '\r' <"$LOG" | grep -cE "agent: update: blob $uki: resuming at byte [1-9][0-9]* of $uki_size")" = 2
check "console: after the cut the worker tries again in 4 s" has_line "$LOG" "agent: update: .*blob $uki: .*; trying again in 4 s \(try 2 of 5\)"
check "the record went through downloading and writing" eval 'saw r2 downloading && saw r2 writing'
check "v1's agent stopped before the reboot" await_exit 120
check "init rebooted after the agent stopped (tasks first)" in_order "$LOG" 'agent: update .*rebooting' 'agent: stopped' 'init: shutdown: reboot'
check "trial entry written on the ESP" test "$(esp_entries)" = "skiff-a.efi skiff-b+1-0.efi "
start_vm
if until_true 400 'os_is ".version == \"2\" and .update.state == \"done\""'; then
	pass "v2 boots from slot b and is marked good"
	echo "  v2: request to healthy $((SECONDS - t0)) s (download, check and write $((t_written - t0)) s; reboot to registered and marked good $((SECONDS - t_written)) s)"
else fail "v2 boots and is marked good" "$(record | jq -c .os) $(tail -5 "$LOG")"; fi
check "record: os {version 2, slot b, previous 1}" os_is '.version == "2" and .slot == "b" and .previous == "1" and .update.target == "2"'
check "console: init chose slot b" has_line "$LOG" 'init: root: slot b'
check "ESP: skiff-b.efi marked good, no counter left" test "$(esp_entries)" = "skiff-a.efi skiff-b.efi "
check "data partition intact across the update ($stamp1)" test -n "$stamp1" -a "$(stamp)" = "$stamp1"

# ---- broken v3: the new version's agent never registers; init's
# watchdog reboots and systemd-boot returns to v2
request 3 r3
if until_true 300 saw r3 rebooting; then
	pass "v3 written (state rebooting)"
else fail "v3 written" "$(record | jq -c .os)"; fi
await_exit 120
t0=$SECONDS
start_vm
if await_exit $((HEALTH_S + 400)); then
	pass "init's watchdog reboots v3 once its health timeout passed"
else fail "v3 rebooted by init's watchdog" "$(tail -5 "$LOG")"; fi
check "v3 never registered" test "$(record | jq -r .os.version)" != 3
start_vm
if until_true 400 'os_is ".version == \"2\" and .update.state == \"failed\""'; then
	pass "broken v3 rolls back to v2 by itself"
	echo "  rollback: $((SECONDS - t0)) s from the reboot into v3 to v2 reporting it failed"
	echo "  reason: $(record | jq -r .os.update.reason)"
else fail "broken v3 rolls back to v2" "$(record | jq -c .os) $(tail -5 "$LOG")"; fi
check "the reason says v3 was not healthy in time" \
	os_is '.update.target == "3" and (.update.reason | test("version 3 was not healthy within '$HEALTH_S' s"))'
check "still slot b, previous 1" os_is '.slot == "b" and .previous == "1"'
request 3 r3
sleep 5
check "the same image under the same rollout is not tried again" os_is '.update.state == "failed" and .update.target == "3"'

# ---- power loss while writing slot a
request 4 r4
if until_true 300 'os_is ".update.rollout == \"r4\" and .update.state == \"writing\""'; then
	kill -9 "$(cat "$T_DIR/qemu.pid")" # QEMU itself, not qemu/run
	wait "$QEMU_PID" 2>/dev/null
	check "the power went while writing (no reboot asked for)" bash -c "! grep -q 'r4.*rebooting' '$LOG'"
	pass "QEMU killed while slot a is written"
	start_vm
	if until_true 400 'os_is ".update.rollout == \"r4\" and .update.state == \"failed\""'; then
		pass "the node boots the old slot and reports the interrupted update failed"
		echo "  reason: $(record | jq -r .os.update.reason)"
	else fail "interrupted update reported failed" "$(record | jq -c .os) $(tail -5 "$LOG")"; fi
	check "still v2 on slot b" os_is '.version == "2" and .slot == "b"'
	request 4 r5
	if until_true 300 saw r5 rebooting && await_exit 120; then
		start_vm
		if until_true 400 'os_is ".version == \"4\" and .update.state == \"done\""'; then
			pass "a new rollout of the same image succeeds after the power loss"
		else fail "retry after power loss" "$(record | jq -c .os)"; fi
		check "v4 on slot a, previous 2" os_is '.slot == "a" and .previous == "2"'
		check "data partition intact after all of it" test "$(stamp)" = "$stamp1"
	else fail "retry after power loss written" "$(record | jq -c .os)"; fi
else
	fail "QEMU killed while slot a is written" "never saw state writing: $(record | jq -c .os)"
fi
kill "$QEMU_PID" 2>/dev/null
