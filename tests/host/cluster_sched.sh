#!/bin/bash
# skiffctl scheduler against a real etcd on loopback, with fake nodes (node
# records under leases kept alive by curl) and a fake agent that reports
# every assignment RUNNING (or STOPPED when asked to stop): placement,
# leader failover, node loss, drain, racing replicas, compaction and an
# etcd restart.
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
PORT=23860
E=http://127.0.0.1:$PORT
P=/skiff/s1
TTL=3

start_etcd() {
	etcd_start sched "$T_DIR/etcd" $E $((PORT + 1)) "$T_DIR/etcd.log"
	T_PIDS+=("$ETCD_PID")
	until_true 10 curl -sf $E/health
}
ctl() { "$CTL" --endpoints $E --cluster s1 "$@"; }
b64() { printf %s "$1" | base64 -w0; }
api() { curl -s $E/v3/$1 -d "$2"; }
put() { api kv/put "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"${3:+,\"lease\":\"$3\"}}" >/dev/null; }
get() { api kv/range "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
# keys PREFIX: "key<TAB>value" lines, values decoded
keys() {
	local end
	end=$(printf %s "$1" | sed 's/.$//')$(printf %s "${1: -1}" | tr '/' '0')
	api kv/range "{\"key\":\"$(b64 "$1")\",\"range_end\":\"$(b64 "$end")\"}" |
		jq -r '.kvs[]? | [(.key | @base64d), ((.value // "") | @base64d)] | @tsv'
}

# fake_node ID CPU MEM ZONE: a node record under a lease kept alive by a
# loop (its pid in KA_<ID>), like the agent does.
fake_node() {
	local lease
	lease=$(api lease/grant "{\"TTL\":$TTL}" | jq -r .ID)
	put $P/nodes/$1 "{\"id\":\"$1\",\"cpu\":$2,\"memory\":$3,\"labels\":{\"zone\":\"$4\"}}" "$lease"
	(while sleep 1; do api lease/keepalive "{\"ID\":\"$lease\"}" >/dev/null; done) &
	T_PIDS+=($!)
	eval "KA_$1=$!"
}
# The fake agent: mirrors every assignment into a status record.
fake_agent() {
	while sleep 0.3; do
		keys $P/assign/ | while IFS=$'\t' read -r k v; do
			local rest=${k#$P/assign/} st
			st=$(jq -r '.desiredStatus' <<<"$v")
			local cur
			cur=$(get $P/status/$rest | jq -r .status 2>/dev/null)
			[ "$cur" = "$st" ] && continue
			local why=""
			[ "$st" = STOPPED ] && why=',"stoppedReason":"UserInitiated"'
			put $P/status/$rest "{\"task\":\"${rest#*/}\",\"status\":\"$st\"$why}"
		done
	done
}
start_sched() { # ID [extra args]
	local id=$1
	shift
	"$CTL" --endpoints $E --cluster s1 scheduler --id "$id" --ttl $TTL "$@" >>"$T_DIR/sched-$id.log" 2>&1 &
	T_PIDS+=($!)
	eval "SCHED_$id=$!"
}
leader() { get $P/leader/scheduler; }
# active service tasks (desired RUNNING) as "id node" lines
svc_tasks() { ctl -o json task ls --service "$1" | jq -r '.[] | select(.desiredStatus=="RUNNING") | .id + " " + (.node // "-")'; }
on_node() { svc_tasks "$1" | awk -v n="$2" '$2 == n'; }
task_node() { ctl task describe "$1" | jq -r '.node // empty'; }
running_count() { ctl -o json service describe "$1" | jq .runningCount; }
placed_count() { svc_tasks "$1" | awk '$2 != "-"' | wc -l; }
# no task has two assignments; every placed task that should run has its own
one_assignment_each() {
	local bad
	bad=$(keys $P/assign/ | awk -F'\t' '{split($1, p, "/"); print p[6]}' | sort | uniq -d)
	[ -z "$bad" ] || { echo "tasks assigned twice: $bad" >&2; return 1; }
	ctl -o json task ls | jq -r '.[] | select(.node and .desiredStatus == "RUNNING") | .node + "/" + .id' |
	while read -r a; do
		[ -n "$(get $P/assign/$a)" ] || { echo "no assignment $a" >&2; return 1; }
	done
}

setup "etcd did not start" start_etcd
ctl taskdef register "$SKIFF_TOP/examples/taskdefs/web.json" >/dev/null  # 256 cpu, 128 MiB
fake_node n1 1024 512 a
fake_node n2 1024 512 b
fake_node n3 1024 512 c
fake_agent &
T_PIDS+=($!)

# --- election and placement
start_sched A
start_sched B
until_true 10 'test -n "$(leader)"' && pass "a leader is elected ($(leader))" || fail "election" "no leader key"
first=$(leader)
check "service create" ctl service create web --taskdef web --desired-count 6 --strategy spread:node
until_true 15 'test "$(placed_count web)" = 6' && pass "6 tasks placed" || fail "placement" "$(svc_tasks web)"
per_node=$(svc_tasks web | awk '{print $2}' | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' ')
[ "$per_node" = "2 " ] && pass "spread: 2 tasks per node" || fail "spread" "$(svc_tasks web)"
check "every task has exactly one assignment" one_assignment_each
until_true 10 'test "$(running_count web)" = 6' &&
	pass "fake agent reports 6 RUNNING" || fail "running count" "$(ctl service ls)"

# --- capacity: a 7th..12th task fit (4 x 128 MiB per node), a 13th does not
check "scale to 13" ctl service update web --desired-count 13
until_true 15 'test "$(placed_count web)" = 12' && pass "12 placed, capacity respected" ||
	fail "capacity" "$(ctl node ls)"
sleep 1
[ "$(svc_tasks web | awk '$2 == "-"' | wc -l)" = 1 ] && pass "13th task stays PENDING" || fail "pending" "$(svc_tasks web)"
check "scale back to 6" ctl service update web --desired-count 6
until_true 15 'test "$(svc_tasks web | wc -l)" = 6' && pass "scaled down to 6" || fail "scale down" "$(svc_tasks web)"

# --- leader failover: SIGKILL (no resign) -> the other within TTL + a few s
other=B
[ "$first" = A ] && victim=$SCHED_A || { victim=$SCHED_B; other=A; }
{ kill -9 "$victim"; wait "$victim"; } 2>/dev/null
t0=$SECONDS
until_true $((TTL + 5)) 'test "$(leader)" = $other' && pass "$other took over in $((SECONDS - t0)) s" ||
	fail "failover" "leader is '$(leader)'"
start_sched "$first"  # back as a follower

# --- node loss: n1's lease expires -> its tasks NodeLost, replaced elsewhere
on_n1=$(svc_tasks web | awk '$2 == "n1" {print $1}')
kill "$KA_n1"
until_true $((TTL + 10)) 'test -z "$(on_node web n1)"' &&
	pass "no task left on lost node n1" || fail "node lost" "$(svc_tasks web)"
lost=$(head -n1 <<<"$on_n1")
[ "$(ctl task describe "$lost" | jq -r .stoppedReason)" = NodeLost ] && pass "lost task stopped with NodeLost" ||
	fail "NodeLost reason" "$(ctl task describe "$lost")"
[ -z "$(keys $P/assign/n1/)" ] && pass "lost node's assignments deleted" || fail "assignments" "$(keys $P/assign/n1/)"
until_true 15 'test "$(placed_count web)" = 6' && pass "replacements placed on n2/n3" || fail "replacements" "$(svc_tasks web)"

# --- drain: replacements start first, then the old tasks stop
fake_node n4 1024 512 a
until_true 10 'test "$(running_count web)" = 6' || fail "before drain" "$(ctl service ls)"
check "node drain n2" ctl node drain n2
# replacements start first: the RUNNING count never drops below desired
min=6
end=$((SECONDS + 20))
while [ $SECONDS -lt $end ] && [ -n "$(on_node web n2)" ]; do
	r=$(running_count web)
	[ "$r" -lt "$min" ] && min=$r
	sleep 0.2
done
[ -z "$(on_node web n2)" ] && pass "drain moved tasks off n2" || fail "drain" "$(svc_tasks web)"
[ "$min" = 6 ] && pass "never fewer than 6 RUNNING while draining" || fail "drain order" "dipped to $min"
until_true 10 'test "$(running_count web)" = 6' &&
	pass "service back to 6 RUNNING after drain" || fail "after drain" "$(ctl service ls)"
check "one assignment each after failover, loss and drain" one_assignment_each

# --- racing replicas: a burst of standalone tasks with three schedulers
start_sched C
ctl task run web --count 8 >"$T_DIR/burst"
sleep 3
check "racing schedulers never double-place" one_assignment_each
over=$(ctl -o json node ls | jq -r '.[] | select(.usedMemory > .memory) | .id')
[ -z "$over" ] && pass "no node over capacity" || fail "capacity" "$over"
while read -r id; do ctl task stop "$id" >/dev/null; done <"$T_DIR/burst"
ctl node drain n2 --undo >/dev/null

# --- crash loop: tasks that keep failing are replaced with growing delays
ctl taskdef register "$SKIFF_TOP/examples/taskdefs/hello.json" >/dev/null
ctl service create crash --taskdef hello --desired-count 1 >/dev/null
(for _ in $(seq 60); do
	for t in $(svc_tasks crash | awk '$2 != "-" {print $2 "/" $1}'); do
		put $P/status/$t "{\"task\":\"${t#*/}\",\"status\":\"STOPPED\",\"stoppedReason\":\"EssentialContainerExited\"}"
	done
	sleep 0.3
done) &
crasher=$!
T_PIDS+=($crasher)
sleep 9
n=$(ctl -o json task ls --all --service crash | jq length)
[ "$n" -ge 3 ] && [ "$n" -le 6 ] && pass "crash loop backs off ($n tasks in 9 s)" || fail "backoff" "$n tasks in 9 s"
kill $crasher 2>/dev/null
check "service delete" ctl service delete crash
rc=0; ctl service describe crash >/dev/null 2>&1 || rc=$?
[ $rc = 3 ] && pass "deleted service is gone" || fail "service delete" "rc=$rc"

# --- compaction while stopped + etcd restart: relist and resume
kill $SCHED_A $SCHED_B $SCHED_C 2>/dev/null
sleep 1
start_sched D
until_true $((TTL + 6)) 'test "$(leader)" = D' && pass "D leads alone" || fail "D leader" "$(leader)"
kill -STOP $SCHED_D
kill "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null
start_etcd || fail "etcd restart" "$(tail -n3 "$T_DIR/etcd.log")"
ids=$(ctl task run web --count 2)
ctl service update web --desired-count 5 >/dev/null
rev=$(api kv/range '{"key":"AA==","count_only":true}' | jq -r .header.revision)
api kv/compaction "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
kill -CONT $SCHED_D
until_true 20 'grep -q "watch compacted, relisting" "$T_DIR/sched-D.log"' &&
	pass "scheduler relisted after compaction" || fail "relist" "$(tail -n5 "$T_DIR/sched-D.log")"
ok=1
for id in $ids; do
	until_true 15 'test -n "$(task_node $id)"' || ok=0
done
[ $ok = 1 ] && pass "tasks created while it was stopped got placed" || fail "resume" "$(ctl task ls)"
until_true 15 'test "$(svc_tasks web | wc -l)" = 5' && pass "service scaled to 5 after restart" ||
	fail "scale after restart" "$(svc_tasks web)"
check "one assignment each at the end" one_assignment_each
