#!/bin/bash
# etcd over TLS with client certificates, end to end, on loopback: a CA, a
# server certificate for IP 127.0.0.1, RSA and EC client certificates made
# with openssl; etcd with --client-cert-auth. skiffctl and skiff-agent
# verify the server and present their certificates; missing, untrusted and
# mismatched certificates fail with errors that say why.
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
AGENT=$SKIFF_BIN/skiff-agent
PORT=23870
E=https://127.0.0.1:$PORT
TD=$SKIFF_TOP/examples/taskdefs
for tool in etcd openssl curl jq; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
cd "$T_DIR" || exit 1

# --- certificates
# sign NAME CA EXTENSIONS [KEY-ALGORITHM]: NAME.key and NAME.pem signed by CA.
sign() {
	local name=$1 ca=$2 ext=$3 alg=${4:-rsa:2048}
	openssl req -new -newkey "$alg" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" &&
		openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days 2 \
			-out "$name.pem" -extfile <(printf '%s\n' "$ext")
}
make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1"
}
CLIENT_EXT='extendedKeyUsage=clientAuth'
{
	make_ca ca && make_ca otherca &&
		# etcd's JSON gateway dials etcd with the server certificate: clientAuth too
		sign server ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth" &&
		sign wrongip ca "subjectAltName=IP:127.0.0.2
extendedKeyUsage=serverAuth" &&
		sign ctl ca "$CLIENT_EXT" &&
		sign stranger otherca "$CLIENT_EXT" &&
		sign node-a ca "$CLIENT_EXT" &&
		openssl ecparam -name prime256v1 -genkey -out node-b.key &&
		openssl req -new -key node-b.key -out node-b.csr -subj /CN=node-b &&
		openssl x509 -req -in node-b.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-out node-b.pem -extfile <(printf '%s\n' "$CLIENT_EXT") &&
		openssl rsa -in node-a.key -traditional -out node-a.rsa.key
} >openssl.log 2>&1 || { echo "FAIL: setup: openssl: $(tail -3 openssl.log)"; exit 1; }
grep -q "BEGIN PRIVATE KEY" ctl.key && grep -q "BEGIN RSA PRIVATE KEY" node-a.rsa.key &&
	grep -q "BEGIN EC PARAMETERS" node-b.key && pass "keys in PKCS#8, PKCS#1 and SEC 1 (after EC PARAMETERS)" ||
	fail "key formats" "$(head -n1 ctl.key node-a.rsa.key node-b.key)"

etcd_start tls "$T_DIR/etcd" $E $((PORT + 1)) etcd.log \
	--cert-file server.pem --key-file server.key --client-cert-auth --trusted-ca-file ca.pem
T_PIDS+=("$ETCD_PID")
ecurl() { curl -sf -m 5 --cacert ca.pem --cert ctl.pem --key ctl.key "$@"; }
until_true 10 ecurl $E/health
ecurl $E/health >/dev/null || { echo "FAIL: setup: etcd did not start: $(tail -3 etcd.log)"; exit 1; }

rc_of() { "$@" >out 2>err; echo $?; }
ctl() { "$CTL" --endpoints $E --cluster tls "$@"; }
TLS=(--cacert ca.pem --cert ctl.pem --key ctl.key)

# --- skiffctl with a CA and a client certificate
out=$(ctl "${TLS[@]}" taskdef register "$TD/web.json" 2>&1)
[ "$out" = web:1 ] && pass "taskdef register over TLS with an RSA client certificate" ||
	fail "register over TLS" "$out"
ctl "${TLS[@]}" taskdef ls >ls 2>&1
grep -Eq '^web:1 +ACTIVE' ls && pass "taskdef ls over TLS" || fail "taskdef ls over TLS" "$(cat ls)"
out=$(ctl --cacert ca.pem --cert node-b.pem --key node-b.key taskdef describe web 2>&1 | jq -r .revision)
[ "$out" = 1 ] && pass "an EC client certificate works too" || fail "EC client certificate" "$out"
out=$(SKIFF_ETCD_CERT=ctl.pem SKIFF_ETCD_KEY=ctl.key ctl --cacert ca.pem -o json taskdef ls 2>&1 | jq -r '.[0].family')
[ "$out" = web ] && pass "certificate and key from SKIFF_ETCD_CERT/SKIFF_ETCD_KEY" || fail "env cert" "$out"
echo "{\"endpoints\":[\"$E\"],\"cluster\":\"tls\",\"cacert\":\"$T_DIR/ca.pem\",\"cert\":\"$T_DIR/ctl.pem\",\"key\":\"$T_DIR/ctl.key\"}" >cfg.json
out=$(HOME=/nonexistent "$CTL" --config cfg.json -o json taskdef ls 2>&1 | jq -r '.[0].family')
[ "$out" = web ] && pass "cacert, cert and key from the config file" || fail "config cert" "$out"

# --- failures
rc=$(rc_of ctl --cacert ca.pem taskdef ls)
[ "$rc" = 111 ] && grep -q "TLS: handshake failed: the server requires a client certificate" err &&
	pass "no client certificate: TLS handshake error, exit 111" || fail "no client certificate" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert otherca.pem --cert ctl.pem --key ctl.key taskdef ls)
[ "$rc" = 111 ] && grep -q "TLS: certificate not trusted (CA bundle otherca.pem)" err &&
	pass "wrong CA: certificate not trusted, exit 111" || fail "wrong CA" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert stranger.pem --key stranger.key taskdef ls)
[ "$rc" = 111 ] && grep -q "the server rejected the client certificate (alert 42 bad_certificate)" err &&
	pass "client certificate of another CA: rejected, exit 111" || fail "stranger certificate" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key node-b.key taskdef ls)
