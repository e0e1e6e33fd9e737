#!/bin/bash
# bench/boot.sh [N]: time from kernel start to "init: ready" for the
# minimal example image, beside the same kernel booting a trivial static
# init that prints its timestamp and powers off at once (the floor).
# Both under QEMU TCG; figures are console timestamps (CLOCK_MONOTONIC,
# which starts with the kernel). Prints medians and the ratio.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=${1:-5}
out=$top/build/bench/boot
rm -rf "$out" && mkdir -p "$out/floor/root"

build/bin/skiff-imagegen build --quiet examples/minimal.yaml -o "$out/skiff"
musl-gcc -Os -static -s -o "$out/floor/root/init" bench/floor_init.c
mkdir -p "$out/floor/root/dev"
(cd "$out/floor/root" && echo init | cpio -o -H newc --quiet | gzip -9 >"$out/floor/initramfs.img")
cp "$out/skiff/vmlinuz" "$out/floor/vmlinuz"
cp "$out/skiff/cmdline" "$out/floor/cmdline"

stamp() { tr -d '\r' <"$1" | grep -E -m1 -- "$2" | sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

: >"$out/floor.ms"
: >"$out/skiff.ms"
for i in $(seq "$n"); do
	qemu/run --net none --log "$out/floor.log" --timeout 60 "$out/floor" >/dev/null 2>&1 || true
	stamp "$out/floor.log" 'floor: started' >>"$out/floor.ms"
	qemu/run --net none --log "$out/skiff.log" --timeout 60 --monitor "$out/mon.sock" "$out/skiff" >/dev/null 2>&1 &
	qemu/wait-for "$out/skiff.log" 'init: ready' 60 >/dev/null
	stamp "$out/skiff.log" 'init: ready' >>"$out/skiff.ms"
	printf 'system_powerdown\n' | socat - "unix-connect:$out/mon.sock" >/dev/null 2>&1 || true
	wait
done
f=$(median <"$out/floor.ms") s=$(median <"$out/skiff.ms")
printf '%-34s %8s\n' "boot (kernel start to ...)" "median"
printf '%-34s %6d ms   runs: %s\n' "floor: trivial init started" "$f" "$(tr '\n' ' ' <"$out/floor.ms")"
printf '%-34s %6d ms   runs: %s\n' "skiff: init: ready (minimal.yaml)" "$s" "$(tr '\n' ' ' <"$out/skiff.ms")"
awk -v s="$s" -v f="$f" 'BEGIN {printf "skiff-init adds %d ms over the floor (%.2fx)\n", s - f, s / f}'
printf 'initramfs: skiff %d bytes, floor %d bytes\n' "$(stat -c %s "$out/skiff/initramfs.img")" "$(stat -c %s "$out/floor/initramfs.img")"
