#!/bin/bash
# A frozen etcd member. Three etcd members on loopback; skiffctl scheduler
# and a real skiff-agent list member 1 first, so their watches are on it.
# Member 1 is frozen (SIGSTOP: its kernel still accepts connections, the
# process answers nothing), then the service's task fails: the
# replacement must run within the lease TTL plus a few seconds, through
# the other members, and skiffctl with member 1 first must still answer.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../agent_lib.sh"
AGENT=$SKIFF_BIN/skiff-agent
CTL=$SKIFF_BIN/skiffctl
BASE=27380 REG_PORT=25010 CLUSTER=freeze TTL=4
IMAGE=127.0.0.1:$REG_PORT/busybox:latest
M1=http://127.0.0.1:$BASE M2=http://127.0.0.1:$((BASE + 2)) M3=http://127.0.0.1:$((BASE + 4))
EPS=$M1,$M2,$M3
P=/skiff/$CLUSTER
for tool in etcd docker-registry skopeo umoci busybox curl jq ss; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
trap 'kill -CONT ${ETCD_PID[1]} 2>/dev/null; agent_cleanup' EXIT

b64() { printf %s "$1" | base64 -w0; }
# eget URL KEY: a value read from one member
eget() { curl -sf -m 2 $1/v3/kv/range -d "{\"key\":\"$(b64 "$2")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
ctl() { "$CTL" --endpoints $M2,$M3 --cluster $CLUSTER "$@"; }
now_ms() { date +%s%3N; }

declare -A ETCD_PID
peers="m1=http://127.0.0.1:$((BASE + 1)),m2=http://127.0.0.1:$((BASE + 3)),m3=http://127.0.0.1:$((BASE + 5))"
for i in 1 2 3; do
	c=$((BASE + 2 * i - 2))
	etcd --name m$i --data-dir "$T_DIR/m$i" --listen-client-urls http://127.0.0.1:$c \
		--advertise-client-urls http://127.0.0.1:$c --listen-peer-urls http://127.0.0.1:$((c + 1)) \
		--initial-advertise-peer-urls http://127.0.0.1:$((c + 1)) --initial-cluster "$peers" \
		>"$T_DIR/m$i.log" 2>&1 &
	ETCD_PID[$i]=$!
	T_PIDS+=($!)
done
for m in $M1 $M2 $M3; do
	until_true 30 "curl -sf $m/health" || { echo "FAIL: setup: etcd $m: $(tail -2 "$T_DIR"/m*.log)"; exit 1; }
done
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }

"$AGENT" --endpoints $EPS --cluster $CLUSTER --node-id f1 --data "$T_DIR/f1/data" --run "$T_DIR/f1/run" \
	--lease-ttl $TTL --stop-timeout 2 --insecure-registry 127.0.0.1:$REG_PORT \
	--bridge skf0 --bridge-subnet 172.30.19.1/24 >"$T_DIR/agent.log" 2>&1 &
AGENT_PID=$!
T_PIDS+=($!)
"$CTL" --endpoints $EPS --cluster $CLUSTER scheduler --id s1 --ttl $TTL >"$T_DIR/sched.log" 2>&1 &
SCHED_PID=$!
T_PIDS+=($!)
cat >"$T_DIR/td.json" <<EOF
{"family":"victim","networkMode":"none","containerDefinitions":[{"name":"main","image":"$IMAGE",
 "memory":32,"essential":true,"command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 0.2; done"]}]}
EOF
ctl taskdef register "$T_DIR/td.json" >/dev/null
ctl service create svc --taskdef victim --desired-count 1 >/dev/null
# running_task: the service's task that runs (status RUNNING, still assigned)
running_task() {
	local id
	id=$(ctl -o json task ls --service svc | jq -r '.[] | select(.desiredStatus == "RUNNING") | .id')
	[ -n "$id" ] && [ "$(eget $M2 $P/status/f1/$id | jq -r .status)" = RUNNING ] &&
		[ -n "$(eget $M2 $P/assign/f1/$id)" ] && echo "$id"
}
until_true 60 'test -n "$(running_task)"' && pass "the service's task runs on the agent" ||
	{ fail "task runs" "$(tail -3 "$T_DIR/agent.log" "$T_DIR/sched.log")"; exit 1; }
first=$(running_task)

# both watch through member 1: it is first in their lists
on_m1() { ss -tnpH state established "( dport = :$BASE )" | grep -q "pid=$1,"; }
on_m1 $SCHED_PID && on_m1 $AGENT_PID && pass "scheduler and agent are connected to member 1" ||
	fail "connected to member 1" "$(ss -tnpH state established "( dport = :$BASE )")"
raft_leader=$(curl -s $M2/v3/maintenance/status -d '{}' | jq -r .leader)
m1_id=$(curl -s $M1/v3/maintenance/status -d '{}' | jq -r .header.member_id)
[ "$raft_leader" = "$m1_id" ] && echo "(member 1 is the raft leader)"

# --- freeze member 1, then the task fails
kill -STOP ${ETCD_PID[1]}
t0=$(now_ms)
pid=$(jq -r .pid "$T_DIR/f1/run/runtime/$first.main/state.json")
kill -9 "$pid"
if until_true $((TTL + 15)) 'r=$(running_task) && [ "$r" != "$first" ]'; then
	ms=$(($(now_ms) - t0))
	if [ $ms -le $(((TTL + 5) * 1000)) ]; then
		pass "member 1 frozen: failed task replaced and RUNNING in $ms ms (TTL $TTL s)"
	else fail "replacement within TTL + 5 s" "took $ms ms"; fi
else fail "replacement with member 1 frozen" "$(tail -4 "$T_DIR/sched.log" "$T_DIR/agent.log")"; fi
t1=$(now_ms)
if timeout 3 "$CTL" --endpoints $EPS --cluster $CLUSTER service describe svc >"$T_DIR/describe" 2>&1; then
	pass "skiffctl with the frozen member first answers in $(($(now_ms) - t1)) ms"
else fail "skiffctl with the frozen member first" "no answer within 3 s: $(cat "$T_DIR/describe")"; fi
grep -q "silent for" "$T_DIR/sched.log" && pass "the scheduler's watch left the frozen member" ||
	fail "scheduler watch" "$(grep watch "$T_DIR/sched.log" | tail -3)"

# --- thaw: back to one task, one assignment. (When member 1 was the raft
# leader, etcd 3.4 before 3.4.28 revokes every lease as it wakes, etcd
# issue 15247: the scheduler steps down and leads again, the agent
# registers again and its task is replaced once more.)
kill -CONT ${ETCD_PID[1]}
steady() {
	local n a
	n=$(ctl -o json task ls --service svc | jq '[.[] | select(.desiredStatus == "RUNNING")] | length')
	a=$(curl -s $M2/v3/kv/range -d "{\"key\":\"$(b64 $P/assign/)\",\"range_end\":\"$(b64 $P/assign0)\"}" |
		jq '[.kvs[]? | .value | @base64d | fromjson | select(.desiredStatus == "RUNNING")] | length')
	[ "$n" = 1 ] && [ "$a" = 1 ] && [ -n "$(running_task)" ]
}
until_true 30 steady && pass "after the thaw: one task running, one assignment" ||
	fail "after the thaw" "$(ctl task ls --service svc)"
