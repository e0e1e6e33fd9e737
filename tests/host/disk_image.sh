#!/bin/bash
# skiff-imagegen's disk image on the host: GPT, ESP (FAT32 with
# systemd-boot, loader.conf and slot A's UKI), squashfs root with a dm-verity tree veritysetup agrees with, ext4 data
# partition clean under e2fsck, qcow2, and byte-identical rebuilds.
. "$(dirname "$0")/../lib.sh"

cat >"$T_DIR/spec.yaml" <<'SPEC'
hostname: disk-host
version: "7"
debug: true
disk:
  size_mib: 512
SPEC
SOURCE_DATE_EPOCH=1700000000 build_image "$T_DIR/spec.yaml" "$T_DIR/a"
img=$T_DIR/a/disk.raw
for f in disk.raw disk.qcow2 disk.json; do check "writes $f" test -s "$T_DIR/a/$f"; done
check "disk.raw is 512 MiB" test "$(stat -c %s "$img")" = $((512 << 20))
check "GPT verifies (sfdisk)" sfdisk --verify "$img"
check "GPT verifies (sgdisk)" bash -c "sgdisk -v '$img' | grep -q 'No problems found'"

# part N FIELD: a field of partition N from sfdisk -J.
part() { sfdisk -J "$img" | jq -r ".partitiontable.partitions[$(($1 - 1))].$2"; }
extract() { dd if="$img" of="$2" bs=512 skip="$(part "$1" start)" count="$(part "$1" size)" status=none; }
check "ESP type" test "$(part 1 type)" = C12A7328-F81F-11D2-BA4B-00A0C93EC93B
check "root A type" test "$(part 2 type)" = 4F68BCE3-E8CD-4C4E-9A7E-2F8F4B16CF1C
check "root B type" test "$(part 3 type)" = 4F68BCE3-E8CD-4C4E-9A7E-2F8F4B16CF1C
check "data type (/var)" test "$(part 4 type)" = 4D21B016-B534-45C2-A9FB-5C16E091FD2D
check "data label" test "$(part 4 name)" = skiff-data

extract 1 "$T_DIR/esp.img"
check "fsck.fat finds the ESP clean" fsck.fat -n "$T_DIR/esp.img"
mcopy -n -i "$T_DIR/esp.img" ::/EFI/BOOT/BOOTX64.EFI "$T_DIR/boot.efi" 2>/dev/null
check "BOOTX64.EFI is systemd-boot" cmp -s "$T_DIR/boot.efi" /usr/lib/systemd/boot/efi/systemd-bootx64.efi
check "loader.conf: no menu, no editor" test "$(mtype -i "$T_DIR/esp.img" ::/loader/loader.conf)" = "$(printf 'timeout 0\neditor no')"
check "slot A's UKI is \\EFI\\Linux\\skiff-a.efi (and nothing else there)" \
	test "$(mdir -b -i "$T_DIR/esp.img" ::/EFI/Linux)" = "::/EFI/Linux/skiff-a.efi"
mcopy -n -i "$T_DIR/esp.img" ::/EFI/Linux/skiff-a.efi "$T_DIR/uki.efi" 2>/dev/null
sections=$(objdump -h "$T_DIR/uki.efi" 2>/dev/null | awk '$2 ~ /^\./ {print $2}' | tr '\n' ' ')
check "UKI has .osrel .cmdline .initrd .linux ($sections)" bash -c \
	"for s in .osrel .cmdline .initrd .linux; do grep -qw -- \$s <<<'$sections' || exit 1; done"
