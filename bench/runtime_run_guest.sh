#!/bin/bash
# bench/runtime_run_guest.sh [N]: bench/runtime_run.sh inside a QEMU guest
# (debug image, TCG, no network), where cgroup v2 is real: times `run` of
# /bin/true, N rounds (default 20) interleaved, for
#
#   skiff           skiff-runtime --cgroup-manager disabled
#   skiff+cg        skiff-runtime with its cgroup (no limits)
#   skiff+res       skiff-runtime with linux.resources (memory, pids, cpu)
#
# and, when the host has them, the same for crun and runc. Both are
# dynamically linked (glibc; crun also libsystemd, libseccomp, libcap,
# libyajl and their dependencies), so they run in the static image only
# because this script packs them with every library `ldd` lists (and the
# loader) through the spec's files: list; SKIFF_BENCH_PACK=0 leaves them
# out. The guest root is the initramfs, where pivot_root is refused: crun
# and runc get --no-pivot, which is what skiff-runtime does by itself there
# (MS_MOVE + chroot). runc has no switch to disable cgroups. The guest
# prints medians and ratios to skiff on the console; this script collects
# them. TCG timings are slower than native, so compare the ratios.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-20}
BIN=${SKIFF_BIN:-$top/build/bin}
out=$(mktemp -d /tmp/skiff-bench-guest.XXXXXX)
trap 'rm -rf "$out"' EXIT

"$BIN/skiff-runtime" spec -b "$out" --force >/dev/null
jq -c '.process.args = ["/bin/true"]' "$out/config.json" >"$out/plain.json"
jq -c '.process.args = ["/bin/true"] | .root.path = "/tmp/b/rootfs"
	| .linux.resources = {"memory":{"limit":67108864},"pids":{"limit":64},"cpu":{"shares":512}}' \
	"$out/config.json" >"$out/res.json"

packed=()
if [ "${SKIFF_BENCH_PACK:-1}" != 0 ]; then
	for p in /usr/bin/crun /usr/sbin/runc; do [ -x "$p" ] && packed+=("$p"); done
fi
# files: the programs, their libraries and the loader, each at its host path.
pack_files() {
	local f
	{
		printf '%s\n' "${packed[@]}"
		for f in "${packed[@]}"; do ldd "$f" | grep -oE '/[^ ]+'; done
	} | sort -u | while read -r f; do
		printf '  - path: %s\n    source: %s\n    mode: "0755"\n' "$f" "$(readlink -f "$f")"
	done
}

cat >"$out/guest.sh" <<'GUEST'
N=$1
b=/tmp/b
mkdir -p $b/rootfs/bin $b/rootfs/proc $b/rootfs/sys $b/rootfs/dev /tmp/r /tmp/state
cp /bin/busybox $b/rootfs/bin/
ln -s busybox $b/rootfs/bin/true
ln -s busybox $b/rootfs/bin/sh
cp /etc/bench/plain.json $b/config.json
cp /etc/bench/res.json /tmp/r/config.json
sk=/usr/bin/skiff-runtime
set -- \
	"skiff|$sk --root /tmp/state/s0 --cgroup-manager disabled run -b $b" \
	"skiff+cg|$sk --root /tmp/state/s1 run -b $b" \
	"skiff+res|$sk --root /tmp/state/s2 run -b /tmp/r"
if [ -x /usr/bin/crun ]; then
	set -- "$@" \
		"crun|crun --root /tmp/state/c0 --cgroup-manager disabled run --no-pivot -b $b" \
		"crun+cg|crun --root /tmp/state/c1 --cgroup-manager cgroupfs run --no-pivot -b $b" \
		"crun+res|crun --root /tmp/state/c2 --cgroup-manager cgroupfs run --no-pivot -b /tmp/r"
fi
if [ -x /usr/sbin/runc ]; then
	set -- "$@" \
		"runc+cg|runc --root /tmp/state/r1 run --no-pivot -b $b" \
		"runc+res|runc --root /tmp/state/r2 run --no-pivot -b /tmp/r"
fi
: >/tmp/times
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	for v in "$@"; do
		name=${v%%|*}
		t0=$EPOCHREALTIME
		${v#*|} bench$i </dev/null >/dev/null 2>/tmp/err || {
			echo "BENCH-FAILED $name: $(cat /tmp/err)"
			continue
		}
		t1=$EPOCHREALTIME
		echo "$name $((${t1/./} - ${t0/./}))" >>/tmp/times
	done
done
median() { grep "^$1 " /tmp/times | cut -d' ' -f2 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
base=$(median skiff)
for v in "$@"; do
	name=${v%%|*}
	m=$(median $name)
	[ -n "$m" ] || continue
	awk -v n=$name -v m=$m -v b=$base -v r=$N \
		'BEGIN {printf "BENCH %-10s median_ms %8.2f  ratio_to_skiff %5.2fx  runs %d\n", n, m / 1000, m / b, r}'
done
echo BENCH-DONE
GUEST

{
	cat <<SPEC
hostname: bench
debug: true
kernel:
  cmdline: "console=ttyS0 quiet panic=-1"
services:
  - name: bench
    exec: ["/bin/sh", "/etc/bench/run.sh", "$N"]
    restart: never
files:
  - path: /etc/bench/run.sh
    source: guest.sh
  - path: /etc/bench/plain.json
    source: plain.json
  - path: /etc/bench/res.json
    source: res.json
SPEC
	[ ${#packed[@]} -eq 0 ] || pack_files
} >"$out/spec.yaml"
"$BIN/skiff-imagegen" build "$out/spec.yaml" -o "$out/img" >"$out/imagegen.log" 2>&1 ||
	{ cat "$out/imagegen.log" >&2; exit 1; }
echo "image: initramfs $(stat -c %s "$out/img/initramfs.img") bytes${packed[*]:+ (packed: ${packed[*]})}"
log=$out/console.log
"$top/qemu/run" --accel tcg --net none --mem 1024 --log "$log" --timeout $((120 + N * 30)) \
	"$out/img" >"$out/qemu.log" 2>&1 &
qemu=$!
if ! "$top/qemu/wait-for" "$log" 'BENCH-DONE' $((110 + N * 30)) >/dev/null; then
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	echo "bench/runtime_run_guest.sh: fatal: no BENCH-DONE on the console" >&2
	tr -d '\r' <"$log" | tail -n 20 >&2
	exit 1
fi
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null || true
printf '%-10s %10s   (guest, TCG, %d runs of /bin/true each, interleaved)\n' runtime median_ms "$N"
tr -d '\r' <"$log" | grep -oE 'BENCH(-FAILED)? .*' | sed 's/^BENCH //'
