#!/bin/bash
# Two nodes join one cluster with one bootstrap token over TLS, end to end
# under QEMU (TCG): etcd with TLS, --client-cert-auth and auth on; the
# scheduler on its own etcd user; skiffctl node approve --all --follow as
# the auto-approver. Each node makes its own key, joins, registers on its
# own etcd user; a service of two tasks runs; one node is removed (node
# remove): it can write nothing more and its task moves to the other.
# The token comes on the kernel command line (skiff.join_token=).
# Prints the join time from kernel start (console timestamps).
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=23479 REG_PORT=25600 C=join TTL=5
EP=https://127.0.0.1:$ETCD_PORT
P=/skiff/$C
IMAGE=10.0.2.2:$REG_PORT/busybox:latest
for tool in etcd docker-registry skopeo umoci busybox curl jq openssl; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
cd "$T_DIR" || exit 1

etcd_certs . 2 || { echo "FAIL: setup: openssl: $(tail -3 openssl.log)"; exit 1; }
etcd_start j "$T_DIR/etcd" $EP $((ETCD_PORT + 1)) etcd.log \
	--cert-file server.pem --key-file server.key --client-cert-auth --trusted-ca-file ca.pem
T_PIDS+=("$ETCD_PID")
TLS=(--cacert ca.pem --cert client.pem --key client.key)
until_true 20 curl -sf "${TLS[@]}" $EP/health || { echo "FAIL: setup: etcd: $(tail -3 etcd.log)"; exit 1; }

CTL=$SKIFF_BIN/skiffctl
mkdir -m 700 auth
"$CTL" --endpoints $EP --cluster $C "${TLS[@]}" auth init --dir auth >/dev/null ||
	{ echo "FAIL: setup: auth init"; exit 1; }
ctl() { SKIFF_ETCD_PASSWORD=$(cat auth/root.password) "$CTL" --endpoints $EP --cluster $C "${TLS[@]}" --user root "$@"; }
SKIFF_ETCD_PASSWORD=$(cat auth/scheduler.password) "$CTL" --endpoints $EP --cluster $C "${TLS[@]}" \
	--user skiff:$C:scheduler scheduler --id s1 --ttl 3 >scheduler.log 2>&1 &
T_PIDS+=($!)
ctl ca init --dir pki >/dev/null || { echo "FAIL: setup: ca init"; exit 1; }
token=$(ctl node token create --ttl 1h --labels zone=qemu) || { echo "FAIL: setup: token"; exit 1; }
ctl node approve --all --follow --dir pki >approver.log 2>&1 &
T_PIDS+=($!)

d=$T_DIR/img-src
busybox_root "$d" sh sleep
registry_start "$d" $REG_PORT
T_PIDS+=($!)
if ! image_push "$d" 127.0.0.1:$REG_PORT/busybox:latest; then
	echo "FAIL: setup: test image: $(tail -3 "$d"/*.log)"
	exit 1
fi

cat >spec.yaml <<SPEC
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
  name: $C
  endpoints: ["https://10.0.2.2:$ETCD_PORT"]
  ca_file: /etc/skiff/etcd/ca.pem
  cert_file: /etc/skiff/etcd/client.pem
  key_file: /etc/skiff/etcd/client.key
  insecure_registries: ["10.0.2.2:$REG_PORT"]
  lease_ttl_s: $TTL
files:
  - {path: /etc/skiff/etcd/ca.pem, source: ca.pem}
  - {path: /etc/skiff/etcd/client.pem, source: client.pem}
  - {path: /etc/skiff/etcd/client.key, source: client.key, mode: "0600"}
shutdown:
  grace_ms: 8000
SPEC
build_image spec.yaml img

