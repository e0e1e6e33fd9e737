#!/bin/bash
# ECS task definitions run for real by agents on the host (no VM): a real
# etcd, docker-registry, skiffctl and its scheduler. Start order from
# dependsOn (HEALTHY, SUCCESS) and links, stop order reversed, a volume two
# containers share, logs kept on the node, a health check turning a service
# task UNHEALTHY and the scheduler replacing it, two tasks of one service on
# one node with dynamic host ports, awsvpc tasks reaching each other, a
# secret in a container's environment but in no describe and no log,
# environment files, ulimits, the init of initProcessEnabled, pidMode task,
# dockerLabels, an exit recorded late by its monitor, a task definition's
# placement constraint, repositoryCredentials against a registry with
# basic auth, and the retention of logs on the node.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=22479 REG_PORT=25100 CLUSTER=tdhost
. "$SKIFF_TOP/tests/fixtures/cluster_env.sh"
BR="--bridge skd0 --bridge-subnet 172.30.10.1/24"
GW=172.30.10.1

start_etcd || { echo "FAIL: setup: etcd did not start: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
make_image || { echo "FAIL: setup: image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }
start_scheduler
start_agent a $BR --cpu 4096 --memory 2048
until_true 10 node_present a || { echo "FAIL: setup: agent a did not register: $(tail -3 "$T_DIR/a.log")"; exit 1; }

register() { $CTL taskdef register "$1" 2>>"$T_DIR/register.err"; }

# --- three containers: db (health-checked), init (exits 0), app waits for
# db HEALTHY and init SUCCESS and links db. Stop order is the reverse.
cat >"$T_DIR/three.json" <<EOT
{"family":"three","volumes":[{"name":"shared","host":{"sourcePath":"$T_DIR/shared"}},{"name":"scratch"}],
 "containerDefinitions":[
  {"name":"app","image":"$IMAGE","memory":32,
   "dependsOn":[{"containerName":"db","condition":"HEALTHY"},{"containerName":"init","condition":"SUCCESS"}],
   "links":["db:database"],"mountPoints":[{"sourceVolume":"shared","containerPath":"/shared"}],
   "command":["/bin/sh","-c","cat /etc/hosts; cat /shared/init; trap 'echo app >>/shared/order; exit 0' TERM; while :; do sleep 0.2; done"]},
  {"name":"db","image":"$IMAGE","memory":32,"essential":true,
   "healthCheck":{"command":["CMD-SHELL","test -f /tmp/ready"],"interval":5,"timeout":2,"retries":3},
   "mountPoints":[{"sourceVolume":"shared","containerPath":"/shared"},{"sourceVolume":"scratch","containerPath":"/scratch"}],
   "command":["/bin/sh","-c","touch /tmp/ready; trap 'echo db >>/shared/order; exit 0' TERM; while :; do sleep 0.2; done"]},
  {"name":"init","image":"$IMAGE","memory":32,"essential":false,
   "mountPoints":[{"sourceVolume":"shared","containerPath":"/shared"}],
   "command":["/bin/sh","-c","echo initialised >/shared/init"]}]}
EOT
t0=$(date +%s%N)
if register "$T_DIR/three.json" >/dev/null && $CTL service create three --taskdef three --desired-count 1 >/dev/null &&
	until_true 60 count_is three RUNNING 1; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	pass "three containers with a health-checked dependency RUNNING"
	echo "  service create to RUNNING: $ms ms (host, health check interval 5 s)"
else fail "three containers RUNNING" "$(tail -5 "$T_DIR/a.log") $(cat "$T_DIR/register.err")"; fi
three=$(service_tasks three | head -n1)
log=$T_DIR/a.log
in_order "$log" "task $three container init started" "task $three container db HEALTHY" \
	"task $three container app started" &&
	pass "app starts after init succeeded and db turned HEALTHY" || fail "start order" "$(grep "$three" "$log")"
st=$(describe "$three")
if jq -e '.healthStatus == "HEALTHY" and ([.containers[] | select(.name=="init")][0].exitCode == 0)' <<<"$st" >/dev/null; then
	pass "describe: task HEALTHY, init exited 0"; else fail "describe health" "$st"; fi
dbip=$(jq -r '.containers[] | select(.name=="db") | .networkInterfaces[0].privateIpv4Address' <<<"$st")
out=$(container_log a "$three" app)
if grep -Eq "^$dbip[[:space:]]+db database$" <<<"$out" && grep -q initialised <<<"$out"; then
	pass "links: db's address in app's /etc/hosts as db and database; the volume is shared"
else fail "links and shared volume" "db=$dbip app log: $out"; fi

# --- health check fails: the service's task is replaced
cat >"$T_DIR/sick.json" <<EOT
{"family":"sick","containerDefinitions":[{"name":"main","image":"$IMAGE","memory":32,
 "healthCheck":{"command":["CMD-SHELL","exit 1"],"interval":5,"timeout":2,"retries":1},
 "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 0.2; done"]}]}
EOT
register "$T_DIR/sick.json" >/dev/null && $CTL service create sick --taskdef sick --desired-count 1 >/dev/null
until_true 60 count_is sick RUNNING 1
first=$(service_tasks sick | head -n1)
replaced() { [ "$(describe "$first" | jq -r .stoppedReason)" = "Task failed container health checks" ] &&
	[ -n "$(service_tasks sick | grep -v "$first")" ]; }
if [ -n "$first" ] && until_true 60 replaced; then
	pass "UNHEALTHY task of a service stopped and replaced"
else fail "unhealthy replaced" "$(describe "$first") $(tail -5 "$T_DIR/scheduler.log")"; fi
grep -q "container main UNHEALTHY" "$log" && pass "agent reports the container UNHEALTHY" ||
	fail "agent UNHEALTHY line" "$(grep "$first" "$log" | tail -3)"
$CTL service delete sick --no-wait >/dev/null

# --- two tasks of one service, one node, dynamic host ports
cat >"$T_DIR/web.json" <<EOT
{"family":"web","containerDefinitions":[{"name":"httpd","image":"$IMAGE","memory":32,
 "portMappings":[{"containerPort":80,"hostPort":0}],
 "command":["/bin/sh","-c","trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 0.2; done"]}]}
EOT
register "$T_DIR/web.json" >/dev/null && $CTL service create web --taskdef web --desired-count 2 >/dev/null
if until_true 60 count_is web RUNNING 2; then pass "two tasks of one service RUNNING on one node"
else fail "two web tasks" "$(tail -5 "$log")"; fi
ports=$(for t in $(service_tasks web); do describe "$t" | jq -r '.containers[0].networkBindings[0].hostPort'; done | sort -u)
ok=0
for p in $ports; do
	[ "$p" -ge 32768 ] && [ "$p" -le 61000 ] && [ "$(curl -s -m 3 http://$GW:$p/)" = hello-from-skiff ] && ok=$((ok + 1))
done
[ "$ok" = 2 ] && pass "dynamic host ports $(echo $ports) from 32768-61000, both reachable" ||
	fail "dynamic host ports" "ports: $ports reachable: $ok"

# --- awsvpc: each task its own address; they reach each other, and the
# containers of one task share localhost
cat >"$T_DIR/vpc.json" <<EOT
{"family":"vpc","networkMode":"awsvpc","containerDefinitions":[
 {"name":"server","image":"$IMAGE","memory":32,"portMappings":[{"containerPort":80}],
  "command":["/bin/sh","-c","trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 0.2; done"]},
 {"name":"probe","image":"$IMAGE","memory":32,"essential":false,
  "dependsOn":[{"containerName":"server","condition":"START"}],
  "command":["/bin/sh","-c","sleep 1; wget -qO- http://127.0.0.1/"]}]}
EOT
register "$T_DIR/vpc.json" >/dev/null
ids=$($CTL task run vpc --count 2)
v1=$(sed -n 1p <<<"$ids") v2=$(sed -n 2p <<<"$ids")
until_true 60 task_is "$v1" RUNNING && until_true 30 task_is "$v2" RUNNING
a1=$(describe "$v1" | jq -r .privateIpv4Address) a2=$(describe "$v2" | jq -r .privateIpv4Address)
if [[ $a1 == 172.30.10.* && $a2 == 172.30.10.* && $a1 != "$a2" ]]; then pass "awsvpc tasks get addresses of their own ($a1, $a2)"
else fail "awsvpc addresses" "$a1 $a2"; fi
until_true 10 grep -q hello-from-skiff "$T_DIR/a/data/logs/$v1/probe/container.log" &&
	pass "awsvpc: containers of a task share localhost" || fail "awsvpc localhost" "$(container_log a "$v1" probe stderr)"
cat >"$T_DIR/client.json" <<EOT
{"family":"client","networkMode":"awsvpc","containerDefinitions":[{"name":"c","image":"$IMAGE","memory":32,
 "environment":[{"name":"PEER","value":"$a2"}],"command":["/bin/sh","-c","wget -qO- http://\$PEER/"]}]}
EOT
register "$T_DIR/client.json" >/dev/null
c=$($CTL task run client)
until_true 60 task_is "$c" STOPPED
[ "$(container_log a "$c" c)" = hello-from-skiff ] && [ "$(describe "$c" | jq -r '.containers[0].exitCode')" = 0 ] &&
	pass "an awsvpc task reaches another by its address" || fail "awsvpc peer" "$(describe "$c") $(container_log a "$c" c stderr)"

# --- a secret: in the container's environment, in no describe and no log
printf 'correct-horse-battery\n' | $CTL secret put app/db-pass >/dev/null
printf 'FROM_FILE=yes\n# comment\nEMPTY=\n' >"$T_DIR/app.env"
cat >"$T_DIR/sec.json" <<EOT
{"family":"sec","containerDefinitions":[{"name":"main","image":"$IMAGE","memory":32,
 "dockerLabels":{"com.example.team":"payments"},
 "secrets":[{"name":"DB_PASS","valueFrom":"arn:aws:ssm:us-east-1:123456789012:parameter/app/db-pass"}],
 "environmentFiles":[{"value":"$T_DIR/app.env","type":"s3"}],
 "ulimits":[{"name":"nofile","softLimit":4096,"hardLimit":8192}],
 "linuxParameters":{"initProcessEnabled":true},
 "command":["/bin/sh","-c","ulimit -n; trap 'exit 0' TERM; while :; do sleep 0.2; done"]}]}
EOT
register "$T_DIR/sec.json" >/dev/null
s=$($CTL task run sec)
until_true 60 task_is "$s" RUNNING
pid=$(container_pid a "$s" main)
env_of() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null; }
child=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{print $1}')
if env_of "${child:-0}" | grep -qx 'DB_PASS=correct-horse-battery' && env_of "$child" | grep -qx FROM_FILE=yes; then
	pass "secret and environment file in the container's environment"
