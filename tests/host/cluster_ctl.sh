#!/bin/bash
# skiffctl against a real etcd on loopback: task definitions (good, bad with
# the field named, revisions), services, tasks, nodes, output formats and
# exit codes, endpoint failover and configuration sources. No scheduler.
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
PORT=23850
E=http://127.0.0.1:$PORT
TD=$SKIFF_TOP/examples/taskdefs

etcd_start ctl "$T_DIR/etcd" $E $((PORT + 1)) "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
until_true 10 curl -sf $E/health
check "etcd up" curl -sf $E/health

# ctl ARGS...: runs skiffctl (endpoint list starts with a dead one: failover)
ctl() { "$CTL" --endpoints http://127.0.0.1:1,$E --cluster c1 "$@"; }
rc_of() { "$@" >"$T_DIR/out" 2>"$T_DIR/err"; echo $?; }

out=$(ctl taskdef register "$TD/web.json")
[ "$out" = web:1 ] && pass "register web -> web:1" || fail "register web" "got '$out'"
out=$(ctl taskdef register "$TD/web.json")
[ "$out" = web:2 ] && pass "second register -> web:2" || fail "register again" "got '$out'"
check "register hello" ctl taskdef register "$TD/hello.json"

rc=$(rc_of ctl taskdef register "$TD/bad.json")
grep -q 'bad.json:7: containerDefinitions\[0\].memroy: not a field of ContainerDefinition (did you mean "memory"?)' "$T_DIR/err" &&
	grep -q 'bad.json:8: containerDefinitions\[0\].links\[0\]: no container "db"' "$T_DIR/err" &&
	grep -q 'bad.json:9: containerDefinitions\[0\].portMappings\[0\].protocol: expected one of "tcp", "udp"' "$T_DIR/err" &&
	grep -q 'bad.json:4: containerDefinitions\[0\].memory: required' "$T_DIR/err" &&
	grep -q 'skiffctl: fatal: .*bad.json: 4 errors' "$T_DIR/err" && [ "$rc" = 2 ] &&
	pass "bad task definition: every error with its line and field, exit 2" ||
	fail "bad task definition" "rc=$rc $(cat "$T_DIR/err")"
echo '{"family":"x","containerDefinitions":[{"name":"a","image":"b","memory":"lots"}]}' >"$T_DIR/t.json"
rc=$(rc_of ctl taskdef register "$T_DIR/t.json")
grep -q "t.json:1: containerDefinitions\[0\].memory: expected an integer from 6 to" "$T_DIR/err" && [ "$rc" = 2 ] &&
	pass "wrong type is named" || fail "wrong type" "rc=$rc $(cat "$T_DIR/err")"
echo '{"family":"x","networkMode":"awsvpc","containerDefinitions":[{"name":"a","image":"b","memory":16}]}' >"$T_DIR/t.json"
rc=$(rc_of ctl taskdef register "$T_DIR/t.json")
[ "$rc" = 0 ] && pass "awsvpc registers" || fail "awsvpc" "rc=$rc $(cat "$T_DIR/err")"
echo '{"family":' >"$T_DIR/t.json"
rc=$(rc_of ctl taskdef register "$T_DIR/t.json")
grep -Eq "t.json:[0-9]+: not valid JSON" "$T_DIR/err" && [ "$rc" = 2 ] && pass "broken JSON names the file" ||
	fail "broken JSON" "rc=$rc $(cat "$T_DIR/err")"

# concurrent registrations get distinct revisions (txn on the revision key)
regs=()
for i in 1 2 3 4 5 6; do
	ctl taskdef register "$TD/hello.json" >"$T_DIR/reg$i" &
	regs+=($!)
done
wait "${regs[@]}"
revs=$(cat "$T_DIR"/reg* | sort -u | wc -l)
[ "$revs" = 6 ] && pass "6 concurrent registrations, 6 revisions" || fail "concurrent register" "$(cat "$T_DIR"/reg*)"

ctl taskdef ls >"$T_DIR/ls"
grep -Eq '^web:2 +ACTIVE +256 +128 +1$' "$T_DIR/ls" && pass "taskdef ls table" || fail "taskdef ls" "$(cat "$T_DIR/ls")"
[ "$(ctl taskdef describe web | jq -r .revision)" = 2 ] && pass "describe FAMILY is the latest" ||
	fail "describe latest" "$(ctl taskdef describe web)"
check "deregister web:2" ctl taskdef deregister web:2
[ "$(ctl taskdef describe web | jq -r .revision)" = 1 ] && pass "latest ACTIVE after deregister" ||
	fail "describe after deregister" "$(ctl taskdef describe web)"
rc=$(rc_of ctl taskdef describe nope:3); [ "$rc" = 3 ] && pass "unknown taskdef exit 3" || fail "not found" "rc=$rc"

# services
check "service create" ctl service create web --taskdef web --desired-count 2 \
	--strategy binpack:memory --constraint "memberOf:attribute:zone != b" --constraint distinctInstance
rc=$(rc_of ctl service create web --taskdef web --desired-count 2)
[ "$rc" = 1 ] && grep -q "already exists" "$T_DIR/err" && pass "duplicate service refused" ||
	fail "duplicate service" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of ctl service create w2 --taskdef web --desired-count 2 --strategy spread:zone)