# The token on the kernel command line (the image itself holds none).
ip_arg() { echo "ip=10.0.2.15::10.0.2.2:255.255.255.0:$1:eth0:off skiff.hostname=$1 skiff.join_token=$token"; }
log1=$T_DIR/node1.log log2=$T_DIR/node2.log
boot img "$log1" --mem 512 --pidfile q1.pid --append "$(ip_arg node1)"
boot img "$log2" --mem 512 --pidfile q2.pid --append "$(ip_arg node2)"
node_of() { tr -d '\r' <"$1" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p' | head -n1; }
if wait_line "$log1" 'agent: registered as' 240 >/dev/null && wait_line "$log2" 'agent: registered as' 240 >/dev/null; then
	pass "two nodes join with one token over TLS and register"
else
	fail "two nodes join" "$(tail -5 "$log1" "$log2" approver.log)"
	exit 1
fi
n1=$(node_of "$log1") n2=$(node_of "$log2")
b64() { printf %s "$1" | base64 -w0; }
ROOT=$(curl -s "${TLS[@]}" -X POST $EP/v3/auth/authenticate -d "{\"name\":\"root\",\"password\":\"$(cat auth/root.password)\"}" | jq -r .token)
eget() { curl -sf -m 3 "${TLS[@]}" -H "Authorization: $ROOT" -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
[ "$(eget $P/identities/$n1 | jq -r .token)" = "${token%%.*}" ] && [ "$(eget $P/identities/$n2 | jq -r .token)" = "${token%%.*}" ] &&
	grep -q "join: joined as $n1 (etcd user skiff:$C:node:$n1)" <(tr -d '\r' <"$log1") &&
	pass "each has its own identity and etcd user from the one token" ||
	fail "identities" "$(eget $P/identities/$n1) $(eget $P/identities/$n2)"
[ "$(ctl -o json node describe "$n2" | jq -r .labels.zone)" = qemu ] && pass "the token's labels on the node record" ||
	fail "labels" "$(ctl -o json node describe "$n2")"
for l in "$log1" "$log2"; do
	echo "  $(node_of "$l"): join asked at $(console_ms "$l" 'join: asking to join') ms, joined at" \
		"$(console_ms "$l" 'join: joined as') ms, registered (TLS, token) at $(console_ms "$l" 'agent: registered as') ms after kernel start"
done

cat >svc.json <<EOT
{"family":"svc","containerDefinitions":[{"name":"main","image":"$IMAGE","memory":32,"essential":true,
 "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]}]}
EOT
on() { ctl -o json task ls --service svc | jq -r --arg n "$1" '[.[] | select(.lastStatus=="RUNNING" and .desiredStatus=="RUNNING" and .node==$n)] | length'; }
ctl taskdef register svc.json >ctl.log 2>&1 && ctl service create svc --taskdef svc --desired-count 2 \
	--strategy spread:node >>ctl.log 2>&1
until_true 300 '[ "$(on "$n1")" = 1 ] && [ "$(on "$n2")" = 1 ]'
[ "$(on "$n1")" = 1 ] && [ "$(on "$n2")" = 1 ] && pass "a service of two tasks runs, one per node" ||
	fail "service runs" "$(ctl task ls; tail -3 scheduler.log)"

t0=$SECONDS
out=$(ctl node remove "$n1" 2>&1)
[ "$out" = "$n1: removed (etcd user and role deleted, certificate recorded revoked)" ] && pass "node remove" || fail "node remove" "$out"
until_true 120 '[ "$(on "$n2")" = 2 ] && [ "$(on "$n1")" = 0 ]'
[ "$(on "$n2")" = 2 ] && [ "$(on "$n1")" = 0 ] && pass "the removed node's task moves: both tasks run on the other ($((SECONDS - t0)) s)" ||
	fail "tasks move" "$(ctl task ls)"
sleep $((TTL + 2))
[ -z "$(eget $P/nodes/$n1)" ] && tr -d '\r' <"$log1" | grep -q "agent: .*\(invalid auth token\|authentication failed\|permission denied\)" &&
	pass "the removed node cannot write anything (its record stays gone; its agent is refused)" ||
	fail "removed node writes" "record='$(eget $P/nodes/$n1)' $(tail -n3 "$log1")"
