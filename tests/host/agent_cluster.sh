#!/bin/bash
# skiff-agent on the host, no VM: a real etcd and a real docker-registry on
# loopback (this script runs inside tests/run's network namespace), several
# agents with their own --data/--run dirs and node ids, assignments written
# straight to etcd's JSON API. Checks registration, task start with a port
# mapping, SIGTERM then STOPPED with the exit code, an essential container
# exiting, lease expiry of a killed agent, agent restart without duplicate
# containers, an etcd outage, and shutdown revoking the lease.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../agent_lib.sh"
AGENT=$SKIFF_BIN/skiff-agent
ETCD_PORT=22379 REG_PORT=25000 CLUSTER=hosttest
EP=http://127.0.0.1:$ETCD_PORT
IMAGE=127.0.0.1:$REG_PORT/busybox:latest
for tool in etcd docker-registry skopeo umoci busybox curl jq; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
[ -x "$AGENT" ] || { echo "FAIL: setup: $AGENT not built"; exit 1; }

trap agent_cleanup EXIT

b64() { printf %s "$1" | base64 -w0; }
eput() { curl -sf -X POST $EP/v3/kv/put -d "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"}" >/dev/null; }
eget() { curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
edel() { curl -sf -X POST $EP/v3/kv/deleterange -d "{\"key\":\"$(b64 "$1")\"}" >/dev/null; }
status_of() { eget /skiff/$CLUSTER/status/$1/$2; }
task_is() { [ "$(status_of "$1" "$2" | jq -r .status)" = "$3" ]; }
node_present() { [ -n "$(eget /skiff/$CLUSTER/nodes/$1)" ]; }
node_absent() { [ -z "$(eget /skiff/$CLUSTER/nodes/$1)" ]; }

start_etcd() {
	etcd_start t "$T_DIR/etcd" $EP 22380 "$T_DIR/etcd.log"
	T_PIDS+=("$ETCD_PID")
	until_true 20 curl -sf $EP/health
}

declare -A AGENT_PID
# start_agent NODE [options...]
start_agent() {
	local n=$1
	shift
	"$AGENT" --endpoints $EP --cluster $CLUSTER --node-id "$n" --data "$T_DIR/$n/data" \
		--run "$T_DIR/$n/run" --lease-ttl 3 --stop-timeout 3 --insecure-registry 127.0.0.1:$REG_PORT \
		--bridge skt0 --bridge-subnet 172.30.9.1/24 "$@" >>"$T_DIR/$n.log" 2>&1 &
	AGENT_PID[$n]=$!
	T_PIDS+=($!)
}

# assign NODE TASK DESIRED COMMAND [PORTMAPPINGS]
assign() {
	local cmd ports=${5:-[]}
	cmd=$(jq -cn --arg c "$4" '["/bin/sh","-c",$c]')
	eput /skiff/$CLUSTER/assign/$1/$2 "{\"task\":\"$2\",\"desiredStatus\":\"$3\",\"taskDefinition\":{\"family\":\"t\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"main\",\"image\":\"$IMAGE\",\"essential\":true,\"memory\":32,\"command\":$cmd,\"stopTimeout\":3,\"portMappings\":$ports}]}}"
}

containers_of() { ls "$T_DIR/$1/run/runtime" 2>/dev/null | grep -c "^$2\." ; }
pid_of() { jq -r .pid "$T_DIR/$1/run/runtime/$2.main/state.json" 2>/dev/null; }

start_etcd || { echo "FAIL: setup: etcd did not start: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }

# --- registration
start_agent a --labels zone=a --cpu 2048 --memory 1000
start_agent b --labels zone=b
if until_true 10 node_present a && until_true 10 node_present b; then pass "two agents register"; else fail "two agents register" "$(tail -3 "$T_DIR/a.log")"; fi
rec=$(eget /skiff/$CLUSTER/nodes/a)
if [ "$(jq -r '.id, .cpu, .memory, .labels.zone' <<<"$rec" | tr '\n' ' ')" = "a 2048 1000 a " ] &&
	[ "$(jq -r .boot_id <<<"$rec")" = "$(cat /proc/sys/kernel/random/boot_id)" ] &&
	jq -e '.hostname and .versions.skiff and .versions.kernel and .registered_at and (.addresses|type=="array")' <<<"$rec" >/dev/null; then
	pass "node record has id, cpu, memory, labels, boot id, versions"
else fail "node record" "$rec"; fi
check "registered line on stderr" grep -q "agent: registered as a" "$T_DIR/a.log"
lease=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 /skiff/$CLUSTER/nodes/a)\"}" | jq -r '.kvs[0].lease // empty')
check "node record is bound to a lease" test -n "$lease"

