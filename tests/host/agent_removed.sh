#!/bin/bash
# A removed node stops its tasks: a real etcd with auth on, a real agent
# on its own etcd user running a real container (busybox from a local
# registry). skiffctl node remove deletes the user; the agent must see
# etcd refuse its credentials, say so, stop the container as at shutdown
# (SIGTERM within its stop timeout, the container deleted) and exit
# instead of retrying forever.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../agent_lib.sh"
CTL=$SKIFF_BIN/skiffctl
AGENT=$SKIFF_BIN/skiff-agent
ETCD_PORT=22579 REG_PORT=25200 C=removed
EP=http://127.0.0.1:$ETCD_PORT
IMAGE=127.0.0.1:$REG_PORT/busybox:latest
for tool in etcd docker-registry skopeo umoci busybox curl jq; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
trap agent_cleanup EXIT
cd "$T_DIR" || exit 1

etcd_start r "$T_DIR/etcd" $EP $((ETCD_PORT + 1)) etcd.log
T_PIDS+=("$ETCD_PID")
until_true 20 curl -sf $EP/health || { echo "FAIL: setup: etcd: $(tail -3 etcd.log)"; exit 1; }
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }

ctl() { "$CTL" --endpoints $EP --cluster $C "$@"; }
root() { SKIFF_ETCD_PASSWORD=$(cat auth/root.password) ctl --user root "$@"; }
mkdir -m 700 auth
{ ctl auth init --dir auth && root node credentials n1 --out n1.password; } >setup.log 2>&1 ||
	{ echo "FAIL: setup: auth: $(tail -3 setup.log)"; exit 1; }
ROOT_TOKEN=$(curl -s -X POST $EP/v3/auth/authenticate \
	-d "{\"name\":\"root\",\"password\":\"$(cat auth/root.password)\"}" | jq -r .token)
b64() { printf %s "$1" | base64 -w0; }
eput() { curl -sf -H "Authorization: $ROOT_TOKEN" -X POST $EP/v3/kv/put \
	-d "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"}" >/dev/null; }

"$AGENT" --endpoints $EP --cluster $C --node-id n1 --data "$T_DIR/n1/data" --run "$T_DIR/n1/run" \
	--lease-ttl 3 --stop-timeout 3 --insecure-registry 127.0.0.1:$REG_PORT \
	--bridge skrm0 --bridge-subnet 172.30.41.1/24 --password-file n1.password >>n1.log 2>&1 &
APID=$!
T_PIDS+=($APID)
active() { root -o json node ls 2>/dev/null | jq -e '.[] | select(.id=="n1" and .status=="ACTIVE")' >/dev/null; }
until_true 15 active || { echo "FAIL: setup: the agent did not register: $(tail -3 n1.log)"; exit 1; }
cmd=$(jq -cn '["/bin/sh","-c","trap \"exit 0\" TERM; while :; do sleep 1; done"]')
eput /skiff/$C/assign/n1/t1 "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\",\"taskDefinition\":{\"family\":\"t\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"main\",\"image\":\"$IMAGE\",\"essential\":true,\"memory\":32,\"command\":$cmd,\"stopTimeout\":3}]}}"
cpid() { jq -r .pid "$T_DIR/n1/run/runtime/t1.main/state.json" 2>/dev/null; }
until_true 30 'p=$(cpid) && [ -n "$p" ] && [ "$p" != null ] && kill -0 $p 2>/dev/null'
CPID=$(cpid)
[ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null && pass "the node runs its task's container on its own etcd user" ||
	fail "container running" "$(tail -5 n1.log)"

t0=$(date +%s)
root node remove n1 >remove.out 2>&1 || fail "node remove" "$(cat remove.out)"
until_true 30 '! kill -0 $APID 2>/dev/null'
if kill -0 $APID 2>/dev/null; then
	fail "the removed node's agent exits" "still running after 30 s: $(tail -5 n1.log)"
	kill $APID
else
	wait $APID
	rc=$?
	echo "  node remove to agent exit: $(($(date +%s) - t0)) s"
	[ "$rc" != 0 ] && grep -q "etcd refuses this node's credentials (user skiff:$C:node:n1): .*authentication failed" n1.log &&
		grep -q "node n1 was removed from the cluster (skiffctl node remove)? stopping every task, then exiting" n1.log &&
		grep -q "etcd refused node n1's credentials: tasks stopped, not retrying" n1.log &&
		pass "the removed node's agent says why, stops and exits (status $rc), no retry loop" ||
		fail "removed agent" "rc=$rc $(tail -5 n1.log)"
fi
! kill -0 "$CPID" 2>/dev/null && grep -q "task t1 stopping" n1.log &&
	[ ! -e "$T_DIR/n1/run/runtime/t1.main" ] &&
	pass "its container was stopped and deleted before the agent exited" ||
	fail "container stopped" "pid $CPID alive: $(kill -0 "$CPID" 2>/dev/null && echo yes); $(ls "$T_DIR/n1/run/runtime" 2>&1); $(grep t1 n1.log | tail -3)"
[ "$(grep -c "etcd refuses this node's credentials" n1.log)" = 1 ] &&
	pass "said once, not once a second" || fail "said once" "$(grep -c "etcd refuses" n1.log) times"
