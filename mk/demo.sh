#!/bin/bash
# The main job, end to end on one machine: build a node image, start a
# local cluster (etcd, a docker-registry holding a sample image, the
# scheduler), boot the node under QEMU, watch it register, run a sample
# service on it, fetch its web page through a port forward, and show it
# all with skiffctl. Everything runs in a network namespace of its own
# that holds only loopback; the guest reaches it through QEMU's user-mode
# network (10.0.2.2).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ -z "${SKIFF_DEMO_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_DEMO_NETNS=1 SKIFF_NETNS_PRIVATE=1 bash -c 'ip link set lo up && exec "$0"' "$0"
fi

out=$top/build/demo
rm -rf "$out"
mkdir -p "$out"
bin=$top/build/bin
ETCD=http://127.0.0.1:2379
export SKIFF_ENDPOINTS=$ETCD SKIFF_CLUSTER=demo
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
SKIFF_LIB_HELPERS_ONLY=1 . "$top/tests/lib.sh" # until_true
stamp() { tr -d '\r' <"$1" | grep -E -m1 -- "$2" | sed -nE 's/^\[ *([0-9]+\.[0-9]{3})\].*/\1/p'; }

step "the cluster's CA, the node's and an operator's certificate (skiffctl ca)"
export SKIFF_PKI=$out/pki
"$bin/skiffctl" ca init
"$bin/skiffctl" ca issue node node
"$bin/skiffctl" ca issue operator demo
export SKIFF_API_CACERT=$SKIFF_PKI/ca.crt SKIFF_API_CERT=$SKIFF_PKI/demo.crt SKIFF_API_KEY=$SKIFF_PKI/demo.key

step "building the node image (examples/node.yaml with the node API on)"
api='  api: {port: 7443, ca_file: /etc/skiff/pki/ca.crt, cert_file: /etc/skiff/pki/node.crt, key_file: /etc/skiff/pki/node.key}'
awk -v api="$api" '{print} /^  labels: /{print api}' examples/node.yaml >"$out/node.yaml"
cat >>"$out/node.yaml" <<SPEC
files:
  - {path: /etc/skiff/pki/ca.crt, source: pki/ca.crt}
  - {path: /etc/skiff/pki/node.crt, source: pki/node.crt}
  - {path: /etc/skiff/pki/node.key, source: pki/node.key, mode: "0600"}
SPEC
"$bin/skiff-imagegen" build "$out/node.yaml" -o "$out/node"

step "starting etcd, a registry and the scheduler (127.0.0.1, this namespace only)"
etcd --name demo --data-dir "$out/etcd" --listen-client-urls $ETCD --advertise-client-urls $ETCD \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster demo=http://127.0.0.1:2380 >"$out/etcd.log" 2>&1 &
pids+=($!)
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:5000}\n' \
	"$out/registry" >"$out/registry.yml"
docker-registry serve "$out/registry.yml" >"$out/registry.log" 2>&1 &
pids+=($!)
until_true 30 curl -sf $ETCD/health || { echo "demo: etcd did not start: $(tail -3 "$out/etcd.log")" >&2; exit 1; }
until_true 30 curl -sf http://127.0.0.1:5000/v2/ || { echo "demo: registry did not start" >&2; exit 1; }
"$bin/skiffctl" scheduler --id demo-scheduler >"$out/scheduler.log" 2>&1 &
pids+=($!)

step "making the sample image demo/web (busybox httpd) and pushing it"
img=$out/image
mkdir -p "$img/root/bin" "$img/root/www"
cp "$(command -v busybox)" "$img/root/bin/busybox"
for a in sh httpd sleep cat; do ln -s busybox "$img/root/bin/$a"; done
echo "hello from a Skiff node" >"$img/root/www/index.html"
(cd "$img" && umoci init --layout oci && umoci new --image oci:web &&
	umoci unpack --image oci:web bundle && cp -a root/. bundle/rootfs/ &&
	umoci repack --image oci:web bundle &&
	umoci config --image oci:web --config.cmd=/bin/sh --config.env=PATH=/bin) >"$out/umoci.log" 2>&1
skopeo copy -q --dest-tls-verify=false "oci:$img/oci:web" docker://127.0.0.1:5000/demo/web:latest

step "booting the node under QEMU (console: $out/console.log)"
qemu/run --log "$out/console.log" --monitor "$out/mon.sock" --mem 512 --fwd 8080:8080 --fwd 7443:7443 \
	--timeout 900 "$out/node" >"$out/qemu.log" 2>&1 &
qemu=$!
pids+=($qemu)
qemu/wait-for "$out/console.log" 'init: ready' 120 >/dev/null
qemu/wait-for "$out/console.log" 'agent: registered as' 120 >/dev/null
tr -d '\r' <"$out/console.log" | grep -E 'init: (ready|network up)|agent: registered' | sed 's/^/   /'

step "skiffctl node ls"
"$bin/skiffctl" node ls

step "registering the task definition and creating service web (desired count 1)"
"$bin/skiffctl" taskdef register examples/taskdefs/demo-web.json
"$bin/skiffctl" service create web --taskdef demo-web --desired-count 1
running() { "$bin/skiffctl" -o json task ls | jq -e 'map(select(.lastStatus == "RUNNING")) | length >= 1'; }
if ! until_true 300 running; then
	echo "demo: the task did not reach RUNNING; scheduler log:" >&2
	tail -5 "$out/scheduler.log" >&2
	exit 1
fi

step "skiffctl service ls; skiffctl task ls"
"$bin/skiffctl" service ls
"$bin/skiffctl" task ls

step "the task's web page through QEMU's port forward (host 127.0.0.1:8080 -> node 8080 -> container 80)"
until_true 30 curl -sf http://127.0.0.1:8080/ || true
curl -s -m 5 http://127.0.0.1:8080/ | sed 's/^/   /'

step "no shell on the node: exec, its log and its state through the node API (mutual TLS)"
node=$("$bin/skiffctl" -o json node ls | jq -r '.[0].id')
task=$("$bin/skiffctl" -o json task ls | jq -r 'map(select(.lastStatus == "RUNNING"))[0].id')
api=(--addr 127.0.0.1:7443) # the forward; inside the node's network its record's address works
echo "   \$ skiffctl task exec $task -- cat /www/index.html"
"$bin/skiffctl" task exec "$task" "${api[@]}" -- cat /www/index.html | sed 's/^/   /'
echo "   \$ skiffctl node logs $node --tail 4"
"$bin/skiffctl" node logs "$node" "${api[@]}" --tail 4 | sed 's/^/   /'
echo "   \$ skiffctl node top $node"
"$bin/skiffctl" node top "$node" "${api[@]}" | sed 's/^/   /'
echo "   \$ skiffctl events"
"$bin/skiffctl" events | sed 's/^/   /'

step "timings (kernel start = 0, from the console)"
echo "   init: ready          $(stamp "$out/console.log" 'init: ready') s"
echo "   agent: registered    $(stamp "$out/console.log" 'agent: registered as') s"
echo "   first task RUNNING   $(stamp "$out/console.log" 'agent: task .* RUNNING') s"

step "shutting the node down (ACPI power button): the agent stops its task and leaves the cluster"
printf 'system_powerdown\n' | socat - "unix-connect:$out/mon.sock" >/dev/null
wait "$qemu" || true
"$bin/skiffctl" task ls
echo
echo "demo: done. Logs and the image are in $out/"