[ "$rc" = 2 ] && pass "bad strategy exit 2" || fail "bad strategy" "rc=$rc"
rc=$(rc_of ctl service create w2 --taskdef web:2 --desired-count 1)
[ "$rc" = 2 ] && grep -q deregistered "$T_DIR/err" && pass "inactive taskdef refused" ||
	fail "inactive taskdef" "rc=$rc $(cat "$T_DIR/err")"
j=$(ctl -o json service describe web)
[ "$(jq -r '.taskDefinition, .desiredCount, .placementStrategy[0].type, .placementConstraints[0].expression' <<<"$j" | tr '\n' ' ')" = \
	"web:1 2 binpack attribute:zone != b " ] && pass "service record follows docs/cluster.md" ||
	fail "service record" "$j"
check "service update" ctl service update web --desired-count 5
[ "$(ctl -o json service ls | jq -r '.[0].desiredCount')" = 5 ] && pass "update desired count" ||
	fail "update" "$(ctl -o json service ls)"
rc=$(rc_of ctl service update nope --desired-count 1); [ "$rc" = 3 ] && pass "update unknown exit 3" || fail "update unknown" "rc=$rc"
rc=$(rc_of ctl service create x --taskdef web --desired-count many); [ "$rc" = 2 ] && pass "bad count exit 2" || fail "bad count" "rc=$rc"

# tasks
ids=$(ctl task run hello --count 3)
[ "$(wc -l <<<"$ids")" = 3 ] && pass "task run --count 3" || fail "task run" "$ids"
id=$(head -n1 <<<"$ids")
j=$(ctl task describe "$id")
[ "$(jq -r '.desiredStatus + " " + .lastStatus' <<<"$j")" = "RUNNING PENDING" ] &&
	pass "a new task is PENDING" || fail "task describe" "$j"
check "task stop" ctl task stop "$id" --reason "test"
[ "$(ctl task describe "$id" | jq -r '.desiredStatus + " " + .stoppedReason')" = "STOPPED test" ] &&
	pass "stopped task keeps the reason" || fail "task stop" "$(ctl task describe "$id")"
[ "$(ctl -o json task ls | jq length)" = 2 ] && pass "task ls hides stopped tasks" || fail "task ls" "$(ctl task ls)"
[ "$(ctl -o json task ls --all | jq length)" = 3 ] && pass "task ls --all" || fail "task ls --all" "$(ctl task ls --all)"
rc=$(rc_of ctl task describe 0000); [ "$rc" = 3 ] && pass "unknown task exit 3" || fail "unknown task" "rc=$rc"
rc=$(rc_of ctl task run); [ "$rc" = 2 ] && pass "task run without taskdef exit 2" || fail "task run usage" "rc=$rc"

# nodes (a fake node record)
b64() { printf %s "$1" | base64 -w0; }
curl -s $E/v3/kv/put -d "{\"key\":\"$(b64 /skiff/c1/nodes/n1)\",\"value\":\"$(b64 '{"id":"n1","cpu":1024,"memory":512,"addresses":["10.0.0.1"]}')\"}" >/dev/null
ctl node ls >"$T_DIR/nodes"
grep -Eq '^n1 +ACTIVE +0/1024 +0/512 +0 +10.0.0.1 +-$' "$T_DIR/nodes" && pass "node ls" || fail "node ls" "$(cat "$T_DIR/nodes")"
check "node drain" ctl node drain n1
[ "$(ctl -o json node describe n1 | jq -r .status)" = DRAINING ] && pass "node DRAINING" || fail "drain" "$(ctl node describe n1)"
check "node drain --undo" ctl node drain n1 --undo
[ "$(ctl -o json node ls | jq -r '.[0].status')" = ACTIVE ] && pass "node ACTIVE again" || fail "undo" "$(ctl node ls)"
rc=$(rc_of ctl node drain n9); [ "$rc" = 3 ] && pass "drain unknown node exit 3" || fail "drain unknown" "rc=$rc"

# help, usage, config sources, unreachable etcd
rc=$(rc_of "$CTL" service --help); [ "$rc" = 0 ] && grep -q "service create NAME" "$T_DIR/out" &&
	pass "service --help" || fail "help" "rc=$rc"
rc=$(rc_of "$CTL" frobnicate); [ "$rc" = 2 ] && pass "unknown command exit 2" || fail "unknown command" "rc=$rc"
rc=$(rc_of "$CTL" --endpoints $E --bogus task ls); [ "$rc" = 2 ] && grep -q 'options: bad argument `--bogus`' "$T_DIR/err" &&
	pass "bad global option named, exit 2" || fail "bad global option" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of ctl -o xml task ls); [ "$rc" = 2 ] && grep -qe '-o: expected json or table, got `xml`' "$T_DIR/err" &&
	pass "-o xml refused, exit 2" || fail "-o xml" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of "$CTL" --help --bogus); [ "$rc" = 0 ] && grep -q "^usage: skiffctl" "$T_DIR/out" &&
	pass "--help before a bad option still helps" || fail "--help --bogus" "rc=$rc"
