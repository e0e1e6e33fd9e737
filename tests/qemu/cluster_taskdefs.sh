#!/bin/bash
# ECS task definitions on a real node (QEMU, TCG, cgroup v2): a node image
# registers with etcd in this test's namespace, skiffctl's scheduler runs
# on the host, images come from a local docker-registry (umoci + skopeo).
# A three-container task whose app waits for a health-checked db (and the
# time from `service create` to RUNNING), an UNHEALTHY service task
# replaced, two tasks of one service with dynamic host ports both reached
# by a client on the node, awsvpc tasks reaching each other, a volume two
# containers share, a secret in the environment but not on the console or
# in any describe, and the task-level memory limit as a cgroup ceiling
# (OutOfMemory). Containers report what they saw through exit codes.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=23479 REG_PORT=25600 CLUSTER=tdqemu
. "$SKIFF_TOP/tests/fixtures/cluster_env.sh"
GIMAGE=10.0.2.2:$REG_PORT/busybox:latest
for b in skiff-agent skiff-runtime skiff-netcfg skiffctl; do
	[ -x "$SKIFF_BIN/$b" ] || { echo "FAIL: setup: $SKIFF_BIN/$b not built"; exit 1; }
done

start_etcd || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: node
kernel:
  modules: [virtio_pci, virtio_net, overlay, bridge, veth, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
  cmdline: "console=ttyS0 panic=-1"
services:
  - name: net
    exec: ["/usr/bin/skiff-netcfg", "up", "--proc-cmdline"]
    restart: never
  - name: agent
    exec: ["/usr/bin/skiff-agent", "--stop-timeout", "3"]
    restart: always
cluster:
  name: $CLUSTER
  endpoints: ["http://10.0.2.2:$ETCD_PORT"]
  insecure_registries: ["10.0.2.2:$REG_PORT"]
  lease_ttl_s: 5
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/node-img"
log=$T_DIR/node.log
boot "$T_DIR/node-img" "$log" --mem 512 --append "ip=10.0.2.15::10.0.2.2:255.255.255.0:node:eth0:off"
wait_line "$log" 'agent: registered as' 240 >/dev/null || { fail "node registers" "$(tail -5 "$log")"; exit 1; }
start_scheduler
register() { $CTL taskdef register "$1" 2>>"$T_DIR/register.err"; }
exit_of() { describe "$1" | jq -r --arg c "${2:-}" '[.containers[] | select($c=="" or .name==$c)][0].exitCode'; }
# run_to_end FAMILY: a standalone task; prints its id once STOPPED.
run_to_end() {
	local id
	id=$($CTL task run "$1") && until_true 120 task_is "$id" STOPPED && echo "$id"
}

# --- three containers, app waiting for db HEALTHY and init SUCCESS
cat >"$T_DIR/three.json" <<EOT
{"family":"three","volumes":[{"name":"shared"}],"containerDefinitions":[
 {"name":"app","image":"$GIMAGE","memory":32,"links":["db"],
  "dependsOn":[{"containerName":"db","condition":"HEALTHY"},{"containerName":"init","condition":"SUCCESS"}],
  "mountPoints":[{"sourceVolume":"shared","containerPath":"/shared"}],
  "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name":"db","image":"$GIMAGE","memory":32,
  "healthCheck":{"command":["CMD-SHELL","test -f /tmp/ready"],"interval":5,"timeout":3,"retries":3},
  "command":["/bin/sh","-c","touch /tmp/ready; trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name":"init","image":"$GIMAGE","memory":32,"essential":false,
  "mountPoints":[{"sourceVolume":"shared","containerPath":"/shared"}],
  "command":["/bin/sh","-c","echo ok >/shared/init"]}]}
EOT
register "$T_DIR/three.json" >/dev/null
t0=$(date +%s%N)
$CTL service create three --taskdef three --desired-count 1 >/dev/null
if until_true 180 count_is three RUNNING 1; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	pass "three containers with a health-checked dependency RUNNING"
	echo "  service create to RUNNING: $ms ms (QEMU TCG, health check interval 5 s)"
else fail "three containers RUNNING" "$(tail -5 "$log") $(cat "$T_DIR/register.err")"; fi
three=$(service_tasks three | head -n1)
in_order "$log" "task $three container init started" "task $three container db HEALTHY" \
	"task $three container app started" && pass "start order: init, db HEALTHY, then app" ||
	fail "start order" "$(grep "$three" "$log" | tail -8)"

# --- UNHEALTHY service task replaced
cat >"$T_DIR/sick.json" <<EOT
{"family":"sick","containerDefinitions":[{"name":"main","image":"$GIMAGE","memory":32,
 "healthCheck":{"command":["CMD","false"],"interval":5,"timeout":3,"retries":1},
 "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]}]}
EOT
register "$T_DIR/sick.json" >/dev/null && $CTL service create sick --taskdef sick --desired-count 1 >/dev/null
until_true 120 count_is sick RUNNING 1
first=$(service_tasks sick | head -n1)
replaced() { [ "$(describe "$first" | jq -r .stoppedReason)" = "Task failed container health checks" ] &&
	[ -n "$(service_tasks sick | grep -v "$first")" ]; }
[ -n "$first" ] && until_true 120 replaced && pass "UNHEALTHY service task replaced" ||
	fail "unhealthy replaced" "$(describe "$first" | jq -c '{lastStatus,healthStatus,stoppedReason}')"
$CTL service delete sick --no-wait >/dev/null

# --- dynamic host ports: two tasks, one node, both reached from the node
cat >"$T_DIR/web.json" <<EOT
{"family":"web","containerDefinitions":[{"name":"httpd","image":"$GIMAGE","memory":32,
 "portMappings":[{"containerPort":80}],
 "command":["/bin/sh","-c","trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 1; done"]}]}
EOT
register "$T_DIR/web.json" >/dev/null && $CTL service create web --taskdef web --desired-count 2 >/dev/null
until_true 120 count_is web RUNNING 2 && pass "two tasks of one service RUNNING on one node" ||
	fail "two web tasks" "$(tail -3 "$log")"
ports=$(for t in $(service_tasks web); do describe "$t" | jq -r '.containers[0].networkBindings[0].hostPort'; done | sort -u | tr '\n' ' ')
set -- $ports
cat >"$T_DIR/fetch.json" <<EOT
{"family":"fetch","networkMode":"host","containerDefinitions":[{"name":"c","image":"$GIMAGE","memory":32,
 "command":["/bin/sh","-c","for p in ${1:-0} ${2:-0}; do [ \"\$(wget -qO- http://10.0.2.15:\$p/)\" = hello-from-skiff ] || exit 1; done"]}]}
EOT
register "$T_DIR/fetch.json" >/dev/null
f=$(run_to_end fetch)
[ $# = 2 ] && [ "$1" -ge 32768 ] && [ "$(exit_of "$f")" = 0 ] &&
	pass "dynamic host ports $ports both reachable on the node" || fail "dynamic ports" "ports '$ports' fetch exit $(exit_of "$f")"

# --- awsvpc: tasks reach each other by address
cat >"$T_DIR/vpc.json" <<EOT
{"family":"vpc","networkMode":"awsvpc","containerDefinitions":[{"name":"server","image":"$GIMAGE","memory":32,
 "command":["/bin/sh","-c","trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 1; done"]}]}
EOT
register "$T_DIR/vpc.json" >/dev/null
v=$($CTL task run vpc)
until_true 120 task_is "$v" RUNNING
addr=$(describe "$v" | jq -r .privateIpv4Address)
cat >"$T_DIR/peer.json" <<EOT
{"family":"peer","networkMode":"awsvpc","containerDefinitions":[{"name":"c","image":"$GIMAGE","memory":32,
 "environment":[{"name":"PEER","value":"$addr"}],
 "command":["/bin/sh","-c","[ \"\$(wget -qO- http://\$PEER/)\" = hello-from-skiff ]"]}]}
EOT
register "$T_DIR/peer.json" >/dev/null
p=$(run_to_end peer)
[[ $addr == 172.31.0.* ]] && [ "$(exit_of "$p")" = 0 ] && pass "an awsvpc task reaches another at $addr" ||
	fail "awsvpc" "addr=$addr exit $(exit_of "$p")"

# --- a shared volume and a secret, checked inside the containers
printf 'tr0ub4dor-and-3\n' | $CTL secret put db-pass >/dev/null
sum=$(printf tr0ub4dor-and-3 | md5sum | cut -d' ' -f1) # the definition holds no value
cat >"$T_DIR/sec.json" <<EOT
{"family":"sec","volumes":[{"name":"v"}],"containerDefinitions":[
 {"name":"writer","image":"$GIMAGE","memory":32,"essential":false,
  "mountPoints":[{"sourceVolume":"v","containerPath":"/v"}],"command":["/bin/sh","-c","echo shared >/v/f"]},
 {"name":"reader","image":"$GIMAGE","memory":32,
  "dependsOn":[{"containerName":"writer","condition":"SUCCESS"}],
  "mountPoints":[{"sourceVolume":"v","containerPath":"/v","readOnly":true}],
  "secrets":[{"name":"DB_PASS","valueFrom":"arn:aws:secretsmanager:eu-west-1:1:secret:db-pass"}],
  "command":["/bin/sh","-c","[ \"\$(cat /v/f)\" = shared ] && [ \"\$(printf %s \"\$DB_PASS\" | md5sum | cut -c1-32)\" = $sum ] && ! touch /v/g"]}]}
EOT
register "$T_DIR/sec.json" >/dev/null
s=$(run_to_end sec)
[ "$(exit_of "$s" reader)" = 0 ] && pass "volume shared (read-only for one), secret in the environment" ||
	fail "volume and secret" "$(describe "$s" | jq -c .containers)"
n=$( (cat "$log" "$T_DIR/scheduler.log"; describe "$s"; $CTL taskdef describe sec; $CTL secret ls) | grep -c tr0ub4dor)
[ "$n" = 0 ] && pass "the secret is on no console, log or describe" || fail "secret leaks" "$n lines"

# --- task-level memory: the task's cgroup is a ceiling for its containers
cat >"$T_DIR/hog.json" <<EOT
{"family":"hog","memory":"48","containerDefinitions":[{"name":"hog","image":"$GIMAGE","memoryReservation":16,
 "command":["/bin/sh","-c","x=\$(head -c 200000000 /dev/zero | tr '\\\\0' a); echo survived"]}]}
EOT
register "$T_DIR/hog.json" >/dev/null
h=$(run_to_end hog)
[ "$(describe "$h" | jq -r '.stoppedReason + " " + (.containers[0].exitCode|tostring)')" = "OutOfMemory 137" ] &&
	pass "task memory 48 MiB: the container is OOM-killed (OutOfMemory, 137)" ||
	fail "task memory limit" "$(describe "$h" | jq -c '{stoppedReason,containers}')"
