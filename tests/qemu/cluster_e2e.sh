#!/bin/bash
# End to end: two node images boot under QEMU (TCG) and register with an
# etcd running in this test's network namespace (the guests reach it at
# 10.0.2.2 through QEMU's user network); a service of two tasks from a
# local docker-registry runs, one per node; one VM is killed, its lease
# expires and the service is back to two running tasks on the survivor,
# whose HTTP ports answer through qemu/run --fwd. The survivor then powers
# off: its agent stops and reports its tasks and revokes its lease.
#
# ctl/'s scheduler is not used yet: this script plays the scheduler's part
# (assignments written to etcd's JSON API; the lost node's task moved).
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
until_true() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}
task_is() { [ "$(eget /skiff/$CLUSTER/status/$1/$2 | jq -r .status)" = "$3" ]; }
node_absent() { [ -z "$(eget /skiff/$CLUSTER/nodes/$1)" ]; }

etcd --name e --data-dir "$T_DIR/etcd" --listen-client-urls $EP --advertise-client-urls $EP \
	--listen-peer-urls http://127.0.0.1:23380 --initial-advertise-peer-urls http://127.0.0.1:23380 \
	--initial-cluster e=http://127.0.0.1:23380 >"$T_DIR/etcd.log" 2>&1 &
T_PIDS+=($!)
until_true 20 curl -sf $EP/health || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }

d=$T_DIR/img-src
mkdir -p "$d/root/bin" "$d/root/www" "$d/registry"
cp "$(command -v busybox)" "$d/root/bin/busybox"
for a in sh sleep cat echo httpd; do ln -s busybox "$d/root/bin/$a"; done
echo hello-from-skiff >"$d/root/www/index.html"
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
	"$d/registry" $REG_PORT >"$d/reg.yml"
docker-registry serve "$d/reg.yml" >"$d/registry.log" 2>&1 &
T_PIDS+=($!)
if ! (cd "$d" && umoci init --layout oci && umoci new --image oci:bb &&
	umoci unpack --image oci:bb bundle && cp -a root/. bundle/rootfs/ &&
	umoci repack --image oci:bb bundle &&
	umoci config --image oci:bb --config.cmd=/bin/sh --config.env=PATH=/bin) >"$d/umoci.log" 2>&1 ||
	! until_true 10 curl -sf http://127.0.0.1:$REG_PORT/v2/ ||
	! skopeo copy --dest-tls-verify=false oci:"$d/oci:bb" docker://127.0.0.1:$REG_PORT/busybox:latest >"$d/skopeo.log" 2>&1; then
	echo "FAIL: setup: test image: $(tail -3 "$d"/*.log)"
	exit 1
fi

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: node
kernel:
  modules: [virtio_net, overlay, bridge, veth, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
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
boot "$T_DIR/img" "$log1" --mem 512 --pidfile "$T_DIR/q1.pid" --append "$(ip_arg node1)" \
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

# The service "web", two tasks; the scheduler's part is played here.
assign() { # NODE TASK HOSTPORT
	eput /skiff/$CLUSTER/tasks/$2 "{\"id\":\"$2\",\"taskDefinition\":\"web:1\",\"service\":\"web\",\"desiredStatus\":\"RUNNING\",\"node\":\"$1\"}"
	eput /skiff/$CLUSTER/assign/$1/$2 "{\"task\":\"$2\",\"desiredStatus\":\"RUNNING\",\"taskDefinition\":{\"family\":\"web\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"httpd\",\"image\":\"$IMAGE\",\"essential\":true,\"memory\":64,\"command\":[\"/bin/sh\",\"-c\",\"trap 'exit 0' TERM; httpd -p 80 -h /www; while :; do sleep 1; done\"],\"portMappings\":[{\"containerPort\":80,\"hostPort\":$3}]}]}}"
}
assign "$n1" web-1 8080
assign "$n2" web-2 8081
if until_true 300 task_is "$n1" web-1 RUNNING && until_true 120 task_is "$n2" web-2 RUNNING; then
	pass "service of two tasks runs, one per node"
else
	fail "service of two tasks runs" "$(eget /skiff/$CLUSTER/status/$n1/web-1) $(eget /skiff/$CLUSTER/status/$n2/web-2)"
fi
body=$(curl -s -m 5 http://127.0.0.1:18080/)
[ "$body" = hello-from-skiff ] && pass "task port reachable from the host (qemu --fwd + hostPort)" ||
	fail "task port reachable from the host" "got '$body'"

kill -9 "$(cat "$T_DIR/q1.pid")"
t0=$SECONDS
if until_true $((TTL + 5)) node_absent "$n1"; then pass "killed node's lease expires ($((SECONDS - t0)) s)"
else fail "killed node's lease expires" "node key still there"; fi
edel /skiff/$CLUSTER/assign/$n1/web-1
assign "$n2" web-1 8080
if until_true 120 task_is "$n2" web-1 RUNNING && task_is "$n2" web-2 RUNNING; then
	pass "service back to two running tasks on the survivor"
else fail "service back to two running tasks" "$(eget /skiff/$CLUSTER/status/$n2/web-1)"; fi
b1=$(curl -s -m 5 http://127.0.0.1:28080/) b2=$(curl -s -m 5 http://127.0.0.1:28081/)
[ "$b1$b2" = hello-from-skiffhello-from-skiff ] && pass "both tasks answer on the survivor" ||
	fail "both tasks answer on the survivor" "got '$b1' '$b2'"

reg_ms=$(console_ms "$log2" 'agent: registered as')
run_ms=$(console_ms "$log2" 'agent: task web-2 RUNNING')
echo "  node2: registered at ${reg_ms:-?} ms, first task RUNNING at ${run_ms:-?} ms after kernel start"
[ -n "$reg_ms" ] && [ -n "$run_ms" ] && pass "console timestamps for registered and RUNNING" ||
	fail "console timestamps" "registered=$reg_ms running=$run_ms"

monitor "$T_DIR/mon2.sock" system_powerdown
wait_line "$log2" 'agent: stopped' 60 >/dev/null
if until_true 10 node_absent "$n2" &&
	[ "$(eget /skiff/$CLUSTER/status/$n2/web-1 | jq -r '.status + " " + .stoppedReason')" = "STOPPED UserInitiated" ]; then
	pass "shutdown stops and reports tasks and revokes the lease"
else fail "shutdown" "$(eget /skiff/$CLUSTER/status/$n2/web-1) node=$(eget /skiff/$CLUSTER/nodes/$n2)"; fi
