#!/bin/bash
# The main job, end to end on one machine: build a node image, start a
# local cluster (etcd over TLS with client certificates and auth on, a
# docker-registry holding a sample image, the scheduler on its own etcd
# user), boot the node under QEMU with a bootstrap token, watch it join and
# register, run a sample service on it, fetch its web page through a port
# forward, and show it all with skiffctl. Everything runs in a network namespace of its own
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
ETCD=https://127.0.0.1:2379
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

step "etcd's certificates (openssl): the server's for 127.0.0.1 and 10.0.2.2, one for clients"
# The client certificate has no CN (see etcd_certs in tests/lib.sh).
tls=$out/etcd-tls
mkdir -p "$tls"
etcd_certs "$tls" 30 || { echo "demo: openssl: $(tail -3 "$tls/openssl.log")" >&2; exit 1; }
echo "   $tls/{ca,server,client}.pem"

step "starting etcd (TLS, --client-cert-auth) and a registry (127.0.0.1, this namespace only)"
etcd_start demo "$out/etcd" $ETCD 2380 "$out/etcd.log" \
	--cert-file "$tls/server.pem" --key-file "$tls/server.key" --client-cert-auth --trusted-ca-file "$tls/ca.pem"
pids+=("$ETCD_PID")
registry_start "$out" 5000
pids+=($!)
ecurl() { curl -sf --cacert "$tls/ca.pem" --cert "$tls/client.pem" --key "$tls/client.key" "$@"; }
until_true 30 ecurl $ETCD/health || { echo "demo: etcd did not start: $(tail -3 "$out/etcd.log")" >&2; exit 1; }
until_true 30 curl -sf http://127.0.0.1:5000/v2/ || { echo "demo: registry did not start" >&2; exit 1; }

step "etcd auth on, with root and the scheduler's own user (skiffctl auth init)"
mkdir -m 700 "$out/auth"
ctl_opts=(--endpoints $ETCD --cluster demo --cacert "$tls/ca.pem" --cert "$tls/client.pem" --key "$tls/client.key")
"$bin/skiffctl" "${ctl_opts[@]}" auth init --dir "$out/auth"
# skiffctl as the operator from here on: a config file (0600) with root.
(umask 077 && jq -n --arg e $ETCD --arg ca "$tls/ca.pem" --arg c "$tls/client.pem" --arg k "$tls/client.key" \
	--arg pw "$(cat "$out/auth/root.password")" \
	'{endpoints:[$e],cluster:"demo",cacert:$ca,cert:$c,key:$k,user:"root",password:$pw}' >"$out/skiffctl.json")
export HOME=$out/home
mkdir -p "$HOME/.config/skiff"
cp "$out/skiffctl.json" "$HOME/.config/skiff/skiffctl.json"
SKIFF_ETCD_PASSWORD=$(cat "$out/auth/scheduler.password") \
	"$bin/skiffctl" --user skiff:demo:scheduler scheduler --id demo-scheduler >"$out/scheduler.log" 2>&1 &
pids+=($!)

step "the cluster's CA (skiffctl ca) and the operator's certificate for the node API"
export SKIFF_PKI=$out/pki
"$bin/skiffctl" ca init
"$bin/skiffctl" ca issue operator demo
export SKIFF_API_CACERT=$SKIFF_PKI/ca.crt SKIFF_API_CERT=$SKIFF_PKI/demo.crt SKIFF_API_KEY=$SKIFF_PKI/demo.key

step "a bootstrap token for the node (skiffctl node token create)"
token=$("$bin/skiffctl" node token create --ttl 1h --description "make demo")
echo "   $token"
"$bin/skiffctl" node token ls | sed 's/^/   /'
# The auto-approver: answers every join request (it holds root and the CA key).
"$bin/skiffctl" node approve --all --follow >"$out/approver.log" 2>&1 &
pids+=($!)

step "building the node image (examples/node.yaml with etcd over TLS and the token)"
awk -v tok="$token" '
	/^  endpoints: /{print "  endpoints: [\"https://10.0.2.2:2379\"]"
		print "  ca_file: /etc/skiff/etcd/ca.pem"
		print "  cert_file: /etc/skiff/etcd/client.pem"
		print "  key_file: /etc/skiff/etcd/client.key"
		print "  join_token: " tok; next}
	{print}' examples/node.yaml >"$out/node.yaml"
cat >>"$out/node.yaml" <<SPEC
files:
  - {path: /etc/skiff/etcd/ca.pem, source: etcd-tls/ca.pem}
  - {path: /etc/skiff/etcd/client.pem, source: etcd-tls/client.pem}
  - {path: /etc/skiff/etcd/client.key, source: etcd-tls/client.key, mode: "0600"}
SPEC
grep -A9 '^cluster:' "$out/node.yaml" | sed 's/^/   /'
"$bin/skiff-imagegen" build "$out/node.yaml" -o "$out/node"

step "making the sample image demo/web (busybox httpd) and pushing it"
img=$out/image
busybox_root "$img" sh httpd sleep cat
mkdir -p "$img/root/www"
echo "hello from a Skiff node" >"$img/root/www/index.html"
image_push "$img" 127.0.0.1:5000/demo/web:latest ||
	{ echo "demo: pushing demo/web failed: $(tail -3 "$img"/*.log)" >&2; exit 1; }

step "booting the node under QEMU (console: $out/console.log)"
qemu/run --log "$out/console.log" --monitor "$out/mon.sock" --mem 512 --fwd 8080:8080 --fwd 7443:7443 \
	--timeout 900 "$out/node" >"$out/qemu.log" 2>&1 &
qemu=$!
pids+=($qemu)
qemu/wait-for "$out/console.log" 'init: ready' 120 >/dev/null
qemu/wait-for "$out/console.log" 'agent: registered as' 180 >/dev/null
tr -d '\r' <"$out/console.log" | grep -E 'init: (ready|network up)|join: |agent: registered' | sed 's/^/   /'
sed 's/^/   /' "$out/approver.log"

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
echo "   join: asking         $(stamp "$out/console.log" 'join: asking to join') s"
echo "   join: joined         $(stamp "$out/console.log" 'join: joined as') s"
echo "   agent: registered    $(stamp "$out/console.log" 'agent: registered as') s (TLS, its own etcd user)"
echo "   first task RUNNING   $(stamp "$out/console.log" 'agent: task .* RUNNING') s"

step "shutting the node down (ACPI power button): the agent stops its task and leaves the cluster"
printf 'system_powerdown\n' | socat - "unix-connect:$out/mon.sock" >/dev/null
wait "$qemu" || true
"$bin/skiffctl" task ls
echo
echo "demo: done. Logs and the image are in $out/"