# --- a task with a port mapping runs and reports its transitions
assign a web RUNNING 'trap "exit 7" TERM; httpd -p 80 -h /www; while :; do sleep 0.2; done' \
	'[{"containerPort":80,"hostPort":18080}]'
if until_true 30 task_is a web RUNNING; then pass "task reaches RUNNING"; else fail "task reaches RUNNING" "$(status_of a web) $(tail -3 "$T_DIR/a.log")"; fi
check "transitions PENDING, PULLING, RUNNING logged in order" \
	grep -q "task web RUNNING" "$T_DIR/a.log"
in_order "$T_DIR/a.log" "task web PENDING" "task web PULLING" "task web RUNNING" &&
	pass "transitions in order" || fail "transitions in order" "$(grep 'task web' "$T_DIR/a.log")"
st=$(status_of a web)
if jq -e '.hostPorts[0].hostPort == 18080 and .containers[0].status == "RUNNING" and .updatedAt' <<<"$st" >/dev/null; then
	pass "status has containers and hostPorts"; else fail "status has containers and hostPorts" "$st"; fi
# RUNNING means the process started, not that httpd listens yet: poll.
serves() { body=$(curl -s -m 3 http://172.30.9.1:18080/ || true); [ "$body" = hello-from-skiff ]; }
until_true 10 serves && pass "port mapping serves the task's HTTP" || fail "port mapping serves the task's HTTP" "got '$body'"

# --- agent restart: no duplicate container, same process
pid1=$(pid_of a web)
[[ $pid1 =~ ^[1-9][0-9]*$ ]] || pid1=none
kill -9 "${AGENT_PID[a]}"
wait "${AGENT_PID[a]}" 2>/dev/null
start_agent a --labels zone=a --cpu 2048 --memory 1000
until_true 10 grep -q "task web adopted" "$T_DIR/a.log"
sleep 2
if [ "$(containers_of a web)" = 1 ] && [ "$(pid_of a web)" = "$pid1" ] && kill -0 "$pid1" 2>/dev/null &&
	task_is a web RUNNING; then pass "agent restart adopts the container, no duplicate"
else fail "agent restart adopts the container, no duplicate" "containers=$(containers_of a web) pid $pid1 -> $(pid_of a web)"; fi

# --- etcd outage: tasks keep running, the agent comes back
kill "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null
sleep 5
kill -0 "$pid1" 2>/dev/null && pass "task keeps running while etcd is down" || fail "task keeps running while etcd is down" "pid $pid1 gone"
start_etcd
# the log read anew at each try (a process substitution is read only once)
resynchronised() { sed -n '/unreachable/,$p' "$T_DIR/$1.log" | grep -qE "etcd reachable again|registered as $1"; }
if until_true 15 node_present a && until_true 5 task_is a web RUNNING &&
	until_true 10 resynchronised a; then
	pass "agent re-registers and resynchronises after etcd returns"
else fail "agent re-registers and resynchronises after etcd returns" "$(tail -5 "$T_DIR/a.log")"; fi

# --- lease lost while the agent lived (a partition longer than the TTL):
# registers again under a new lease, the task keeps running
old=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 /skiff/$CLUSTER/nodes/a)\"}" | jq -r '.kvs[0].lease')
curl -sf -X POST $EP/v3/lease/revoke -d "{\"ID\":\"$old\"}" >/dev/null
new_lease() {
	local l
	l=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 /skiff/$CLUSTER/nodes/a)\"}" | jq -r '.kvs[0].lease // empty')
	[ -n "$l" ] && [ "$l" != "$old" ]
}
if until_true 8 new_lease && kill -0 "$pid1" 2>/dev/null && task_is a web RUNNING; then
	pass "lost lease: registers again under a new lease, task untouched"
else fail "lost lease: registers again" "$(tail -3 "$T_DIR/a.log")"; fi

# --- killed agent: its lease expires
kill -9 "${AGENT_PID[b]}"
t0=$SECONDS
if until_true 6 node_absent b; then pass "killed agent's node key vanishes within the TTL ($((SECONDS - t0)) s)"
else fail "killed agent's node key vanishes" "still there after 6 s"; fi

# --- desired STOPPED: SIGTERM, then STOPPED with the exit code
assign a web STOPPED 'true'
if until_true 10 task_is a web STOPPED; then
	st=$(status_of a web)
	if jq -e '.stoppedReason == "UserInitiated" and .containers[0].exitCode == 7' <<<"$st" >/dev/null; then
		pass "stop sends SIGTERM; STOPPED UserInitiated exit 7"; else fail "stop exit code" "$st"; fi
