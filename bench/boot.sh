#!/bin/bash
# bench/boot.sh [N]: time from kernel start to "init: ready" for the
# minimal example image, beside the same kernel booting a trivial static
# init that prints its timestamp and powers off at once (the floor), on
# each kernel: Debian's cloud kernel and Skiff's micro kernel (`make
# kernel`). Under QEMU TCG in 64 MiB where the kernel fits (the cloud
# kernel needs more to unpack itself, so it gets 128). Figures are console
# timestamps (CLOCK_MONOTONIC, which starts with the kernel); prints
# medians of N runs (default 5) and the ratios. qemu/run picks the board:
# microvm for the micro kernel, pc for the cloud kernel.
# BENCH_KERNELS="cloud micro" (default) chooses the kernels; BENCH_QEMU
# adds qemu/run options to every boot, e.g. "--icount" (guest time, for
# A/B comparisons on a busy host) or "--machine pc" (the micro kernel on
# the board the cloud kernel uses).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 SKIFF_NETNS_PRIVATE=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
n=${1:-5}
read -r -a qopts <<<"${BENCH_QEMU:-}"
out=$top/build/bench/boot
mkdir -p "$out"
rm -f "$out/boot.dat.tmp"
. bench/lib.sh

stamp() { tr -d '\r' <"$1" | grep -E -m1 -- "$2" | sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'; }

bench_load
printf '%-6s %-36s %8s\n' kernel "boot (kernel start to ...)" median
for profile in ${BENCH_KERNELS:-cloud micro}; do
	d=$out/$profile
	rm -rf "$d" && mkdir -p "$d"
	sed "s/^kernel:/kernel:\n  profile: $profile/" examples/minimal.yaml >"$d/minimal.yaml"
	build/bin/skiff-imagegen build --quiet "$d/minimal.yaml" -o "$d/skiff"
	bench_floor_image "$d/skiff/vmlinuz" "$d/floor"
	mem=64
	[ $profile = micro ] || mem=128
	: >"$d/floor.ms"
	: >"$d/skiff.ms"
	for i in $(seq "$n"); do
		qemu/run --accel tcg "${qopts[@]}" --mem $mem --net none --log "$d/floor.log" --timeout 60 "$d/floor" >/dev/null 2>&1 || true
		stamp "$d/floor.log" 'floor: started' >>"$d/floor.ms"
		rm -f "$d/skiff.log" # wait-for must not find the last run's line
		qemu/run --accel tcg "${qopts[@]}" --mem $mem --net none --log "$d/skiff.log" --timeout 60 --monitor "$d/mon.sock" \
			"$d/skiff" >/dev/null 2>&1 &
		qemu/wait-for "$d/skiff.log" 'init: ready' 60 >/dev/null
		stamp "$d/skiff.log" 'init: ready' >>"$d/skiff.ms"
		printf 'system_powerdown\n' | socat - "unix-connect:$d/mon.sock" >/dev/null 2>&1 || true
		wait
	done
	f=$(bench_median <"$d/floor.ms") s=$(bench_median <"$d/skiff.ms")
	printf '%-6s %-36s %6d ms   runs: %s\n' $profile "floor: trivial init started" "$f" "$(tr '\n' ' ' <"$d/floor.ms")"
	printf '%-6s %-36s %6d ms   runs: %s\n' $profile "skiff: init: ready (minimal.yaml)" "$s" "$(tr '\n' ' ' <"$d/skiff.ms")"
	awk -v s="$s" -v f="$f" -v k=$profile 'BEGIN {printf "%-6s skiff-init adds %d ms over the floor (%.2fx)\n", k, s - f, s / f}'
	echo "$profile $f $s" >>"$out/boot.dat.tmp"
	printf '%-6s initramfs %d bytes, vmlinuz %d bytes (%d MiB VM)\n' $profile \
		"$(stat -c %s "$d/skiff/initramfs.img")" "$(stat -c %s "$d/skiff/vmlinuz")" $mem
done
bench_load
if [ -f "$out/boot.dat.tmp" ]; then
	mv "$out/boot.dat.tmp" "$out/boot.dat"
	awk 'NR == 1 {c = $3} NR == 2 {printf "micro kernel: init: ready %.2fx faster than on the cloud kernel\n", c / $3}' "$out/boot.dat"
fi
