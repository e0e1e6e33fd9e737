#!/bin/bash
# bench/scale.sh [--before REV] [--sizes "N:T[:TTL] ..."] [--timeout SEC] [--plot FILE]:
# the control plane at scale. For each size (nodes:tasks:lease TTL; default
# 100:1000 1000:10000 5000:50000:30): a fresh etcd (one member, data on
# tmpfs), one `skiffctl scheduler`, and skiff-scale-sim, which registers
# the nodes under leases as the agent does, acknowledges assignments as a
# fake agent, creates 10 services totalling the tasks, and measures: seconds
# until all are placed and all RUNNING, placements per second, the
# scheduler's CPU seconds and peak RSS, the transactions etcd answered for
# the scheduler, then the seconds until the tasks of 10% killed nodes run
# elsewhere (their keepalives stop; the lease TTL is the agent's default,
# 10 s, but 30 s for 5,000 nodes: at 10 s their keepalives alone would ask
# this etcd for 1,500 requests a second, most of what it serves).
# --before REV builds skiffctl at git revision REV and runs the same sizes
# with it first, for a side-by-side table. Writes a PNG plot (gnuplot) of
# seconds against tasks; --replot only redraws it (and the table) from the
# last run. Runs in a network namespace holding only loopback.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKIFF_LIB_HELPERS_ONLY=1 . "$top/tests/lib.sh" # etcd_start
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
before="" sizes="100:1000 1000:10000 5000:50000:30" timeout=300 plot=$top/docs/scale.png replot=""
while [ $# -gt 0 ]; do
	case $1 in
	--before) before=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--plot) plot=$2; shift 2 ;;
	--replot) replot=1; shift ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/scale.sh: bad argument $1" >&2; exit 2 ;;
	esac
done
SIM=$top/build/bench/skiff-scale-sim
[ -x "$SIM" ] || make -s -C "$top" "$SIM"
out=$top/build/bench/scale
W=$(mktemp -d /dev/shm/skiff-bench-scale.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir -p "$out"
E=http://127.0.0.1:24379
cat >"$W/taskdef.json" <<'EOF'
{"family": "scale", "networkMode": "none", "cpu": "128", "memory": "64",
 "containerDefinitions": [{"name": "app", "image": "docker.io/library/busybox:1.36",
  "essential": true, "command": ["sleep", "infinity"]}]}
EOF

variants=()
if [ -n "$replot" ]; then
	cut -d' ' -f1 "$out/results" | uniq | while read -r v; do echo "$v:"; done >"$W/variants"
	mapfile -t variants <"$W/variants"
elif [ -n "$before" ]; then
	git -C "$top" archive "$before" | tar -x -C "$W" --one-top-level=before
	make -s -C "$W/before" BUILD="$W/before/build" "$W/before/build/bin/skiffctl" >"$W/before.log" 2>&1 ||
		{ cat "$W/before.log"; exit 1; }
	variants+=("before:$W/before/build/bin/skiffctl")
fi
[ -n "$replot" ] || variants+=("after:$top/build/bin/skiffctl")

# run NAME SKIFFCTL NODES TASKS TTL: one measurement; appends to results.
run() {
	local name=$1 ctl=$2 n=$3 t=$4 ttl=$5 etcd sched line extra=""
	[ "$name" = after ] && extra=${SCHED_ARGS:-}
	rm -rf "$W/etcd" "$out/etcd-$name-$n.log" # etcd_start appends to its log
	etcd_start bench "$W/etcd" $E 24380 "$out/etcd-$name-$n.log" --quota-backend-bytes $((8 << 30))
	etcd=$ETCD_PID
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

if [ -z "$replot" ]; then
	: >"$out/results"
	for v in "${variants[@]}"; do
		for s in $sizes; do
			IFS=: read -r n t ttl <<<"$s"
			run "${v%%:*}" "${v#*:}" "$n" "$t" "${ttl:-10}"
		done
	done
fi

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
fmt='%-7s %6s %6s %10s %10s %8s %7s %8s %6s %8s %10s\n'
printf "\n$fmt" variant nodes tasks placed_s running_s place/s cpu_s rss_mib txns etcd_cpu replaced_s
while read -r name rest; do
	r=" $rest"
	placed=$(field placed_s "$r")
	[[ $placed == ">"* ]] && placed="$placed($(field placed_n "$r"))"
	printf "$fmt" "$name" "$(field nodes "$r")" "$(field tasks "$r")" "$placed" \
		"$(field running_s "$r")" "$(field placements_per_s "$r")" "$(field sched_cpu_s "$r")" \
		"$(field sched_rss_mib "$r")" "$(field sched_txns "$r")" "$(field etcd_cpu_s "$r")" \
		"$(field replaced_s "$r")"
done <"$out/results"
echo "(one etcd member on tmpfs; '>S(N)': not done within S s, N placed by then; replaced_s: from"
echo " killing 10% of the nodes until their tasks run elsewhere, lease TTL included (10 s, 30 s at"
echo " 5000 nodes); load average now: $(cut -d' ' -f1-3 /proc/loadavg))"

# seconds to all RUNNING against tasks, one line per variant; a run not
# done by the deadline is drawn at the deadline with an arrow up
for v in "${variants[@]}"; do
	name=${v%%:*}
	grep "^$name " "$out/results" | while read -r _ rest; do
		r=$(field running_s " $rest")
		echo "$(field tasks " $rest") ${r#>} $([[ $r == ">"* ]] && echo 1 || echo 0)"
	done >"$out/$name.dat"
done
{
	echo "set terminal pngcairo size 800,500 font 'sans,10'"
	echo "set output '$plot'"
	echo "set title 'skiffctl scheduler: seconds until every task is RUNNING (nodes = tasks / 10, one etcd member, 2 cores)'"
	echo "set xlabel 'tasks'; set ylabel 'seconds'"
	echo "set logscale xy; set grid; set key top left"
	echo "set xtics (1000, 10000, 50000); set yrange [0.5:*]"
	echo "set label 1 'triangle: not done when the run was cut off' at graph 0.02, graph 0.8"
	printf "plot "
	sep=""
	for v in "${variants[@]}"; do
		name=${v%%:*}
		printf "%s'%s' using 1:2 with linespoints lw 2 pt 7 title '%s'" "$sep" "$out/$name.dat" "$name"
		printf ", '%s' using 1:(\$3 > 0 ? \$2 : 1/0) with points pt 9 ps 2 lc 'black' notitle" "$out/$name.dat"
		sep=", "
	done
	echo ", x/1000 with lines dt 2 lc 'gray' title 'linear: 1 ms per task'"
} >"$out/plot.gp"
gnuplot "$out/plot.gp" && echo "plot: $plot"
