#!/bin/bash
# End to end: two node images boot under QEMU (TCG) and register with an
# etcd running in this test's network namespace (the guests reach it at
# 10.0.2.2 through QEMU's user network); a service of two tasks from a
# local docker-registry runs, one per node; one VM is killed, its lease
# expires and the service is back to two running tasks on the survivor,
# whose HTTP ports answer through qemu/run --fwd. The survivor then powers
# off: its agent stops and reports its tasks and revokes its lease.
#
# Placement and failover are skiffctl's scheduler's, run on the host.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=23379 REG_PORT=25500 CLUSTER=e2e TTL=5
EP=http://127.0.0.1:$ETCD_PORT
IMAGE=10.0.2.2:$REG_PORT/busybox:latest
for tool in etcd docker-registry skopeo umoci busybox curl jq socat; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
for b in skiff-agent skiff-runtime skiff-netcfg; do
	[ -x "$SKIFF_BIN/$b" ] || { echo "FAIL: setup: $SKIFF_BIN/$b not built"; exit 1; }
done

b64() { printf %s "$1" | base64 -w0; }
eput() { curl -sf -X POST $EP/v3/kv/put -d "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"}" >/dev/null; }
eget() { curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
edel() { curl -sf -X POST $EP/v3/kv/deleterange -d "{\"key\":\"$(b64 "$1")\"}" >/dev/null; }
task_is() { [ "$(eget /skiff/$CLUSTER/status/$1/$2 | jq -r .status)" = "$3" ]; }
node_absent() { [ -z "$(eget /skiff/$CLUSTER/nodes/$1)" ]; }

etcd_start e "$T_DIR/etcd" $EP 23380 "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
until_true 20 curl -sf $EP/health || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }

d=$T_DIR/img-src
busybox_root "$d" sh sleep cat echo httpd
mkdir -p "$d/root/www"
echo hello-from-skiff >"$d/root/www/index.html"
registry_start "$d" $REG_PORT
T_PIDS+=($!)
if ! image_push "$d" 127.0.0.1:$REG_PORT/busybox:latest; then
	echo "FAIL: setup: test image: $(tail -3 "$d"/*.log)"
	exit 1
fi

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
  lease_ttl_s: $TTL
  labels: {zone: qemu}
shutdown:
  grace_ms: 8000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"

ip_arg() { echo "ip=10.0.2.15::10.0.2.2:255.255.255.0:$1:eth0:off skiff.hostname=$1"; }
log1=$T_DIR/node1.log log2=$T_DIR/node2.log
boot "$T_DIR/img" "$log1" --mem 512 --pidfile "$T_DIR/q1.pid" --monitor "$T_DIR/mon1.sock" --append "$(ip_arg node1)" \
	--fwd 18080:8080 --fwd 18081:8081
boot "$T_DIR/img" "$log2" --mem 512 --pidfile "$T_DIR/q2.pid" --monitor "$T_DIR/mon2.sock" \
	--append "$(ip_arg node2)" --fwd 28080:8080 --fwd 28081:8081

