#!/bin/bash
# bench/memory.sh [STEP]: the smallest VM memory (MiB, to STEP, default 4)
# in which a cluster node runs the demo's web task (busybox httpd, a 32 MiB
# task), on each kernel (Debian's cloud kernel, Skiff's micro kernel),
# under QEMU TCG. The node is examples/node.yaml with its default memory
# reservation (measured by the agent), so the node must boot, register,
# offer at least 32 MiB, pull the image, and report the task RUNNING.
# Bisects between 32 and 512 MiB; prints each trial (what failed, or what
# the node offered) and, per kernel, the answer. Each trial boots its own
# image, labelled with the trial, and its task may only go to that label:
# the last trial's node, whose lease outlives it, can never serve it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 SKIFF_NETNS_PRIVATE=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
step=${1:-4}
ETCD_PORT=27379 REG_PORT=27500 CLUSTER=mem
. bench/lib.sh
bench_cluster
set -e
out=$T_DIR

# trial PROFILE MIB: 0 if the web task runs; prints why not otherwise.
trial() {
	local t=$1-$2 img=$out/node-$1-$2 log id node offered rc=1 why=""
	log=$img.log
	bench_node_image $1 "$img" $CLUSTER $ETCD_PORT $REG_PORT $t
	id=$(bench_trial_task $t)
	qemu/run --accel tcg --mem "$2" --log "$log" --timeout 300 --monitor "$log.sock" "$img" >"$log.qemu" 2>&1 &
	local q=$!
	if ! qemu/wait-for "$log" 'agent: registered as|Kernel panic|init: fatal|too small' 180 >/dev/null 2>&1; then
		why="no registration: $(tr -d '\r' <"$log" | grep -E 'panic|Out of memory|fatal' | head -n1)"
		[ -s "$log" ] || why="no console output at all"
	elif node=$(tr -d '\r' <"$log" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p' | head -n1) && [ -z "$node" ]; then
		why=$(tr -d '\r' <"$log" | grep -E -m1 'panic|fatal|too small')
	else
		offered=$(eget /skiff/$CLUSTER/nodes/$node | jq -r .memory)
		if [ "${offered:-0}" -lt 32 ]; then
			why="registered, offers $offered MiB"
		elif qemu/wait-for "$log" 'agent: task .* RUNNING' 180 >/dev/null 2>&1; then
			rc=0 why="RUNNING, offers $offered MiB"
		else
			why="offers $offered MiB, task not RUNNING: $(tr -d '\r' <"$log" | grep -E 'agent: task|Out of memory|oom' | tail -n1)"
		fi
	fi
	printf '  %-6s %4d MiB: %s\n' "$1" "$2" "$why" >&2
	printf 'system_powerdown\n' | socat - "unix-connect:$log.sock" >/dev/null 2>&1 || true
	wait_or_kill $q
	$CTL task stop "$id" >/dev/null 2>&1 || true
	return $rc
}

wait_or_kill() { # PID: up to 30 s for an orderly power-off
	local end=$((SECONDS + 30))
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.5; done
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

bench_load
for profile in ${BENCH_KERNELS:-cloud micro}; do
	lo=32 hi=512
	trial $profile $hi || { echo "$profile: the task does not run even in $hi MiB" >&2; continue; }
	while [ $((hi - lo)) -gt "$step" ]; do
		mid=$(((lo + hi) / 2 / step * step))
		if trial $profile $mid; then hi=$mid; else lo=$mid; fi
	done
	echo "$profile $hi $lo" >>"$out/result"
	printf '%-6s smallest memory that runs the web task: %d MiB (%d MiB fails)\n' $profile $hi $lo
done
bench_load