rc=$(rc_of ctl secret rm); [ "$rc" = 2 ] && grep -q 'secret rm: which secret?' "$T_DIR/err" &&
	pass "secret rm without a name, exit 2" || fail "secret rm usage" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of ctl taskdef describe web:1 extra); [ "$rc" = 2 ] && grep -q 'taskdef describe: bad argument `extra`' "$T_DIR/err" &&
	pass "taskdef describe with an extra word, exit 2" || fail "taskdef extra word" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of ctl task exec t1 -e FOO -- ls); [ "$rc" = 2 ] && grep -q 'expected NAME=VALUE, got `FOO`' "$T_DIR/err" &&
	pass "task exec -e without =, exit 2" || fail "exec -e" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of ctl events --since 0); [ "$rc" = 2 ] && grep -q -- '--since: expected a revision above 0' "$T_DIR/err" &&
	pass "events --since 0 refused, exit 2" || fail "events --since 0" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of "$CTL" --endpoints http://127.0.0.1:1 task ls); [ "$rc" = 111 ] && pass "unreachable etcd exit 111" ||
	fail "unreachable" "rc=$rc"
[ "$(SKIFF_ENDPOINTS=$E SKIFF_CLUSTER=c1 "$CTL" -o json service ls | jq -r '.[0].name')" = web ] &&
	pass "endpoints and cluster from the environment" || fail "env config" ""
echo "{\"endpoints\":[\"$E\"],\"cluster\":\"c1\"}" >"$T_DIR/cfg.json"
[ "$(HOME=/nonexistent "$CTL" --config "$T_DIR/cfg.json" -o json service ls | jq -r '.[0].name')" = web ] &&
	pass "endpoints and cluster from --config" || fail "config file" ""
[ "$(ctl --cluster other -o json service ls 2>/dev/null || "$CTL" --endpoints $E --cluster other -o json service ls)" = "[]" ] &&
	pass "clusters are separate" || fail "cluster separation" ""

# password auth: token in Authorization:, renewed when etcd expires it
# (--auth-token-ttl 1 on a second etcd); a scheduler keeps working across
# several token expiries.
APORT=23855
A=http://127.0.0.1:$APORT
etcd_start auth "$T_DIR/etcd-auth" $A $((APORT + 1)) "$T_DIR/etcd-auth.log" --auth-token-ttl 1
T_PIDS+=("$ETCD_PID")
until_true 10 curl -sf $A/health
curl -s $A/v3/auth/user/add -d '{"name":"root","password":"pw"}' >/dev/null
curl -s $A/v3/auth/user/grant -d '{"user":"root","role":"root"}' >/dev/null
curl -s $A/v3/auth/enable -d '{}' >/dev/null
actl() { SKIFF_ETCD_PASSWORD=pw "$CTL" --endpoints $A --cluster c1 --user root "$@"; }
rc=$(rc_of "$CTL" --endpoints $A --cluster c1 service ls)
[ "$rc" = 1 ] && pass "no credentials: refused" || fail "auth required" "rc=$rc $(cat "$T_DIR/err")"
rc=$(rc_of env SKIFF_ETCD_PASSWORD=wrong "$CTL" --endpoints $A --cluster c1 --user root service ls)
[ "$rc" = 1 ] && grep -q "authenticate as root" "$T_DIR/err" && pass "wrong password: refused" ||
	fail "wrong password" "rc=$rc $(cat "$T_DIR/err")"
check "register with a password" actl taskdef register "$TD/web.json"
token=$(curl -s $A/v3/auth/authenticate -d '{"name":"root","password":"pw"}' | jq -r .token)
curl -s $A/v3/kv/put -H "Authorization: $token" -d "{\"key\":\"$(b64 /skiff/c1/nodes/n1)\",\"value\":\"$(b64 '{"id":"n1","cpu":1024,"memory":512}')\"}" >/dev/null
SKIFF_ETCD_PASSWORD=pw "$CTL" --endpoints $A --cluster c1 --user root scheduler --id auth >"$T_DIR/sched-auth.log" 2>&1 &
T_PIDS+=($!)
sleep 3 # the scheduler's token has expired by now
check "service create" actl service create web --taskdef web --desired-count 2
ok=0
for _ in $(seq 50); do
	[ "$(actl -o json task ls | jq '[.[] | select(.node == "n1")] | length')" = 2 ] && ok=1 && break
	sleep 0.2
done
[ $ok = 1 ] && pass "scheduler places after its token expired" ||
	fail "token renewal" "$(tail -n3 "$T_DIR/sched-auth.log")"