else fail "secret in environment" "pid $pid child $child: $(env_of "${child:-0}" | grep -v PASS | tr '\n' ' ')"; fi
[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "/sbin/skiff-init-process -- /bin/sh -c ulimit -n; trap 'exit 0' TERM; while :; do sleep 0.2; done " ] &&
	pass "initProcessEnabled: skiff-init-process is PID 1 of the container" || fail "init" "$(tr '\0' ' ' </proc/"$pid"/cmdline)"
[ "$(container_log a "$s" main)" = 4096 ] && pass "ulimits: nofile 4096" || fail "ulimits" "$(container_log a "$s" main)"
[ "$(describe "$s" | jq -r '.containers[0].dockerLabels["com.example.team"]')" = payments ] &&
	[ "$(jq -r '.annotations["com.example.team"]' "$T_DIR/a/run/runtime/$s.main/state.json")" = payments ] &&
	pass "dockerLabels on the container and in task describe" || fail "dockerLabels" "$(describe "$s" | jq -c .containers)"
leaks=$( ( describe "$s"; $CTL taskdef describe sec; $CTL -o json task ls --all; $CTL secret ls; $CTL -o json secret ls
	cat "$T_DIR"/*.log "$T_DIR"/register.err; eget /skiff/$CLUSTER/status/a/"$s"
	find "$T_DIR/a/data/logs" -type f -exec cat {} + ) 2>&1 | grep -c correct-horse)
[ "$leaks" = 0 ] && pass "the secret is in no describe, ls, status or log" || fail "secret leaks" "$leaks places"
$CTL secret ls | grep -Eq '^app/db-pass +21 ' && pass "secret ls shows name and size only" || fail "secret ls" "$($CTL secret ls)"
$CTL task stop "$s" >/dev/null
until_true 20 task_is "$s" STOPPED
[ "$(describe "$s" | jq -r '.containers[0].exitCode')" = 0 ] && pass "the init passes SIGTERM on and exits as the command did" ||
	fail "init exit" "$(describe "$s")"

# --- pidMode task: the containers of a task see each other's processes
# (START means a's process exists, not that it has reached its exec: b
# looks for a few seconds)
cat >"$T_DIR/pid.json" <<EOT
{"family":"pid","pidMode":"task","containerDefinitions":[
 {"name":"a","image":"$IMAGE","memory":32,"command":["/bin/sh","-c","exec sleep 1234"]},
 {"name":"b","image":"$IMAGE","memory":32,"essential":false,
  "dependsOn":[{"containerName":"a","condition":"START"}],"command":["/bin/sh","-c","for i in \$(seq 50); do ps | grep -q '[s]leep 1234' && exit 0; sleep 0.1; done; exit 1"]}]}
EOT
register "$T_DIR/pid.json" >/dev/null
pt=$($CTL task run pid)
b_done() { [[ $(describe "$pt" | jq -r '.containers[] | select(.name=="b") | .exitCode') =~ ^[0-9]+$ ]]; }
until_true 60 b_done
[ "$(describe "$pt" | jq -r '.containers[] | select(.name=="b") | .exitCode')" = 0 ] &&
	pass "pidMode task: a container sees the other's processes" || fail "pidMode task" "$(describe "$pt" | jq -c .containers)"
$CTL task stop "$pt" >/dev/null

# --- stop order: app (which waits for db) gets SIGTERM first
scratch=$T_DIR/a/data/volumes/tasks/$three/scratch
[ -d "$scratch" ] && pass "a volume without a host path is a directory of the task" || fail "scratch volume" "no $scratch"
$CTL service delete three >/dev/null
until_true 30 task_is "$three" STOPPED
[ "$(tr '\n' ' ' <"$T_DIR/shared/order" 2>/dev/null)" = "app db " ] &&
	pass "stop order is the reverse of the start order (app, then db)" ||
	fail "stop order" "$(cat "$T_DIR/shared/order" 2>/dev/null)"
[ ! -e "$scratch" ] && [ -n "$(container_log a "$three" app)" ] &&
	pass "task volume removed, logs kept on the node" || fail "volume/logs after stop" "$(ls "$scratch" 2>&1)"

# --- an exit is reported as the container's monitor records it, even when
# the agent sees the process gone a moment before the record is written
cat >"$T_DIR/late.json" <<EOT
{"family":"late","containerDefinitions":[{"name":"c","image":"$IMAGE","memory":32,
 "command":["/bin/sh","-c","sleep 2; exit 5"]}]}
EOT
register "$T_DIR/late.json" >/dev/null
lt=$($CTL task run late)
until_true 30 task_is "$lt" RUNNING
mon=$(jq -r .monitorPid "$T_DIR/a/run/runtime/$lt.c/state.json")
kill -STOP "$mon"
sleep 4
kill -CONT "$mon"
until_true 20 task_is "$lt" STOPPED
[ "$(describe "$lt" | jq -r '.containers[0].exitCode')" = 5 ] && pass "exit code 5 reported, not a guessed 137" ||
	fail "late exit record" "$(describe "$lt" | jq -c .containers)"

# --- a second node, reached through the task definition's placement
# constraint; it pulls from a registry with basic auth using
# repositoryCredentials from the secret store
mkdir -p "$T_DIR/b/data/logs/old-task/c" "$T_DIR/b/data/logs/new-task/c"
echo old >"$T_DIR/b/data/logs/old-task/c/container.log"
echo new >"$T_DIR/b/data/logs/new-task/c/container.log"
touch -d '2 hours ago' "$T_DIR/b/data/logs/old-task/c/container.log" "$T_DIR/b/data/logs/old-task/c" "$T_DIR/b/data/logs/old-task"
AUTH_PORT=$((REG_PORT + 1))
htpasswd -Bbc "$T_DIR/htpasswd" bob pw >/dev/null 2>&1
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\nauth: {htpasswd: {realm: r, path: %s}}\n' \
	"$T_DIR/authreg" $AUTH_PORT "$T_DIR/htpasswd" >"$T_DIR/authreg.yml"
docker-registry serve "$T_DIR/authreg.yml" >"$T_DIR/authreg.log" 2>&1 &
T_PIDS+=($!)
until_true 10 curl -s -o /dev/null http://127.0.0.1:$AUTH_PORT/v2/
skopeo copy -q --dest-tls-verify=false --dest-creds bob:pw oci:"$T_DIR/img/oci:img" \
	docker://127.0.0.1:$AUTH_PORT/private/bb:1 >>"$T_DIR/authreg.log" 2>&1
start_agent b --bridge skd1 --bridge-subnet 172.30.12.1/24 --log-retention 3600 \
	--insecure-registry 127.0.0.1:$AUTH_PORT
until_true 10 node_present b
printf '{"username":"bob","password":"pw"}' | $CTL secret put registry/bob >/dev/null
for creds in yes no; do
	extra=""
	[ $creds = yes ] && extra=',"repositoryCredentials":{"credentialsParameter":"arn:aws:secretsmanager:us-east-1:1:secret:registry/bob"}'
	cat >"$T_DIR/priv-$creds.json" <<EOT
{"family":"priv-$creds","placementConstraints":[{"type":"memberOf","expression":"attribute:node.id == b"}],
 "containerDefinitions":[{"name":"c","image":"127.0.0.1:$AUTH_PORT/private/bb:1","memory":32$extra,
  "command":["/bin/sh","-c","exit 3"]}]}
EOT
	register "$T_DIR/priv-$creds.json" >/dev/null
done
p1=$($CTL task run priv-yes) p2=$($CTL task run priv-no)
until_true 60 task_is "$p1" STOPPED && until_true 30 task_is "$p2" STOPPED
d1=$(describe "$p1") d2=$(describe "$p2")
[ "$(jq -r '.node + " " + (.containers[0].exitCode|tostring)' <<<"$d1")" = "b 3" ] &&
	pass "placement constraint puts the task on b; repositoryCredentials pull from the private registry" ||
	fail "repositoryCredentials" "$(jq -c '{node,stoppedReason,detail,containers}' <<<"$d1")"
[ "$(jq -r .stoppedReason <<<"$d2")" = TaskFailedToStart ] && jq -r .detail <<<"$d2" | grep -q "no credentials were given" &&
	pass "without repositoryCredentials the pull is refused (TaskFailedToStart: no credentials)" ||
	fail "no credentials" "$(jq -c '{stoppedReason,detail}' <<<"$d2")"

# --- logs of tasks the node forgot go after --log-retention
gone() { [ ! -e "$T_DIR/b/data/logs/old-task" ]; }
until_true 10 gone && [ -e "$T_DIR/b/data/logs/new-task/c/container.log" ] &&
	pass "logs older than --log-retention removed, newer ones kept" || fail "log retention" "$(ls -R "$T_DIR/b/data/logs")"
