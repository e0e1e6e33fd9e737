#!/bin/bash
# skiffctl node update: a rolling OS update driven by the scheduler's
# leader, against a real etcd, a real scheduler and two real skiff-agents
# on the host that run a real service of two tasks (busybox from a local
# docker-registry), so the drain moves real tasks.
#
# THE NODES' UPDATE IS PLAYED BY A STAND-IN. A host process cannot reboot
# into another root slot, so stand_in below does, around each real agent,
# what the node's update executor does per the issue-17 contract: it
# watches updates/<node>, reports os.update downloading, writing,
# rebooting (then stops the agent, which revokes its lease: the record
# vanishes as on a reboot), starts the agent again and reports done with
# the new version, or failed with a reason on the old one. The real
# executor, with real reboots into the new slot and real rollbacks, is
# tested by tests/qemu/os_update*.sh.
#
# Cases: node ls shows OS versions; bad selectors and flags are refused
# naming the input; a rolling update goes node by node (drain, update,
# undrain, next) with a task RUNNING throughout and ends with both nodes
# on the new version; a second update while one runs is refused naming
# it; the scheduler killed mid-rollout and started again goes on; a node
# whose update fails halts the rollout, is undrained, and the other node
# is never told; cancel; a node that never comes back halts it after the
# node timeout; a node whose agent writes no "os" is pointed out.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../agent_lib.sh"
AGENT=$SKIFF_BIN/skiff-agent
CTL=$SKIFF_BIN/skiffctl
ETCD_PORT=23970 REG_PORT=25070 CLUSTER=upd
EP=http://127.0.0.1:$ETCD_PORT
P=/skiff/$CLUSTER
IMAGE=127.0.0.1:$REG_PORT/busybox:latest
OS=127.0.0.1:$REG_PORT/skiff-os
for tool in etcd docker-registry skopeo umoci busybox curl jq; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
trap agent_cleanup EXIT
cd "$T_DIR" || exit 1

