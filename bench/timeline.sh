#!/bin/bash
# bench/timeline.sh [N]: a cluster node's boot, stage by stage, on each
# kernel (Debian's cloud kernel, Skiff's micro kernel), under QEMU TCG:
#
#   firmware   QEMU start to kernel start (host clock: QEMU, SeaBIOS,
#              loading and unpacking the kernel)
#   kernel     kernel start to skiff-init's first line
#   init       mounts, node.json, modules, hostname, loopback
#   network    DHCP on eth0 (udhcpc) until "init: network up"
#   services   until "init: ready"
#   registered the agent's node record in etcd
#   task       the demo's web task (submitted before the boot) RUNNING
#
# beside the floor: the same kernel booting a trivial static init that
# prints its timestamp and powers off. The node is examples/node.yaml
# (kernel.profile set per kernel) against a local etcd, registry and
# scheduler (tests/fixtures/cluster_env.sh); each boot's image carries its
# own label and its task may only go there (bench_trial_task), so the last
# boot's node, whose lease outlives it, cannot take it. Medians of N boots
# (default 3); the picture is build/bench/timeline.png (gnuplot).
#
# BENCH_LOGS=DIR keeps every boot's console log there (host ms, a tab,
# the line), for finding where a stage's time goes.
#
# BENCH_APPEND="WORDS" adds kernel command-line words to the node's boots
# (not the floor's), e.g. a static address instead of DHCP:
# BENCH_APPEND="ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off:10.0.2.3".
#
# BENCH_ICOUNT=1 boots with qemu/run --icount: the guest's clock counts
# its instructions, so the figures are the guest's own work whatever the
# host's load (the firmware stage is then left out, 0, and the picture is
# build/bench/timeline-guest.png). Stages that wait on the host (DHCP's replies, etcd,
# the image pull) are not meaningful in that mode, the kernel and init
# stages are.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 SKIFF_NETNS_PRIVATE=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
n=${1:-3}
ETCD_PORT=26379 REG_PORT=26500 CLUSTER=bench
. bench/lib.sh
bench_cluster
set -e
out=$T_DIR

icount=() suffix="" xlabel="ms since QEMU started"
if [ "${BENCH_ICOUNT:-}" = 1 ]; then
	icount=(--icount) suffix=-guest xlabel="guest ms since kernel start (qemu/run --icount: instructions, 1 ns each)"
fi
bench_load
stages="firmware kernel init network services registered task"
# One boot: prints the cumulative ms (from QEMU's start) at the end of each
# stage; nothing if a stage never came.
node_boot() { # PROFILE RUN LOG
	local img=$out/node-$1-$2 id fw p t line
	bench_node_image $1 "$img" $CLUSTER $ETCD_PORT $REG_PORT $1-$2
	id=$(bench_trial_task $1-$2)
	bench_qemu_timed "$3" "${icount[@]}" --mem 256 --monitor "$3.sock" \
		${BENCH_APPEND:+--append "$BENCH_APPEND"} "$img" &
	local q=$!
	qemu/wait-for "$3" 'agent: task .* RUNNING' 240 >/dev/null || true
	printf 'system_powerdown\n' | socat - "unix-connect:$3.sock" >/dev/null 2>&1 || true
	wait $q || true
	$CTL task stop "$id" >/dev/null 2>&1 || true
	fw=0
	[ ${#icount[@]} -gt 0 ] || fw=$(bench_firmware_ms "$3")
	line=$fw
	for p in 'init: skiff-init starting' 'init: loopback up' 'init: network up' 'init: ready$' \
		'agent: registered as' 'agent: task .* RUNNING'; do
		t=$(bench_console_ms "$3" "$p") || { echo "  $3: no line matching '$p'" >&2; return 0; }
		line+=" $((t + fw))"
	done
	echo "$line"
}

floor_boot() { # KERNEL LOG: cumulative ms at kernel start and at the floor's line
	local fw t
	bench_floor_image "$1" "$out/floor"
	bench_qemu_timed "$2" "${icount[@]}" "$out/floor" || true
	fw=0
	[ ${#icount[@]} -gt 0 ] || fw=$(bench_firmware_ms "$2")
	t=$(bench_console_ms "$2" 'floor: started') || { echo "  $2: no floor line" >&2; return 0; }
	echo "$fw $((t + fw))"
}

: >"$out/timeline$suffix.dat"
printf '%-8s %-7s' kernel run
for s in $stages; do printf ' %10s' "$s"; done
printf ' %10s\n' floor
for profile in ${BENCH_KERNELS:-cloud micro}; do
	img=$out/node-$profile
	: >"$img.runs"
	: >"$img.floor"
	for i in $(seq "$n"); do
		run=$(node_boot $profile $i "$img.$i.log") floor=$(floor_boot "$img-$i/vmlinuz" "$img.floor.$i.log")
		printf '%-8s %-7s' $profile $i
		for v in ${run:-failed}; do printf ' %10s' "$v"; done
		printf ' %10s\n' "$(echo "${floor:-failed}" | cut -d' ' -f2)"
		# A line that arrives before the kernel's start by its own clock
		# means the guest clock ran fast (its calibration raced a busy host).
		if [ -n "$run" ] && [ "${run%% *}" -ge 0 ]; then echo "$run" >>"$img.runs"; fi
		if [ -n "$floor" ] && [ "${floor%% *}" -ge 0 ]; then echo "$floor" >>"$img.floor"; fi
	done
	[ -s "$img.runs" ] && [ -s "$img.floor" ] || { echo "$profile: no usable run" >&2; continue; }
	# Medians, column by column, then the stage lengths for the picture.
	med=$(for c in $(seq 7); do cut -d' ' -f$c "$img.runs" | bench_median; done | tr '\n' ' ')
	fmed=$(for c in 1 2; do cut -d' ' -f$c "$img.floor" | bench_median; done | tr '\n' ' ')
	printf '%-8s %-7s' $profile median
	for v in $med; do printf ' %10s' "$v"; done
	printf ' %10s\n' "$(echo $fmed | cut -d' ' -f2)"
	echo "$profile $med $fmed" >>"$out/timeline$suffix.dat"
done

bench_load
echo
echo "stage lengths (median ms):"
awk '{printf "  %-6s firmware %5d  kernel %5d  init %4d  network %4d  services %4d  registered %4d  task %5d  | floor: kernel %5d\n",
	$1, $2, $3-$2, $4-$3, $5-$4, $6-$5, $7-$6, $8-$7, $10-$9}' "$out/timeline$suffix.dat"
awk '{printf "  %-6s kernel start to init: ready %d ms (floor %d ms), to registered %d ms, to task RUNNING %d ms\n",
	$1, $6-$2, $10-$9, $7-$2, $8-$2}' "$out/timeline$suffix.dat"
# Outside the run's directory, which the next run starts afresh. In guest
# time the picture ends at init: ready (what follows waits on the host).
plot=$out/timeline$suffix.dat
if [ ${#icount[@]} -gt 0 ]; then
	awk '{$7 = $8 = $6; print}' "$plot" >"$out/plot.dat"
	plot=$out/plot.dat
fi
bench_plot_timeline "$plot" "$top/build/bench/timeline$suffix.png" "$xlabel"
cp "$out/timeline$suffix.dat" "$top/build/bench/"
echo "picture: build/bench/timeline$suffix.png"
if [ -n "${BENCH_LOGS:-}" ]; then
	mkdir -p "$BENCH_LOGS" && cp "$out"/*.log "$BENCH_LOGS"/
	echo "console logs: $BENCH_LOGS"
fi