else fail "task stops" "$(status_of a web)"; fi
check "stopped container removed" test "$(containers_of a web)" = 0

# --- an essential container exits by itself
assign a quick RUNNING 'sleep 1; exit 3'
if until_true 30 task_is a quick STOPPED && jq -e '.stoppedReason == "EssentialContainerExited" and .containers[0].exitCode == 3' <<<"$(status_of a quick)" >/dev/null; then
	pass "essential exit: STOPPED EssentialContainerExited exit 3"; else fail "essential exit" "$(status_of a quick)"; fi

# --- unassigned task is stopped
assign a gone RUNNING 'while :; do sleep 0.2; done'
until_true 30 task_is a gone RUNNING
edel /skiff/$CLUSTER/assign/a/gone
if until_true 10 task_is a gone STOPPED && [ "$(containers_of a gone)" = 0 ]; then pass "unassigned task is stopped"
else fail "unassigned task is stopped" "$(status_of a gone)"; fi

# --- shutdown: tasks stopped and reported, lease revoked
assign a last RUNNING 'trap "exit 0" TERM; while :; do sleep 0.2; done'
until_true 30 task_is a last RUNNING
kill -TERM "${AGENT_PID[a]}"
wait_exit "${AGENT_PID[a]}" 15
rc=$?
[ $rc = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exits 0 on SIGTERM" "status $rc: $(tail -n 3 "$T_DIR/a.log" | tr "\n" " ")"
if node_absent a && jq -e '.status == "STOPPED" and .stoppedReason == "UserInitiated"' <<<"$(status_of a last)" >/dev/null; then
	pass "shutdown stops tasks, reports them and revokes the lease at once"
else fail "shutdown" "node=$(eget /skiff/$CLUSTER/nodes/a) last=$(status_of a last)"; fi

# --- with skiffctl's scheduler: a service of two tasks across two agents;
# one agent dies, the service is back to two running tasks on the other.
CTL="$SKIFF_BIN/skiffctl --endpoints $EP --cluster $CLUSTER"
if [ ! -x "$SKIFF_BIN/skiffctl" ]; then
	echo "FAIL: scheduler: $SKIFF_BIN/skiffctl not built"
	exit 0
fi
$CTL scheduler --id s1 --ttl 3 >"$T_DIR/scheduler.log" 2>&1 &
T_PIDS+=($!)
start_agent c
start_agent d
cat >"$T_DIR/td.json" <<EOT
{"family":"svc","networkMode":"bridge","containerDefinitions":[{"name":"main","image":"$IMAGE",
 "memory":32,"essential":true,"command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 0.2; done"]}]}
EOT
running_on() { # NODE: running tasks of the service on NODE
	local k
	curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 /skiff/$CLUSTER/status/$1/)\",\"range_end\":\"$(b64 /skiff/$CLUSTER/status/$10)\"}" |
		jq -r '.kvs[]?.value' | while read -r k; do base64 -d <<<"$k" | jq -r 'select(.status=="RUNNING") | .task'; done |
		while read -r t; do [ -n "$(eget /skiff/$CLUSTER/assign/$1/$t)" ] && echo "$t"; done
}
count_running() { # WANT NODE...
	local want=$1 n=0 node
	shift
	for node in "$@"; do n=$((n + $(running_on "$node" | grep -c .))); done
	[ "$n" -eq "$want" ]
}
if until_true 10 node_present c && until_true 10 node_present d &&
	$CTL taskdef register "$T_DIR/td.json" >"$T_DIR/ctl.log" 2>&1 &&
	$CTL service create svc --taskdef svc --desired-count 2 >>"$T_DIR/ctl.log" 2>&1 &&
	until_true 60 count_running 2 c d; then
	pass "scheduler: service of two tasks RUNNING on the agents"
else fail "scheduler: service of two tasks" "$(tail -3 "$T_DIR/ctl.log" "$T_DIR/scheduler.log")"; fi
on_d=$(running_on d | head -n1)
if [ -n "$on_d" ]; then victim=d survivor=c; else victim=c survivor=d; fi
kill -9 "${AGENT_PID[$victim]}"
if until_true 60 count_running 2 $survivor; then
	pass "scheduler: after node $victim dies the service is back to two tasks on $survivor"
else fail "scheduler: failover" "running on $survivor: $(running_on $survivor | tr '\n' ' ') $(tail -3 "$T_DIR/scheduler.log")"; fi