b64() { printf %s "$1" | base64 -w0; }
eget() { curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
node_present() { [ -n "$(eget $P/nodes/$1)" ]; }
ctl() { "$CTL" --endpoints $EP --cluster $CLUSTER "$@"; }
rc_of() { "$@" >out 2>err; echo $?; }

start_etcd() {
	etcd_start t "$T_DIR/etcd" $EP $((ETCD_PORT + 1)) "$T_DIR/etcd.log"
	T_PIDS+=("$ETCD_PID")
	until_true 20 curl -sf $EP/health
}
start_sched() {
	ctl scheduler --id "$1" --ttl 3 >>"$T_DIR/sched-$1.log" 2>&1 &
	SCHED=$!
	T_PIDS+=($!)
}

# ---- the stand-in node (see the top of this file) ----

# set_os NODE OS-JSON: the node record's "os", as the agent writes it
# (under the record's own lease).
set_os() {
	local r lease val
	r=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 $P/nodes/$1)\"}")
	lease=$(jq -r '.kvs[0].lease // empty' <<<"$r")
	val=$(jq -r '.kvs[0].value // empty' <<<"$r" | base64 -d | jq -c --argjson os "$2" '.os = $os')
	[ -n "$lease" ] && [ -n "$val" ] || return 1
	curl -sf -X POST $EP/v3/kv/put -d "{\"key\":\"$(b64 $P/nodes/$1)\",\"value\":\"$(b64 "$val")\",\"lease\":\"$lease\"}" >/dev/null
}
agent_up() { # NODE: a real agent, as tests/host/agent_cluster.sh runs it
	"$AGENT" --endpoints $EP --cluster $CLUSTER --node-id "$1" --data "$T_DIR/$1/data" \
		--run "$T_DIR/$1/run" --lease-ttl 3 --stop-timeout 3 --insecure-registry 127.0.0.1:$REG_PORT \
		--bridge skt0 --bridge-subnet 172.30.11.1/24 --no-os-updates >>"$T_DIR/$1.log" 2>&1 &
	APID=$!
	until_true 30 node_present "$1"
}
# stand_in NODE VERSION [SEEN]: the node's update executor around a real
# agent. Events go to $T_DIR/events. Behaviour per target version from
# files: fail-V (trial boot fails: back on the old version), vanish-V
# (never comes back). SEEN ("ROLLOUT IMAGE") was attempted already (the
# real agent keeps that in its state file).
stand_in() {
	local n=$1 version=$2 previous="" slot=a seen=${3:-} want id image target os held rev
	agent_up "$n" || return 1
	os="{\"version\":\"$version\",\"slot\":\"$slot\"}"
	set_os "$n" "$os"
	while sleep 0.3; do
		# the agent rewrites its record when its addresses change, with
		# an "os" of its own (the host's /etc/os-release): the stand-in's
		# goes back
		[ "$(eget $P/nodes/$n | jq -c .os)" = "$os" ] || set_os "$n" "$os"
		want=$(eget $P/updates/$n)
		[ -n "$want" ] || continue
		id=$(jq -r .rollout <<<"$want")
		image=$(jq -r .image <<<"$want")
		[ "$id $image" = "$seen" ] && continue
		seen="$id $image"
		target=${image##*:}
		echo "$n told $target" >>"$T_DIR/events"
		# what the node was assigned when updates/<node> was written (a
		# read at that revision: no race with the scheduler's next steps)
		rev=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 $P/updates/$n)\"}" | jq -r '.kvs[0].mod_revision')
		held=$(curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 $P/assign/$n/)\",\"range_end\":\"$(b64 $P/assign/${n}0)\",\"revision\":\"$rev\"}" |
			jq -r '.kvs[]?.value' | while read -r v; do base64 -d <<<"$v" | jq -r 'select(.desiredStatus == "RUNNING") | .task'; done | wc -l)
		echo "$n held $held tasks when told $target" >>"$T_DIR/held"
		report() { # STATE [REASON]: os.update, versions as they are now
			os=$(jq -cn --arg v "$version" --arg s "$slot" --arg p "$previous" --arg i "$image" \
				--arg r "$id" --arg t "$target" --arg st "$1" --arg why "${2:-}" \
				'{version:$v, slot:$s, update:{image:$i, rollout:$r, target:$t, state:$st,
				  at:(now|todate)}} + (if $p == "" then {} else {previous:$p} end)
				  | if $why == "" then . else .update.reason = $why end')
			set_os "$n" "$os"
		}
		for st in downloading writing rebooting; do
			report $st
			sleep 0.5
		done
		kill -TERM $APID
		wait $APID
		echo "$n rebooting" >>"$T_DIR/events"
		[ -e "$T_DIR/vanish-$target" ] && { echo "$n vanished" >>"$T_DIR/events"; return 0; }
		agent_up "$n" || return 1
		if [ -e "$T_DIR/fail-$target" ]; then
			report failed "version $target was not healthy within 300 s (the agent did not mark the boot good)"
			echo "$n failed $target" >>"$T_DIR/events"
			continue
		fi
		previous=$version version=$target slot=$([ $slot = a ] && echo b || echo a)
		report done
		echo "$n up $target" >>"$T_DIR/events"
	done
}

# ---- observers ----

rollout() { eget $P/rollout/current; }
rollout_state() { rollout | jq -r .state; }
rollout_id() { rollout | jq -r .id; }
os_version() { ctl node ls | awk -v n="$1" '$1 == n {print $NF}'; }
node_status() { ctl node ls | awk -v n="$1" '$1 == n {print $2}'; }
running() { ctl -o json service describe web | jq -r .runningCount; }
# the least running count seen by the sampler since it started
sample_running() {
	: >"$T_DIR/running"
	while :; do running >>"$T_DIR/running"; sleep 0.2; done &
	SAMPLER=$!
	T_PIDS+=($!)
}
stop_sampler() { kill $SAMPLER; wait $SAMPLER 2>/dev/null; grep -E '^[0-9]+$' "$T_DIR/running" | sort -n | head -1; }
events_of() { grep -v rebooting "$T_DIR/events" | tr '\n' ';'; }

# setup_quiet WHAT COMMAND...: setup, its output shown only if it fails
setup_quiet() {
	local what=$1 out
	shift
	out=$("$@" 2>&1) || { echo "FAIL: setup: $what: $out"; exit 1; }
}

