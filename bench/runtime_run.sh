#!/bin/bash
# bench/runtime_run.sh [N]: time `run` of a container executing /bin/true
# with skiff-runtime, crun and runc on the same busybox bundle, N rounds
# (default 50) interleaved, and print each one's median and the ratios.
#
# Runs as root in a private mount namespace with cgroup2 mounted at
# /sys/fs/cgroup (the host may have v1 cgroups). Cgroups are disabled
# where the runtime allows it: skiff-runtime and crun get
# `--cgroup-manager disabled`; runc has no such switch and creates (and
# removes) a cgroup in that cgroup2 mount, with no controllers enabled.
# The config has no linux.resources and no terminal; namespaces are
# runc's default set (pid, network, ipc, uts, mount, cgroup).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-50}
if [ -z "${SKIFF_BENCH_NS:-}" ]; then
	exec unshare -m -- env SKIFF_BENCH_NS=1 "$0" "$@"
fi
mount --make-rprivate /
mount -t cgroup2 none /sys/fs/cgroup

SKIFF=${SKIFF_RUNTIME:-$top/build/bin/skiff-runtime}
dir=$(mktemp -d /tmp/skiff-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bundle/rootfs/bin" "$dir/bundle/rootfs/proc" "$dir/bundle/rootfs/sys" \
	"$dir/bundle/rootfs/dev"
cp /bin/busybox "$dir/bundle/rootfs/bin/"
for a in sh true; do ln -s busybox "$dir/bundle/rootfs/bin/$a"; done
"$SKIFF" spec -b "$dir/bundle"
jq '.process.args = ["/bin/true"]' "$dir/bundle/config.json" >"$dir/c" &&
	mv "$dir/c" "$dir/bundle/config.json"

declare -A cmd=(
	[skiff-runtime]="$SKIFF --root $dir/state-skiff --cgroup-manager disabled run -b $dir/bundle"
	[crun]="crun --root $dir/state-crun --cgroup-manager disabled run -b $dir/bundle"
	[runc]="runc --root $dir/state-runc run -b $dir/bundle"
)
names=(skiff-runtime crun runc)
declare -A times
for i in $(seq "$N"); do
	for r in "${names[@]}"; do
		t0=$EPOCHREALTIME
		${cmd[$r]} "bench$i" </dev/null >/dev/null 2>"$dir/err" ||
			{ echo "$r failed: $(cat "$dir/err")" >&2; exit 1; }
		t1=$EPOCHREALTIME
		times[$r]+="$(((${t1/./} - ${t0/./}))) "
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
declare -A med
printf '%-14s %10s   (%d runs of /bin/true each, interleaved)\n' runtime median_ms "$N"
for r in "${names[@]}"; do
	med[$r]=$(median <<<"${times[$r]}")
	printf '%-14s %10.2f\n' "$r" "$(echo "${med[$r]} / 1000" | bc -l)"
done
for r in crun runc; do
	printf 'skiff-runtime / %-5s %6.2fx\n' "$r" "$(echo "${med[skiff-runtime]} / ${med[$r]}" | bc -l)"
done