objcopy -O binary --only-section=.linux "$T_DIR/uki.efi" "$T_DIR/uki.linux" 2>/dev/null
check "UKI's .linux is the kernel" cmp -s "$T_DIR/uki.linux" "$T_DIR/a/vmlinuz"
objcopy -O binary --only-section=.cmdline "$T_DIR/uki.efi" "$T_DIR/uki.cmdline" 2>/dev/null
check "UKI's command line picks the slot by root hash" grep -q "skiff.root=slot skiff.verity=$(jq -r .verity.root_hash "$T_DIR/a/disk.json"):" "$T_DIR/uki.cmdline"
check "UKI's command line names no PARTUUID" bash -c "! grep -q PARTUUID '$T_DIR/uki.cmdline'"
check "UKI's command line: data by label, reboot on fatal errors and panics" \
	grep -q "skiff.data=PARTLABEL=skiff-data skiff.fatal=reboot panic=10$" "$T_DIR/uki.cmdline"
objcopy -O binary --only-section=.osrel "$T_DIR/uki.efi" "$T_DIR/uki.osrel" 2>/dev/null
check "UKI's .osrel: ID=skiff, VERSION_ID and IMAGE_VERSION from the spec" bash -c \
	"grep -qx ID=skiff '$T_DIR/uki.osrel' && grep -qx VERSION_ID=7 '$T_DIR/uki.osrel' && grep -qx IMAGE_VERSION=7 '$T_DIR/uki.osrel'"

extract 2 "$T_DIR/root.img"
check "root A is squashfs (zstd)" bash -c "unsquashfs -s '$T_DIR/root.img' | grep -q 'Compression zstd'"
check "root has sbin/init" bash -c "unsquashfs -l '$T_DIR/root.img' | grep -qx 'squashfs-root/sbin/init'"
v() { jq -r ".verity.$1" "$T_DIR/a/disk.json"; }
check "veritysetup verifies the hash tree" veritysetup verify --no-superblock \
	--hash-offset="$(v hash_offset)" --data-blocks="$(v data_blocks)" --salt="$(v salt)" \
	"$T_DIR/root.img" "$T_DIR/root.img" "$(v root_hash)"
extract 3 "$T_DIR/rootb.img"
check "root B holds the same image" cmp -s "$T_DIR/root.img" "$T_DIR/rootb.img"

extract 4 "$T_DIR/data.img"
check "e2fsck -fn clean on data" e2fsck -fn "$T_DIR/data.img"
check "data label skiff-data" test "$(e2label "$T_DIR/data.img" 2>/dev/null)" = skiff-data
check "qcow2 holds the same disk" qemu-img compare -f raw -F qcow2 "$img" "$T_DIR/a/disk.qcow2"

sleep 1.1 # a different wall clock must not matter
SOURCE_DATE_EPOCH=1700000000 build_image "$T_DIR/spec.yaml" "$T_DIR/b"
for f in disk.raw disk.qcow2 disk.json; do
	check "rebuild gives identical $f" cmp -s "$T_DIR/a/$f" "$T_DIR/b/$f"
done
sed 's/disk-host/disk-other/' "$T_DIR/spec.yaml" >"$T_DIR/other.yaml"
SOURCE_DATE_EPOCH=1700000000 build_image "$T_DIR/other.yaml" "$T_DIR/c"
check "another spec gets other GUIDs" bash -c \
	"[ \"\$(jq -r .disk_guid '$T_DIR/a/disk.json')\" != \"\$(jq -r .disk_guid '$T_DIR/c/disk.json')\" ]"

printf 'disk:\n  size_mib: 100\n  root_mib: 64\n' >"$T_DIR/small.yaml"
if "$IMAGEGEN" build "$T_DIR/small.yaml" -o "$T_DIR/small" >"$T_DIR/small.log" 2>&1; then
	fail "too small a disk is refused" "built"
else
	check "too small a disk is refused with the key" grep -q 'disk' "$T_DIR/small.log"
fi
echo "  sizes: $(jq -r '[.partitions[] | "\(.label) \(.size / 1048576) MiB"] | join(", ")' "$T_DIR/a/disk.json"); squashfs $(jq .squashfs_size "$T_DIR/a/disk.json") bytes, UKI $(jq .uki_size "$T_DIR/a/disk.json") bytes, qcow2 $(stat -c %s "$T_DIR/a/disk.qcow2") bytes"