# ---- setup ----
setup "etcd did not start: $(tail -3 "$T_DIR/etcd.log" 2>/dev/null)" start_etcd
setup "image" make_image
start_sched s1
: >"$T_DIR/events"
stand_in n1 1 &
T_PIDS+=($!)
stand_in n2 1 &
T_PIDS+=($!)
cat >"$T_DIR/td.json" <<EOT
{"family":"web","networkMode":"bridge","containerDefinitions":[{"name":"main","image":"$IMAGE",
 "memory":32,"essential":true,"command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 0.2; done"]}]}
EOT
setup "nodes registered" until_true 30 'node_present n1 && node_present n2'
setup_quiet "taskdef" ctl taskdef register "$T_DIR/td.json"
setup_quiet "service" ctl service create web --taskdef web --desired-count 2 --strategy spread:node
until_true 60 'test "$(running)" = 2' && pass "a service of two tasks RUNNING on the two agents" ||
	fail "service running" "$(ctl service ls; tail -3 "$T_DIR/sched-s1.log")"

until_true 10 'test "$(os_version n1)" = 1 && test "$(os_version n2)" = 1' &&
	ctl node ls | head -1 | grep -q 'OS VERSION$' && pass "node ls: an OS VERSION column (1 and 1)" ||
	fail "node ls OS VERSION" "$(ctl node ls)"

# ---- bad input ----
rc=$(rc_of ctl node update --image $OS:2 --nodes n1,nosuch)
[ "$rc" = 2 ] && grep -q 'no node named `nosuch`' err && pass "--nodes with an unknown node: refused, named (exit 2)" ||
	fail "unknown node" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update --image $OS:2 --nodes zone=nowhere)
[ "$rc" = 2 ] && grep -q 'no ACTIVE node has the label zone=nowhere' err &&
	pass "--nodes LABEL=VALUE matching nothing: refused, named" || fail "no label match" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update --image $OS:2 --nodes n1,)
[ "$rc" = 2 ] && grep -q 'empty entry' err && pass "--nodes with an empty entry: refused" || fail "empty entry" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update --nodes n1)
[ "$rc" = 2 ] && grep -q -- '--image REF is required' err && pass "no --image: usage error" || fail "no image" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update --image "$OS 2")
[ "$rc" = 2 ] && grep -q -- "--image \`$OS 2\`: byte" err && pass "--image with a space: refused, named" || fail "bad image" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update --image $OS:2 --node-timeout soon)
[ "$rc" = 2 ] && grep -q -- '--node-timeout soon' err && pass "--node-timeout soon: refused, named" || fail "bad timeout" "rc=$rc $(cat err)"
rc=$(rc_of ctl node update status)
[ "$rc" = 3 ] && grep -q 'no rollout' err && pass "status with no rollout: not found (exit 3)" || fail "status none" "rc=$rc $(cat err)"
[ -z "$(rollout)" ] && pass "refused updates wrote nothing" || fail "nothing written" "$(rollout)"
check "node update --help" ctl node update --help
ctl node update --help | grep -q -- '--max-unavailable' && pass "--help names the options" || fail "help" "$(ctl node update --help)"

# ---- a rolling update to version 2 ----
sample_running
t0=$SECONDS
if ctl node update --image $OS:2 >out 2>err && grep -q 'on 2 nodes (n1, n2), at most 1 at a time' out; then
	pass "node update starts a rollout of both nodes"
else fail "node update" "$(cat out err)"; fi
timeout 150 "$CTL" --endpoints $EP --cluster $CLUSTER node update status --watch >watch.out 2>&1 &
WATCH=$!
until_true 120 'test "$(rollout_state)" = done' && pass "the rollout is done ($((SECONDS - t0)) s for two nodes)" ||
	fail "rollout done" "$(ctl node update status; tail -5 "$T_DIR/sched-s1.log")"
