#!/bin/bash
# bench/scale.sh [--before REV] [--sizes "N:T ..."] [--timeout SEC] [--plot FILE]:
# the control plane at scale. For each size (nodes:tasks; default
# 100:1000 1000:10000 5000:50000): a fresh etcd (one member, data on
# tmpfs), one `skiffctl scheduler`, and skiff-scale-sim, which registers
# the nodes under leases as the agent does, acknowledges assignments as a
# fake agent, creates 10 services totalling the tasks, and measures: seconds
# until all are placed and all RUNNING, placements per second, the
# scheduler's CPU seconds and peak RSS, the transactions etcd answered for
# the scheduler, then the seconds until the tasks of 10% killed nodes run
# elsewhere (their keepalives stop: lease TTL 10 s, as the agent's default).
# --before REV builds skiffctl at git revision REV and runs the same sizes
# with it first, for a side-by-side table. Writes a PNG plot (gnuplot) of
# seconds against tasks. Runs in a network namespace holding only loopback.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
before="" sizes="100:1000 1000:10000 5000:50000" timeout=300 plot=$top/docs/scale.png
while [ $# -gt 0 ]; do
	case $1 in
	--before) before=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--plot) plot=$2; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/scale.sh: bad argument $1" >&2; exit 2 ;;
	esac
done
SIM=$top/build/bench/skiff-scale-sim
[ -x "$SIM" ] || make -s -C "$top" "$SIM"
out=$top/build/bench/scale
W=$(mktemp -d /dev/shm/skiff-bench-scale.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$out"
E=http://127.0.0.1:24379
cat >"$W/taskdef.json" <<'EOF'
{"family": "scale", "networkMode": "none", "cpu": "128", "memory": "64",
 "containerDefinitions": [{"name": "app", "image": "docker.io/library/busybox:1.36",
  "essential": true, "command": ["sleep", "infinity"]}]}
EOF

variants=()
if [ -n "$before" ]; then
	git -C "$top" archive "$before" | tar -x -C "$W" --one-top-level=before
	make -s -C "$W/before" BUILD="$W/before/build" "$W/before/build/bin/skiffctl" >"$W/before.log" 2>&1 ||
		{ cat "$W/before.log"; exit 1; }
	variants+=("before:$W/before/build/bin/skiffctl")
fi
variants+=("after:$top/build/bin/skiffctl")

# run NAME SKIFFCTL NODES TASKS TTL: one measurement; appends to results.
run() {
	local name=$1 ctl=$2 n=$3 t=$4 ttl=$5 etcd sched line extra=""
	[ "$name" = after ] && extra=${SCHED_ARGS:-}
	rm -rf "$W/etcd"
	etcd --name bench --data-dir "$W/etcd" --listen-client-urls $E --advertise-client-urls $E \
		--listen-peer-urls http://127.0.0.1:24380 --initial-advertise-peer-urls http://127.0.0.1:24380 \
		--initial-cluster bench=http://127.0.0.1:24380 --quota-backend-bytes $((8 << 30)) \
		>"$out/etcd-$name-$n.log" 2>&1 &
	etcd=$!
	pids+=($etcd)
	for _ in $(seq 100); do curl -sf $E/health >/dev/null && break; sleep 0.1; done
	"$ctl" --endpoints $E --cluster bench scheduler --id bench $extra >"$out/sched-$name-$n.log" 2>&1 &
	sched=$!
	pids+=($sched)
	line=$("$SIM" --endpoints $E --cluster bench --skiffctl "$ctl" --taskdef "$W/taskdef.json" \
		--nodes "$n" --tasks "$t" --ttl "$ttl" --timeout "$timeout" --sched-pid $sched --etcd-pid $etcd 2>"$out/sim-$name-$n.log") ||
		line="nodes=$n tasks=$t failed"
	kill $sched $etcd 2>/dev/null
	wait $sched $etcd 2>/dev/null || true
	echo "$name $line" | tee -a "$out/results"
}

: >"$out/results"
for v in "${variants[@]}"; do
	for s in $sizes; do
		IFS=: read -r n t ttl <<<"$s"
		run "${v%%:*}" "${v#*:}" "$n" "$t" "${ttl:-10}"
	done
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
printf '\n%-7s %6s %6s %9s %9s %8s %8s %8s %9s %10s\n' variant nodes tasks placed_s running_s place/s cpu_s rss_mib txns replaced_s
while read -r name rest; do
	printf '%-7s %6s %6s %9s %9s %8s %8s %8s %9s %10s\n' "$name" "$(field nodes " $rest")" \
		"$(field tasks " $rest")" "$(field placed_s " $rest")" "$(field running_s " $rest")" \
		"$(field placements_per_s " $rest")" "$(field sched_cpu_s " $rest")" \
		"$(field sched_rss_mib " $rest")" "$(field sched_txns " $rest")" "$(field replaced_s " $rest")"
done <"$out/results"
echo "(etcd on tmpfs, one member; replaced_s includes the 10 s lease TTL; '>' = not done within $timeout s)"

# seconds to all RUNNING against tasks, one line per variant
for v in "${variants[@]}"; do
	name=${v%%:*}
	grep "^$name " "$out/results" | while read -r _ rest; do
		r=$(field running_s " $rest")
		[[ $r == ">"* ]] && r=${r#>}
		echo "$(field tasks " $rest") $r"
	done >"$out/$name.dat"
done
{
	echo "set terminal pngcairo size 800,500 font 'sans,10'"
	echo "set output '$plot'"
	echo "set title 'Skiff scheduler: tasks placed and RUNNING (simulated nodes = tasks / 10, one etcd member, 2 cores)'"
	echo "set xlabel 'tasks'; set ylabel 'seconds to all RUNNING'"
	echo "set logscale xy; set grid; set key top left"
	echo "set xtics (1000, 10000, 50000)"
	printf "plot "
	sep=""
	for v in "${variants[@]}"; do
		name=${v%%:*}
		printf "%s'%s' using 1:2 with linespoints lw 2 pt 7 title '%s'" "$sep" "$out/$name.dat" "$name"
		sep=", "
	done
	echo ", x/1000 with lines dt 2 lc 'gray' title 'linear (1 ms per task)'"
} >"$out/plot.gp"
gnuplot "$out/plot.gp" && echo "plot: $plot"
