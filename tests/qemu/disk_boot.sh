#!/bin/bash
# Boots a disk image under OVMF (UEFI, TCG): systemd-boot starts slot A's
# UKI, init picks root A by its verity root hash, sets up dm-verity and
# switches into the squashfs, mounts and grows the data partition, and the
# node mounts its ESP (vfat); data survives a power-off; an update trial
# nobody marks good reboots the node after its deadline; with root A's
# hash tree damaged init boots slot B; one flipped byte in the chosen
# root stops the boot with a clear message and, with skiff.fatal=reboot,
# reboots; with neither slot's tree matching, init names both.
. "$(dirname "$0")/../lib.sh"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T_DIR/update.pem" 2>/dev/null
openssl pkey -in "$T_DIR/update.pem" -pubout -out "$T_DIR/update.pub" 2>/dev/null
# The service stamps the data partition on the first boot and puts an
# update trial of this very version and slot there, which the next boot's
# watchdog must act on; it prints what it sees, and the ESP through vfat.
cat >"$T_DIR/spec.yaml" <<'SPEC'
hostname: disk-boot
version: "1.2"
debug: true
files:
  - path: /bin/persist
    mode: "0755"
    content: |
      #!/bin/sh
      f=/var/lib/skiff/stamp
      if [ ! -f $f ]; then
        echo boot-$(cat /proc/sys/kernel/random/uuid) >$f
        mkdir -p /var/lib/skiff/update
        printf 'version=1.2\nslot=a\ndeadline_s=20\n' >/var/lib/skiff/update/trial
      fi
      sync
      echo STAMP=$(cat $f)
      echo ROOT=$(grep ' / ' /proc/mounts | cut -d' ' -f1,3,4 | cut -d, -f1)
      echo BOOT=$(tr '\n' ' ' </run/skiff/boot)
      . /etc/os-release
      echo OSREL=$VERSION_ID/$IMAGE_VERSION
      echo CMDLINE=$(cat /proc/cmdline)
      mkdir -p /run/esp && mount -t vfat -o ro /dev/vda1 /run/esp && echo ESP=$(ls /run/esp/EFI/Linux) && umount /run/esp
      echo PERSIST=done
services:
  - name: persist
    exec: ["/bin/persist"]
    restart: never
disk:
  size_mib: 512
update:
  public_key: update.pub
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"
mon=$T_DIR/mon.sock
# line LOG KEY: the value the service printed as KEY=VALUE (a shell prompt
# may precede it on the same console line).
line() { tr -d '\r' <"$1" | grep -o "$2=.*" | head -n1 | sed "s/^$2=//"; }

# boot_disk LOG: boots, waits for ready and the service's output (all of
# it: the ESP line comes after a module load and a mount).
boot_disk() {
	boot "$T_DIR/img" "$1" --disk --accel tcg --net none --monitor "$mon" --timeout 400
	wait_line "$1" 'init: ready$' 300 >/dev/null && wait_line "$1" 'PERSIST=done' 60 >/dev/null
}
power_off() {
	monitor "$mon" system_powerdown
	wait_exit "$QEMU_PID" 90
}

log1=$T_DIR/boot1.log
start=$SECONDS
if boot_disk "$log1"; then
	pass "disk boots under OVMF to init: ready"
	echo "  first boot: ready after $((SECONDS - start)) s wall clock (firmware included), $(console_ms "$log1" 'init: ready$') ms after kernel start"
else
	fail "disk boots under OVMF to init: ready" "see $log1"
	exit 1
fi
check "UKI booted from the ESP" grep -q 'UEFI' "$log1"
check "init picked slot A (B holds the same root)" grep -q 'init: root: slot a (vda2), slot b holds the same root' "$log1"
check "dm-verity set up on root A" grep -q 'init: root: dm-verity on vda2' "$log1"
hash=$(jq -r .verity.root_hash "$T_DIR/img/disk.json")
check "/run/skiff/boot names slot, version and root hash" test "$(line "$log1" BOOT)" = "slot=a version=1.2 root_hash=$hash"
check "/etc/os-release has the spec's version" test "$(line "$log1" OSREL)" = "1.2/1.2"
check "vfat mounts the ESP on the node: EFI/Linux holds skiff-a.efi" test "$(line "$log1" ESP)" = skiff-a.efi
check "the command line is slot independent" grep -q " skiff.root=slot skiff.verity=$hash:[0-9]*:[0-9]*:[0-9a-f]* skiff.data=PARTLABEL=skiff-data skiff.fatal=reboot panic=10\$" <<<"$(line "$log1" CMDLINE)"
check "switched root" in_order "$log1" 'init: root: switched' 'init: skiff-init starting' 'init: ready$'
check "root is the verity device, read-only squashfs" test "$(line "$log1" ROOT)" = "/dev/dm-0 squashfs ro"
check "data partition mounted" grep -q 'init: data: mounted /dev/vda4 on /var/lib/skiff' "$log1"
check "data file system grown on first boot" grep -q 'init: data: grew /var/lib/skiff from 5[0-9] to' "$log1"
stamp1=$(line "$log1" STAMP)
check "service wrote the data file" test -n "$stamp1"
if power_off; then pass "powers off"; else fail "powers off" "QEMU still running"; fi
check "data unmounted at shutdown" grep -q 'init: shutdown: unmounted /var/lib/skiff' "$log1"