node_of() { tr -d '\r' <"$1" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p' | head -n1; }
if wait_line "$log1" 'agent: registered as' 240 >/dev/null && wait_line "$log2" 'agent: registered as' 240 >/dev/null; then
	pass "both nodes register"
else
	fail "both nodes register" "$(tail -5 "$log1" "$log2")"
	exit 1
fi
n1=$(node_of "$log1") n2=$(node_of "$log2")
rec=$(eget /skiff/$CLUSTER/nodes/$n2)
jq -e '.labels.zone == "qemu" and (.addresses | index("10.0.2.15")) and .cpu == 1024' <<<"$rec" >/dev/null &&
	pass "node record from the image's cluster object" || fail "node record" "$rec"

# skiffctl's scheduler (on the host, in this namespace) places a service
# of two tasks and a standalone task with a host port.
CTL="$SKIFF_BIN/skiffctl --endpoints $EP --cluster $CLUSTER"
[ -x "$SKIFF_BIN/skiffctl" ] || { echo "FAIL: setup: $SKIFF_BIN/skiffctl not built"; exit 1; }
$CTL scheduler --id s1 --ttl 3 >"$T_DIR/scheduler.log" 2>&1 &
T_PIDS+=($!)
cat >"$T_DIR/svc.json" <<EOT
{"family":"svc","containerDefinitions":[{"name":"main","image":"$IMAGE","memory":32,"essential":true,
 "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]}]}
EOT
cat >"$T_DIR/web.json" <<EOT
{"family":"web","containerDefinitions":[{"name":"httpd","image":"$IMAGE","memory":32,"essential":true,
 "command":["/bin/sh","-c","trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 1; done"],
 "portMappings":[{"containerPort":80,"hostPort":8080}]}]}
EOT
# TASK ids of a family RUNNING (reported and still assigned) on NODE.
running_on() {
	local k t
	curl -sf -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 /skiff/$CLUSTER/status/$1/)\",\"range_end\":\"$(b64 /skiff/$CLUSTER/status/$10)\"}" |
		jq -r '.kvs[]?.value' | while read -r k; do base64 -d <<<"$k" | jq -r 'select(.status=="RUNNING") | .task'; done |
		while read -r t; do
			eget /skiff/$CLUSTER/assign/$1/$t | jq -e --arg f "$2" '.taskDefinition.family == $f' >/dev/null && echo "$t"
		done
}
count() { # WANT FAMILY NODE...
	local want=$1 fam=$2 n=0 node
	shift 2
	for node in "$@"; do n=$((n + $(running_on "$node" "$fam" | grep -c .))); done
	[ "$n" -eq "$want" ]
}
if $CTL taskdef register "$T_DIR/svc.json" >"$T_DIR/ctl.log" 2>&1 &&
	$CTL taskdef register "$T_DIR/web.json" >>"$T_DIR/ctl.log" 2>&1 &&
	$CTL service create svc --taskdef svc --desired-count 2 >>"$T_DIR/ctl.log" 2>&1 &&
	$CTL task run web >>"$T_DIR/ctl.log" 2>&1 &&
	until_true 300 count 2 svc "$n1" "$n2" && until_true 120 count 1 web "$n1" "$n2"; then
	pass "service of two tasks and a standalone task RUNNING"
else
	fail "service of two tasks runs" "$(tail -3 "$T_DIR/ctl.log" "$T_DIR/scheduler.log")"
fi
if [ -n "$(running_on "$n1" web)" ]; then port=18080; else port=28080; fi
body=$(curl -s -m 5 http://127.0.0.1:$port/)
[ "$body" = hello-from-skiff ] && pass "task port reachable from the host (qemu --fwd + hostPort)" ||
	fail "task port reachable from the host" "got '$body' on $port"

# Kill the VM running a task of the service (node1 if both do).
if [ -n "$(running_on "$n1" svc)" ]; then
	victim=$n1 vpid=$T_DIR/q1.pid survivor=$n2 slog=$log2 smon=$T_DIR/mon2.sock
else
	victim=$n2 vpid=$T_DIR/q2.pid survivor=$n1 slog=$log1 smon=$T_DIR/mon1.sock
fi
kill -9 "$(cat "$vpid")"
t0=$SECONDS
if until_true $((TTL + 5)) node_absent "$victim"; then pass "killed node's lease expires ($((SECONDS - t0)) s)"
else fail "killed node's lease expires" "node key still there"; fi
if until_true 120 count 2 svc "$survivor"; then
	pass "service back to two running tasks on the survivor ($((SECONDS - t0)) s after the kill)"
else fail "service back to two running tasks" "$(running_on "$survivor" svc | tr '\n' ' ') $(tail -3 "$T_DIR/scheduler.log")"; fi

reg_ms=$(console_ms "$slog" 'agent: registered as')
pend_ms=$(console_ms "$slog" 'agent: task .* PENDING')
run_ms=$(console_ms "$slog" 'agent: task .* RUNNING')
echo "  $survivor: registered at ${reg_ms:-?} ms, first task RUNNING at ${run_ms:-?} ms after kernel start" \
	"(assignment seen at ${pend_ms:-?} ms: PENDING to RUNNING $((${run_ms:-0} - ${pend_ms:-0})) ms)"
[ -n "$reg_ms" ] && [ -n "$run_ms" ] && pass "console timestamps for registered and RUNNING" ||
	fail "console timestamps" "registered=$reg_ms running=$run_ms"

# Power the survivor off: its agent stops and reports its tasks, revokes its lease.
last=$(running_on "$survivor" svc | head -n1)
monitor "$smon" system_powerdown
wait_line "$slog" 'agent: stopped' 60 >/dev/null
if until_true 10 node_absent "$survivor" &&
	[ "$(eget /skiff/$CLUSTER/status/$survivor/$last | jq -r '.status + " " + .stoppedReason')" = "STOPPED UserInitiated" ]; then
	pass "shutdown stops and reports tasks and revokes the lease"
else fail "shutdown" "$(eget /skiff/$CLUSTER/status/$survivor/$last) node=$(eget /skiff/$CLUSTER/nodes/$survivor)"; fi
