#!/bin/bash
# skiffctl scheduler at scale against a real etcd: 200 simulated nodes
# under leases and a fake agent (skiff-scale-sim --hold, the bench's
# simulator), two scheduler replicas with the shortest lease (2 s). A
# placement of 2,000 tasks keeps exactly one leader throughout; a leader
# frozen in the middle of the next 2,000 loses its lease, the other takes
# over, and once thawed the old one stops without a single write (no task
# created twice, one assignment each).
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
SIM=$SKIFF_TOP/build/bench/skiff-scale-sim
PORT=23880
E=http://127.0.0.1:$PORT
P=/skiff/scale
[ -x "$SIM" ] || { echo "FAIL: setup: $SIM not built (make $SIM)"; exit 1; }

etcd_start scale "$T_DIR/etcd" $E $((PORT + 1)) "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
ctl() { "$CTL" --endpoints $E --cluster scale "$@"; }
b64() { printf %s "$1" | base64 -w0; }
# count PREFIX: keys under it
count() {
	local end
	end=$(printf %s "$1" | sed 's/.$//')$(printf %s "${1: -1}" | tr '/' '0')
	curl -s $E/v3/kv/range -d "{\"key\":\"$(b64 "$1")\",\"range_end\":\"$(b64 "$end")\",\"count_only\":true}" |
		jq -r '.count // 0'
}
leader() { curl -s $E/v3/kv/range -d "{\"key\":\"$(b64 $P/leader/scheduler)\"}" | jq -r '.kvs[0] | (.value | @base64d) + " " + .create_revision'; }
start_sched() { # ID
	"$CTL" --endpoints $E --cluster scale scheduler --id "$1" --ttl 2 >>"$T_DIR/sched-$1.log" 2>&1 &
	T_PIDS+=($!)
	eval "SCHED_$1=$!"
}
# tasks with a node, and assignments: equal, and no task assigned twice
one_assignment_each() {
	local placed assigned
	placed=$(ctl -o json task ls | jq '[.[] | select(.node)] | length')
	assigned=$(count $P/assign/)
	[ "$placed" = "$assigned" ] || { echo "placed $placed, assignments $assigned" >&2; return 1; }
}

until_true 20 "curl -sf $E/health" || { echo "FAIL: setup: etcd did not start"; exit 1; }
"$SIM" --endpoints $E --cluster scale --nodes 200 --hold >"$T_DIR/sim.out" 2>"$T_DIR/sim.log" &
T_PIDS+=($!)
until_true 60 "grep -q ready $T_DIR/sim.out" || { echo "FAIL: setup: simulator: $(tail -3 "$T_DIR/sim.log")"; exit 1; }
cat >"$T_DIR/td.json" <<'EOF'
{"family": "bulk", "networkMode": "none", "cpu": "128", "memory": "64",
 "containerDefinitions": [{"name": "app", "image": "docker.io/library/busybox:1.36",
  "essential": true, "command": ["sleep", "infinity"]}]}
EOF
ctl taskdef register "$T_DIR/td.json" >/dev/null
start_sched A
start_sched B
until_true 15 'test -n "$(leader)"' || { echo "FAIL: setup: no leader"; exit 1; }
before=$(leader)

# --- 2,000 tasks: every one placed, one leader throughout
check "service of 2000 tasks" ctl service create bulk --taskdef bulk --desired-count 2000
until_true 120 'test "$(count $P/assign/)" -ge 2000' && pass "2000 tasks placed" ||
	fail "2000 tasks placed" "$(count $P/assign/) assignments"
after=$(leader)
[ "$after" = "$before" ] && pass "the same leader, same key, throughout ($after)" ||
	fail "one leader" "before '$before', after '$after'"
changes=$(cat "$T_DIR"/sched-*.log | grep -c "became leader\|lost leadership")
[ "$changes" = 1 ] && pass "no leadership change in the logs" ||
	fail "leadership changes" "$(grep -h "became leader\|lost leadership" "$T_DIR"/sched-*.log)"
check "one assignment each" one_assignment_each
until_true 60 'test "$(ctl -o json service describe bulk | jq .runningCount)" = 2000' &&
	pass "fake agent reports 2000 RUNNING" || fail "running" "$(ctl service describe bulk)"

# --- the leader frozen in the middle of the next 2,000
first=${before%% *}
other=B
[ "$first" = A ] && victim=$SCHED_A || { victim=$SCHED_B; other=A; }
base=$(count $P/assign/)
ctl service update bulk --desired-count 4000 >/dev/null
until_true 30 'test "$(count $P/assign/)" -ge $((base + 50))'
kill -STOP "$victim"
frozen_at=$(count $P/tasks/)
until_true 15 'test "$(leader | cut -d" " -f1)" = $other' && pass "$other took over from the frozen $first" ||
	fail "takeover" "leader '$(leader)'"
kill -CONT "$victim"
until_true 120 'test "$(count $P/assign/)" -ge 4000' && pass "all 4000 placed after the takeover" ||
	fail "4000 placed" "$(count $P/assign/) assignments"
sleep 2
# A simulated node whose keepalives starved on a loaded host loses its
# lease, and its tasks are replaced (NodeLost): those extra tasks are the
# scheduler doing its job, not the thawed leader writing.
total=$(count $P/tasks/)
lost=$(ctl -o json task ls --all | jq '[.[] | select(.stoppedReason == "NodeLost")] | length')
[ $((total - lost)) = 4000 ] &&
	pass "exactly 4000 tasks besides $lost replaced for a lost node: the thawed leader created none ($frozen_at when frozen)" ||
	fail "tasks created" "$total tasks for 4000 wanted, $lost stopped as NodeLost; stopped: $(ctl -o json task ls --all |
		jq -c '[.[] | select(.stoppedReason) | .stoppedReason] | group_by(.) | map({(.[0]): length}) | add')"
check "one assignment each after the takeover" one_assignment_each
grep -q "lost leadership" "$T_DIR/sched-$first.log" && pass "the thawed $first stepped down" ||
	fail "step down" "$(tail -n 3 "$T_DIR/sched-$first.log")"
[ "$(grep -c "became leader" "$T_DIR/sched-$first.log")" = 1 ] && pass "$first did not lead again" ||
	fail "led again" "$(grep "became leader" "$T_DIR/sched-$first.log")"