# The second boot finds the trial the first one left (version 1.2, slot
# a: what boots), and nobody marks it good: init reboots after 20 s.
log2=$T_DIR/boot2.log
if boot_disk "$log2"; then pass "second boot reaches ready"; else fail "second boot reaches ready" "see $log2"; fi
check "data survives a reboot ($stamp1)" test -n "$stamp1" -a "$(line "$log2" STAMP)" = "$stamp1"
check "no second growth" bash -c "! grep -q 'init: data: grew' '$log2'"
check "no trial on the first boot" bash -c "! grep -q 'init: trial:' '$log1'"
check "trial watchdog armed for version 1.2 in slot a" grep -q 'init: trial: version 1.2 in slot a must be marked good within 20 s' "$log2"
if wait_exit "$QEMU_PID" 120; then pass "an unmarked trial reboots the node"; else fail "an unmarked trial reboots the node" "QEMU still running"; fi
check "the trial's failure is logged, then a reboot" in_order "$log2" 'init: warning: trial: version 1.2 was not healthy within 20 s' 'init: shutdown: update trial failed' 'init: shutdown: reboot'
data_off=$(jq '.partitions[3].offset' "$T_DIR/img/disk.json")
dd if="$T_DIR/img/disk.raw" of="$T_DIR/data.img" bs=1M skip=$((data_off >> 20)) status=none
check "trial.reason written on the data partition" test \
	"$(debugfs -R 'cat /update/trial.reason' "$T_DIR/data.img" 2>/dev/null)" = \
	"version 1.2 was not healthy within 20 s (the agent did not mark the boot good)"
kill "$QEMU_PID" 2>/dev/null

# flip OFFSET: inverts one byte of disk.raw.
flip() {
	local byte
	byte=$(od -An -tu1 -j "$1" -N1 "$T_DIR/img/disk.raw" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 0xff)))" | dd of="$T_DIR/img/disk.raw" bs=1 seek="$1" conv=notrunc status=none
}

# Root A's top hash block no longer hashes to the UKI's root hash: init
# takes slot B, which holds the same root (and says the trial, which
# names slot a, is not this boot's).
flip "$(jq -r '.partitions[1].offset + .verity.hash_offset + 100' "$T_DIR/img/disk.json")"
log4=$T_DIR/boot4.log
if boot_disk "$log4"; then pass "with root A's hash tree damaged, the disk boots"; else fail "with root A's hash tree damaged, the disk boots" "see $log4"; fi
check "init picked slot B by its verity top block" grep -q 'init: root: slot b (vda3)$' <<<"$(tr -d '\r' <"$log4")"
check "dm-verity set up on root B" grep -q 'init: root: dm-verity on vda3' "$log4"
check "/run/skiff/boot says slot b" test "$(line "$log4" BOOT)" = "slot=b version=1.2 root_hash=$hash"
check "a trial for another slot is not armed" grep -q 'init: trial: /var/lib/skiff/update/trial names version 1.2 in slot a, but version 1.2 in slot b booted' "$log4"
power_off >/dev/null

# One flipped byte inside the squashfs of root B (A's tree is still
# damaged, so B is the only slot).
flip "$(jq -r '.partitions[2].offset + (.verity.data_blocks * 4096 / 2 | floor)' "$T_DIR/img/disk.json")"
log3=$T_DIR/boot3.log
boot "$T_DIR/img" "$log3" --disk --reboot --accel tcg --net none --monitor "$mon" --timeout 400
fatal='init: fatal: root filesystem failed verification'
if wait_line "$log3" "$fatal" 300 >/dev/null; then
	pass "a corrupted root block stops the boot"
	echo "  $(tr -d '\r' <"$log3" | grep -m1 'init: fatal:')"
else
	fail "a corrupted root block stops the boot" "no fatal line in $log3"
fi
# skiff.fatal=reboot: the firmware starts again (qemu/run --reboot). While
# init waits its 3 s, B's hash tree is damaged too (the guest has read it
# already): the second boot finds no slot with the root hash and says so,
# naming both partitions, and reboots again; count that, then stop.
flip "$(jq -r '.partitions[2].offset + .verity.hash_offset + 100' "$T_DIR/img/disk.json")"
neither='init: fatal: no root slot holds root hash [0-9a-f]{16}\.\.\.: neither root-a \(vda2\) nor root-b \(vda3\) has that verity tree'
if wait_line "$log3" "$neither" 300 >/dev/null; then
	pass "the next boot finds neither slot and names both"
else
	fail "the next boot finds neither slot and names both" "$(tr -d '\r' <"$log3" | grep 'init: fatal:' | tail -n2)"
fi
n=0
for _ in $(seq 60); do
	n=$(tr -d '\r' <"$log3" | grep -c 'init: fatal: rebooting in 3 s (skiff.fatal=reboot)')
	[ "$n" -ge 2 ] && break
	kill -0 "$QEMU_PID" 2>/dev/null || break
	sleep 1
done
check "each fatal error reboots (skiff.fatal=reboot): $n reboots" test "$n" -ge 2
check "corrupted root never reaches ready" bash -c "! grep -q 'init: ready' '$log3'"
check "never switched into the bad root" bash -c "! grep -q 'init: root: switched' '$log3'"
kill "$QEMU_PID" 2>/dev/null
