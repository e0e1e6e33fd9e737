#!/bin/bash
# bench/taskdef_start.sh [ITERATIONS] [INTERVAL]: the time from `skiffctl
# service create` to the task RUNNING for three containers where app waits
# for db to be HEALTHY (health check every INTERVAL seconds, default 5, the
# least ECS allows) and for init to exit 0 — on the host: real etcd,
# docker-registry, scheduler and agent on loopback. Prints each run with
# its parts (the node's monotonic clock: create to PENDING on the node,
# pull and setup, db start to HEALTHY, HEALTHY to app started), the time
# until `skiffctl task ls` polled every 0.2 s shows it, and the medians. No peer runs here (ECS needs AWS); Docker
# would start the first health check after the same interval.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
N=${1:-5}
INTERVAL=${2:-5}
export SKIFF_TOP=$top SKIFF_BIN=${SKIFF_BIN:-$top/build/bin}
export SKIFF_TEST_OUT=$(mktemp -d /tmp/skiff-bench-taskdef.XXXXXX)
. "$top/tests/lib.sh"
ETCD_PORT=24479 REG_PORT=25900 CLUSTER=bench
. "$top/tests/fixtures/cluster_env.sh"
trap 'cluster_cleanup; rm -rf "$SKIFF_TEST_OUT"' EXIT

start_etcd && make_image || { echo "bench: setup failed" >&2; exit 1; }
start_scheduler
start_agent a --bridge skb0 --bridge-subnet 172.30.13.1/24
until_true 10 node_present a
cat >"$T_DIR/three.json" <<EOT
{"family":"three","containerDefinitions":[
 {"name":"app","image":"$IMAGE","memory":32,"links":["db"],
  "dependsOn":[{"containerName":"db","condition":"HEALTHY"},{"containerName":"init","condition":"SUCCESS"}],
  "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name":"db","image":"$IMAGE","memory":32,
  "healthCheck":{"command":["CMD-SHELL","test -f /tmp/ready"],"interval":$INTERVAL,"timeout":2,"retries":3},
  "command":["/bin/sh","-c","touch /tmp/ready; trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name":"init","image":"$IMAGE","memory":32,"essential":false,"command":["true"]}]}
EOT
$CTL taskdef register "$T_DIR/three.json" >/dev/null

ms_of() { grep -E -m1 "$1" "$T_DIR/a.log" | sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1\2/p' | sed 's/^0*//'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
mono_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
printf '%-4s %9s %9s %9s %9s %9s %9s\n' run running placed setup db-healthy app-start skiffctl
for i in $(seq "$N"); do
	t0=$(date +%s%N) m0=$(mono_ms)
	$CTL service create "three$i" --taskdef three --desired-count 1 >/dev/null
	until_true 120 count_is "three$i" RUNNING 1
	total=$((($(date +%s%N) - t0) / 1000000))
	t=$(service_tasks "three$i" | head -n1)
	p=$(ms_of "task $t PENDING") a=$(ms_of "task $t ACTIVATING") d=$(ms_of "task $t container db started")
	h=$(ms_of "task $t container db HEALTHY") s=$(ms_of "task $t container app started") r=$(ms_of "task $t RUNNING")
	printf '%-4s %9d %9d %9d %9d %9d %9d\n' "$i" $((r - m0)) $((p - m0)) $((a - p)) $((h - d)) $((s - h)) \
		"$total" | tee -a "$T_DIR/runs"
	$CTL service delete "three$i" >/dev/null
done
col() { awk -v c="$1" '{print $c}' "$T_DIR/runs" | median; }
echo "median (ms): service create to RUNNING on the node $(col 2) (create to PENDING $(col 3)," \
	"pull and setup $(col 4), db start to HEALTHY $(col 5) with interval ${INTERVAL}s, HEALTHY to" \
	"app started $(col 6)); until a polling skiffctl task ls shows it $(col 7)"
