#!/bin/bash
# bench/runtime_run.sh [N]: time `run` of a container executing /bin/true
# with skiff-runtime, crun and runc on the same busybox bundle, N rounds
# (default 50) interleaved (each round in a random order), and print each
# one's median and the ratios.
#
# Runs as root in a private mount namespace with cgroup2 mounted at
# /sys/fs/cgroup (the host may have v1 cgroups). Three setups:
#   no-cgroup  skiff-runtime and crun with `--cgroup-manager disabled`;
#              runc has no such switch and creates (and removes) a cgroup
#              with no controllers enabled;
#   cgroup     a cgroup each, no linux.resources (Skiff attaches its
#              default device program);
#   devices    a cgroup each and runc spec's device rule (deny all; the
#              default devices are allowed on top), so a device program.
# crun is left out of the last two where it cannot load its device
# program (it raises RLIMIT_MEMLOCK first, which needs CAP_SYS_RESOURCE).
# SKIFF_RUNTIME_BEFORE=PATH adds another skiff-runtime binary as
# "skiff-before" (e.g. the one before a change), timed in the same rounds;
# setups it refuses are marked n/a.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-50}
if [ -z "${SKIFF_BENCH_NS:-}" ]; then
	exec unshare -m -- env SKIFF_BENCH_NS=1 "$0" "$@"
fi
mount --make-rprivate /
mount -t cgroup2 none /sys/fs/cgroup

SKIFF=${SKIFF_RUNTIME:-$top/build/bin/skiff-runtime}
BEFORE=${SKIFF_RUNTIME_BEFORE:-}
dir=$(mktemp -d /tmp/skiff-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bundle/rootfs/bin" "$dir/bundle/rootfs/proc" "$dir/bundle/rootfs/sys" \
	"$dir/bundle/rootfs/dev"
cp /bin/busybox "$dir/bundle/rootfs/bin/"
for a in sh true; do ln -s busybox "$dir/bundle/rootfs/bin/$a"; done
"$SKIFF" spec -b "$dir/bundle"
jq '.process.args = ["/bin/true"]' "$dir/bundle/config.json" >"$dir/plain.json"
jq '.linux.resources = {"devices":[{"allow":false,"access":"rwm"}]}' "$dir/plain.json" >"$dir/devices.json"

# cmd SETUP RUNTIME: the command line (without the container id).
cmd() {
	local off=""
	[ "$1" = no-cgroup ] && off="--cgroup-manager disabled"
	case $2 in
	skiff-runtime) echo "$SKIFF --root $dir/state-skiff $off run -b $dir/bundle" ;;
	skiff-before) echo "$BEFORE --root $dir/state-before $off run -b $dir/bundle" ;;
	crun) echo "crun --root $dir/state-crun $off run -b $dir/bundle" ;;
	runc) echo "runc --root $dir/state-runc run -b $dir/bundle" ;;
	esac
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

bench() {
	local setup=$1 config=$2 r i t0 t1
	local names=(skiff-runtime ${BEFORE:+skiff-before} crun runc) usable=()
	declare -A times med
	cp "$dir/$config" "$dir/bundle/config.json"
	for r in "${names[@]}"; do
		if $(cmd "$setup" "$r") probe-$setup </dev/null >/dev/null 2>"$dir/err"; then
			usable+=("$r")
		else
			echo "  $r: n/a ($(tail -n1 "$dir/err" | cut -c1-90))"
		fi
	done
	# Each round in a random order: moving a process into a cgroup is
	# cheaper right after another move (the kernel's rcu_sync state), and
	# a fixed (or merely rotated) order gives that to the same runtime.
	for i in $(seq "$N"); do
		for r in $(shuf -e "${usable[@]}"); do
			t0=$EPOCHREALTIME
			$(cmd "$setup" "$r") "bench-$setup-$i" </dev/null >/dev/null 2>"$dir/err" ||
				{ echo "$r failed: $(cat "$dir/err")" >&2; exit 1; }
			t1=$EPOCHREALTIME
			times[$r]+="$(((${t1/./} - ${t0/./}))) "
		done
	done
	printf '%-10s %-14s %10s\n' "$setup" runtime median_ms
	for r in "${usable[@]}"; do
		med[$r]=$(median <<<"${times[$r]}")
		printf '%-10s %-14s %10.2f\n' "" "$r" "$(echo "${med[$r]} / 1000" | bc -l)"
	done
	for r in "${usable[@]}"; do
		[ "$r" = skiff-runtime ] && continue
		printf '%-10s skiff-runtime / %-12s %6.2fx\n' "" "$r" \
			"$(echo "${med[skiff-runtime]} / ${med[$r]}" | bc -l)"
	done
}

echo "runs of /bin/true, $N each, interleaved; medians"
bench no-cgroup plain.json
bench cgroup plain.json
bench devices devices.json
