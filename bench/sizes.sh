#!/bin/bash
# bench/sizes.sh: what a node carries. The node binary and each busybox build
# (beside Debian's busybox-static, which nodes used to pack for udhcpc
# alone), then examples/node.yaml built on each kernel: the userland
# (every initramfs file but the kernel modules, uncompressed, from the
# manifest), the modules, the initramfs and the kernel image.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/bench/sizes
rm -rf "$out" && mkdir -p "$out"
bin=build/bin

printf '%-28s %10s\n' file bytes
for f in skiff udhcpc busybox; do
	printf '%-28s %10d\n' "$f" "$(stat -c %s $bin/$f)"
done
[ -x /bin/busybox ] && printf '%-28s %10d   (Debian busybox-static, for comparison)\n' "/bin/busybox" "$(stat -c %s /bin/busybox)"
echo
printf '%-7s %10s %10s %10s %10s %10s\n' kernel userland files modules initramfs vmlinuz
for profile in ${BENCH_KERNELS:-cloud micro}; do
	sed "s/^kernel:/kernel:\n  profile: $profile/" examples/node.yaml >"$out/node-$profile.yaml"
	$bin/skiff-imagegen build --quiet "$out/node-$profile.yaml" -o "$out/node-$profile"
	m=$out/node-$profile/manifest.json
	mods=$(zcat -f "$out/node-$profile/initramfs.img" | cpio -itv --quiet 2>/dev/null |
		awk '$1 ~ /^-/ && $NF ~ /^lib\/modules\// {s += $5} END {print s + 0}')
	printf '%-7s %10d %10d %10d %10d %10d\n' $profile "$(jq .userland.size "$m")" "$(jq .userland.files "$m")" \
		"$mods" "$(jq '.outputs["initramfs.img"].size' "$m")" "$(jq .outputs.vmlinuz.size "$m")"
done
echo
echo "programs in the node image (manifest userland.programs):"
jq -r '.userland.programs | to_entries[] | "  \(.key) \(.value)"' "$out/node-cloud/manifest.json" 2>/dev/null ||
	jq -r '.userland.programs | to_entries[] | "  \(.key) \(.value)"' "$out"/node-*/manifest.json | sort -u