least=$(stop_sampler)
wait $WATCH
rc=$?
# (it samples once a second: which short steps it shows depends on timing)
[ $rc = 0 ] && [ "$(grep -c '^NODE' watch.out)" -ge 4 ] && grep -q '^n1 .*updating: ' watch.out &&
	grep -q '^n2 .*updating: ' watch.out && tail -1 watch.out | grep -q ': done: 2 nodes updated' &&
	pass "status --watch prints each change and ends with the rollout" ||
	fail "status --watch" "rc=$rc $(tail -5 watch.out)"
[ "$(grep -c 'held 0 tasks' "$T_DIR/held")" = 2 ] && [ "$(wc -l <"$T_DIR/held")" = 2 ] &&
	pass "drained first: each node held no task when it was told to update" || fail "drain first" "$(cat "$T_DIR/held")"

[ "${least:-0}" -ge 1 ] && pass "at least one task RUNNING throughout (least seen: $least)" ||
	fail "tasks kept running" "least running count $least: $(tr '\n' ' ' <"$T_DIR/running")"
[ "$(events_of)" = "n1 told 2;n1 up 2;n2 told 2;n2 up 2;" ] &&
	pass "in order: n1 told, n1 up on 2, then n2 told, n2 up on 2" || fail "order" "$(events_of)"
[ "$(os_version n1) $(os_version n2)" = "2 2" ] && pass "both nodes on version 2 (node ls)" || fail "versions" "$(ctl node ls)"
[ "$(node_status n1) $(node_status n2)" = "ACTIVE ACTIVE" ] && pass "both undrained" || fail "undrained" "$(ctl node ls)"
ctl node update status >out 2>&1
if grep -Eq '^n1 +2 +2 +1 +done +now on version 2' out && grep -Eq '^n2 +2 +2 +1 +done' out &&
	grep -q "rollout r-[0-9a-f]* of $OS:2: done: 2 nodes updated" out; then
	pass "status: NODE CURRENT TARGET PREVIOUS STATE REASON and the state line"
else fail "status table" "$(cat out)"; fi
ctl -o json node update status | jq -e '.state == "done" and (.status | map(.current) == ["2","2"])' >/dev/null &&
	pass "status -o json" || fail "status json" "$(ctl -o json node update status)"
until_true 60 'test "$(running)" = 2' && pass "the service is back to two RUNNING tasks" || fail "service after" "$(ctl task ls)"

# ---- the scheduler killed mid-rollout; a second update meanwhile ----
: >"$T_DIR/events"
setup_quiet "rollout to 3" ctl node update --image $OS:3 --node-timeout 60s
id3=$(rollout_id)
until_true 30 'grep -q "n1 told 3" "$T_DIR/events"'
{ kill -9 $SCHED; wait $SCHED; } 2>/dev/null
rc=$(rc_of ctl node update --image $OS:9)
[ "$rc" = 1 ] && grep -q "rollout $id3 of $OS:3 is running" err && pass "a second node update while one runs: refused, naming it" ||
	fail "second update" "rc=$rc $(cat err)"
sleep 2 # n1 goes on with its update while no scheduler runs
start_sched s2
until_true 120 'test "$(rollout_state)" = done' && pass "a new scheduler finishes the rollout the killed one started" ||
	fail "restart" "$(ctl node update status; tail -5 "$T_DIR/sched-s2.log")"
[ "$(events_of)" = "n1 told 3;n1 up 3;n2 told 3;n2 up 3;" ] && [ "$(os_version n1) $(os_version n2)" = "3 3" ] &&
	pass "after the restart: in order, both on 3" || fail "restart order" "$(events_of) $(ctl node ls)"

# ---- a node whose update fails halts the rollout ----
: >"$T_DIR/events"
touch "$T_DIR/fail-4"
setup_quiet "rollout to 4" ctl node update --image $OS:4
id4=$(rollout_id)
until_true 60 'test "$(rollout_state)" = halted' && pass "n1's update fails: the rollout halts" ||
	fail "halt" "$(ctl node update status)"
sleep 2 # time for a wrong step, if the leader were to take one
ctl node update status >out 2>&1
grep -q "halted: node n1: update to version 4 failed: version 4 was not healthy within 300 s" out &&
	grep -q "it is back on version 3" out && pass "status names the node and its reason" || fail "halt reason" "$(cat out)"
