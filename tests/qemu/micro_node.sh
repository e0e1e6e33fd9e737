#!/bin/bash
# The micro kernel (kernel.profile: micro, built by `make kernel`): a
# cluster node image with the example's module list (all built in) boots
# in a 64 MiB VM under TCG, gets its address by DHCP through the udhcpc
# build, registers with an etcd on the host, runs the demo's web task
# (busybox httpd from a local registry, 32 MiB, host port 8080) that
# answers through QEMU's port forward, and powers off on the ACPI power
# button with its task stopped and reported. Debian's cloud kernel
# cannot even unpack itself in 64 MiB: qemu/run refuses, saying why,
# instead of a VM that resets in silence.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=24379 REG_PORT=24500 CLUSTER=micro MEM=64
. "$SKIFF_TOP/tests/fixtures/cluster_env.sh"
kernels=$SKIFF_BIN/../kernel
ls "$kernels"/micro/boot/vmlinuz-* >/dev/null 2>&1 ||
	{ echo "FAIL: setup: no micro kernel in $kernels (make kernel)"; exit 1; }
build_image "$SKIFF_TOP/examples/minimal.yaml" "$T_DIR/cloud"
"$SKIFF_TOP/qemu/run" --mem $MEM --log "$T_DIR/cloud.log" "$T_DIR/cloud" >"$T_DIR/cloud.out" 2>&1
check "qemu/run refuses $MEM MiB for the cloud kernel (exit 2)" test $? = 2
check "and says why on the console log" grep -q "too small for .*: it unpacks into .* and the initramfs takes .* unpacked" "$T_DIR/cloud.log"

start_etcd || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }
start_scheduler

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: micro
kernel:
  profile: micro
  modules: [virtio_pci, virtio_net, overlay, bridge, veth, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
network:
  interfaces:
    - match: {name: eth0}
      dhcp: true
services:
  - name: agent
    exec: ["/usr/bin/skiff-agent", "--stop-timeout", "3"]
    restart: always
cluster:
  name: $CLUSTER
  endpoints: ["http://10.0.2.2:$ETCD_PORT"]
  insecure_registries: ["10.0.2.2:$REG_PORT"]
  lease_ttl_s: 10
shutdown:
  grace_ms: 8000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/node"
check "image holds no kernel modules" test "$(jq '.modules | length' "$T_DIR/node/manifest.json")" = 0
check "image kernel is the micro kernel" bash -c "jq -r .kernel.version '$T_DIR/node/manifest.json' | grep -q -- '-skiff-micro$'"

log=$T_DIR/console.log
boot "$T_DIR/node" "$log" --mem $MEM --monitor "$T_DIR/mon.sock" --fwd 18480:8080
if wait_line "$log" 'init: ready$' 120 >/dev/null; then
	pass "boots to init: ready in $MEM MiB ($(console_ms "$log" 'init: ready$') ms after kernel start)"
else
	fail "boots to init: ready in $MEM MiB" "$(tail -5 "$log")"
	exit 1
fi
check "listed modules are reported built in" has_line "$log" 'init: module nft_masq is built in'
check "no module is loaded from the initramfs" bash -c "! tr -d '\r' <'$log' | grep -q 'init: loaded module'"
check "DHCP through /bin/udhcpc" wait_line "$log" 'init: network up' 60

if wait_line "$log" 'agent: registered as' 120 >/dev/null; then pass "registers"
else fail "registers" "$(tail -5 "$log")"; exit 1; fi
node=$(tr -d '\r' <"$log" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p' | head -n1)
offered=$(eget /skiff/$CLUSTER/nodes/$node | jq -r .memory)
[ "${offered:-0}" -ge 32 ] && pass "node offers room for the web task ($offered MiB of $MEM)" ||
	fail "node offers room for the web task" "offers '${offered}' MiB"

# The demo's web task (examples/taskdefs/demo-web.json) from this registry.
jq --arg i "10.0.2.2:$REG_PORT/busybox:latest" '.containerDefinitions[0].image = $i' \
	"$SKIFF_TOP/examples/taskdefs/demo-web.json" >"$T_DIR/web.json"
if $CTL taskdef register "$T_DIR/web.json" >"$T_DIR/ctl.log" 2>&1 &&
	id=$($CTL task run demo-web 2>>"$T_DIR/ctl.log") && until_true 180 task_is "$id" RUNNING; then
	pass "the web task runs in $MEM MiB"
else
	fail "the web task runs in $MEM MiB" "$(last_status "${id:-}") $(tail -n 3 "$T_DIR/ctl.log" "$log")"
fi
body=$(curl -s -m 10 http://127.0.0.1:18480/)
[ "$body" = hello-from-skiff ] && pass "the task answers through the port forward" ||
	fail "the task answers through the port forward" "got '$body'"

monitor "$T_DIR/mon.sock" system_powerdown
if wait_exit "$QEMU_PID" 60; then pass "powers off on the ACPI power button"
else fail "powers off on the ACPI power button" "$(tail -3 "$log")"; fi
check "the task was stopped and reported on the way down" until_true 10 task_is "$id" STOPPED

# A UEFI disk image on the micro kernel: its EFI stub in the UKI, the root
# squashfs under dm-verity, the ext4 data partition grown at boot, and
# vfat built in for an image that takes updates (the agent mounts the ESP).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out "$T_DIR/update.pub" 2>/dev/null
cat >"$T_DIR/disk.yaml" <<'SPEC'
hostname: micro-disk
debug: true
kernel:
  profile: micro
services:
  - name: report
    exec: ["/bin/sh", "-c", "mkdir /run/esp; mount -t vfat -o ro /dev/vda1 /run/esp && echo ESP=$(ls /run/esp/EFI/Linux); echo ROOT=$(grep ' / ' /proc/mounts | cut -d' ' -f1,3); echo DATA=$(grep ' /var/lib/skiff ' /proc/mounts | cut -d' ' -f3)"]
    restart: never
disk:
  size_mib: 512
update:
  public_key: update.pub
SPEC
build_image "$T_DIR/disk.yaml" "$T_DIR/disk"
boot "$T_DIR/disk" "$T_DIR/disk.log" --disk --net none --mem 128 --monitor "$T_DIR/disk.sock"
if wait_line "$T_DIR/disk.log" 'DATA=' 300 >/dev/null; then
	check "UEFI boot: root is the verified squashfs" has_line "$T_DIR/disk.log" 'ROOT=/dev/dm-0 squashfs'
	check "UEFI boot: data partition is ext4, grown" bash -c \
		"tr -d '\r' <'$T_DIR/disk.log' | grep -q 'DATA=ext4' && tr -d '\r' <'$T_DIR/disk.log' | grep -q 'init: data: grew'"
	check "UEFI boot: vfat built in, the ESP mounts" has_line "$T_DIR/disk.log" 'ESP=skiff-a.efi' 
else
	fail "UEFI boot of a micro-kernel disk image" "$(tail -5 "$T_DIR/disk.log")"
fi
monitor "$T_DIR/disk.sock" system_powerdown
wait_exit "$QEMU_PID" 60 >/dev/null