[ "$rc" = 2 ] && grep -q "client key node-b.key does not match certificate ctl.pem" err &&
	pass "key of another certificate: refused before connecting, exit 2" || fail "key mismatch" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key node-a.key taskdef ls)
[ "$rc" = 2 ] && grep -q "does not match" err && pass "RSA key of another RSA certificate: refused" ||
	fail "RSA key mismatch" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key ctl.csr taskdef ls)
[ "$rc" = 2 ] && grep -q "client key ctl.csr: not PEM (no PRIVATE KEY block)" err &&
	pass "a file without a key: named, exit 2" || fail "not a key" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.key --key ctl.key taskdef ls)
[ "$rc" = 2 ] && grep -q "client certificate ctl.key: not PEM (no CERTIFICATE block)" err &&
	pass "a file without a certificate: named, exit 2" || fail "not a certificate" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key nonexistent.key taskdef ls)
[ "$rc" = 2 ] && grep -q "client key: open nonexistent.key: No such file" err &&
	pass "unreadable key: named, exit 2" || fail "unreadable key" "rc=$rc $(cat err)"
openssl pkcs8 -topk8 -in ctl.key -passout pass:pw -out enc.key 2>/dev/null
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key enc.key taskdef ls)
[ "$rc" = 2 ] && grep -q "client key enc.key: encrypted keys are not supported" err &&
	pass "encrypted key: refused, exit 2" || fail "encrypted key" "rc=$rc $(cat err)"
openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem --key ed.key taskdef ls)
[ "$rc" = 2 ] && grep -q "client key ed.key: key type unsupported" err &&
	pass "Ed25519 key: type unsupported, exit 2" || fail "Ed25519 key" "rc=$rc $(cat err)"
rc=$(rc_of ctl --cacert ca.pem --cert ctl.pem taskdef ls)
[ "$rc" = 2 ] && grep -q -- "--cert and --key go together" err && pass "--cert without --key: usage error" ||
	fail "cert without key" "rc=$rc $(cat err)"

# A server whose certificate names another IP address (IP names are checked
# by lib/http, not BearSSL).
WPORT=$((PORT + 5))
openssl s_server -quiet -accept 127.0.0.1:$WPORT -cert wrongip.pem -key wrongip.key \
	>s_server.log 2>&1 &
T_PIDS+=($!)
until_true 5 "(exec 3<>/dev/tcp/127.0.0.1/$WPORT)"
rc=$(rc_of "$CTL" --endpoints https://127.0.0.1:$WPORT "${TLS[@]}" taskdef ls)
[ "$rc" = 111 ] && grep -q "TLS: certificate does not match the host name" err &&
	pass "certificate for another IP address: refused, exit 111" || fail "IP name check" "rc=$rc $(cat err)"

# --- skiff-agent: node-a from node.json (PKCS#1 RSA key), node-b from flags (EC key)
cat >node-a.json <<EOF
{"cluster":{"name":"tls","endpoints":["$E"],"ca_file":"$T_DIR/ca.pem",
 "cert_file":"$T_DIR/node-a.pem","key_file":"$T_DIR/node-a.rsa.key"}}
EOF
start_agent() {
	local n=$1
	shift
	"$AGENT" --node-id "$n" --data "$T_DIR/$n/data" --run "$T_DIR/$n/run" --cpu 1024 --memory 512 \
		--lease-ttl 3 --bridge sktls0 --bridge-subnet 172.30.19.1/24 "$@" >>"$T_DIR/$n.log" 2>&1 &
	T_PIDS+=($!)
}
start_agent node-a --config node-a.json
start_agent node-b --endpoints $E --cluster tls --cacert ca.pem --cert node-b.pem --key node-b.key
nodes() { ctl "${TLS[@]}" -o json node ls 2>/dev/null | jq -r '[.[].id] | sort | join(" ")'; }
until_true 10 '[ "$(nodes)" = "node-a node-b" ]'
[ "$(nodes)" = "node-a node-b" ] && pass "two agents register over TLS (node.json and flags)" ||
	fail "agents register" "nodes='$(nodes)' $(tail -n2 node-a.log node-b.log)"
grep -q "agent: registered as node-b" node-b.log && pass "registered line" || fail "registered line" "$(tail -n2 node-b.log)"

# The assignment watch is a second TLS connection: a malformed assignment
# comes back as a STOPPED status through it.
b64() { printf %s "$1" | base64 -w0; }
ecurl -X POST $E/v3/kv/put -d "{\"key\":\"$(b64 /skiff/tls/assign/node-b/t1)\",\"value\":\"$(b64 '{"task":"t1","desiredStatus":"RUNNING","taskDefinition":{"family":"t","revision":1,"containerDefinitions":[{"name":"main"}]}}')\"}" >/dev/null
status() { ecurl -X POST $E/v3/kv/range -d "{\"key\":\"$(b64 /skiff/tls/status/node-b/t1)\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
until_true 10 '[ -n "$(status)" ]'
[ "$(status | jq -r '.status + " " + .stoppedReason')" = "STOPPED TaskFailedToStart" ] &&
	pass "agent watch over TLS: assignment seen, status reported" || fail "agent watch" "'$(status)' $(tail -n3 node-b.log)"

rc=$(rc_of "$AGENT" --endpoints $E --cluster tls --node-id x --cacert ca.pem --cert node-b.pem)
[ "$rc" = 2 ] && grep -q "give both cert_file and key_file" err && pass "agent: --cert without --key, exit 2" ||
	fail "agent cert without key" "rc=$rc $(cat err)"