[ "$(eget $P/updates/n2 | jq -r .rollout)" != "$id4" ] && ! grep -q "n2 told" "$T_DIR/events" &&
	pass "n2 was never told to update" || fail "n2 told" "$(eget $P/updates/n2) $(events_of)"
[ "$(os_version n1) $(os_version n2)" = "3 3" ] && [ "$(node_status n1)" = ACTIVE ] &&
	pass "n1 is back on 3 and undrained, n2 stays on 3" || fail "after halt" "$(ctl node ls)"
grep -Eq '^n2 +3 +- +2 +pending' out && pass "status: n2 pending, no target" || fail "n2 row" "$(cat out)"

# ---- cancel, and a node that never comes back ----
: >"$T_DIR/events"
touch "$T_DIR/vanish-5"
setup_quiet "rollout to 5" ctl node update --image $OS:5 --node-timeout 3s
id5=$(rollout_id)
until_true 30 'grep -q "n1 vanished" "$T_DIR/events"'
until_true 30 'test "$(rollout_state)" = halted' &&
	rollout | jq -r .reason | grep -Eq '^node n1: gone for [0-9]+s, longer than the rollout.s node timeout \(3s\)' &&
	pass "a node gone longer than --node-timeout halts the rollout" || fail "vanish" "$(rollout | jq -c .)"
rc=$(rc_of ctl node update cancel)
[ "$rc" = 3 ] && grep -q 'no rollout is running' err && pass "cancel with none running: not found" || fail "cancel none" "rc=$rc $(cat err)"
stand_in n1 3 "$id5 $OS:5" & # the machine is back, on its old version
T_PIDS+=($!)
setup "n1 back" until_true 30 'test "$(os_version n1)" = 3'
setup_quiet "rollout to 6" ctl node update --image $OS:6 --nodes n2
until_true 30 'test "$(rollout | jq -r ".nodes[0].state")" != pending'
ctl node update cancel >out 2>&1 && grep -q "rollout .* cancelled" out && pass "cancel" || fail "cancel" "$(cat out)"
until_true 60 'test "$(rollout | jq -r ".nodes[0].state")" = done -o "$(rollout | jq -r ".nodes[0].state")" = skipped' &&
	until_true 20 'test "$(node_status n2)" = ACTIVE' &&
	[ "$(rollout_state)" = cancelled ] && pass "after cancel: the rollout is cancelled, n2 ACTIVE again" ||
	fail "after cancel" "$(ctl node update status; ctl node ls)"

# ---- a node whose agent knows nothing of updates (no "os" in its record) ----
lease=$(curl -sf -X POST $EP/v3/lease/grant -d '{"TTL":3}' | jq -r .ID)
curl -sf -X POST $EP/v3/kv/put -d "{\"key\":\"$(b64 $P/nodes/old)\",\"value\":\"$(b64 '{"id":"old","cpu":1024,"memory":64}')\",\"lease\":\"$lease\"}" >/dev/null
(while sleep 1; do curl -sf -X POST $EP/v3/lease/keepalive -d "{\"ID\":\"$lease\"}" >/dev/null; done) &
KA=$!
T_PIDS+=($!)
ctl -o json node update --image $OS:7 --nodes old --node-timeout 2s >out 2>&1
jq -e '.state == "running" and (.nodes | map(.node)) == ["old"] and .nodeTimeoutS == 2 and .maxUnavailable == 1' out >/dev/null &&
	pass "node update -o json prints the rollout" || fail "update json" "$(cat out)"
until_true 20 'ctl node update status | grep -q "^old .*updating: told"'
ctl node update status >out 2>&1
grep -Eq '^old +- +- +- +updating: told +its record has no "os": its agent may not update itself' out &&
	pass "status: a node whose record has no os is pointed out" || fail "no os" "$(cat out)"
kill $KA
until_true 30 'test "$(rollout_state)" = halted' && rollout | jq -r .reason | grep -q '^node old: gone for' &&
	pass "it halts the rollout once gone longer than the node timeout" || fail "old gone" "$(rollout | jq -c .)"
