#!/bin/bash
# Least privilege in etcd, with real etcd (TLS, --client-cert-auth, auth
# on): skiffctl auth init makes root and the scheduler's user; each node
# gets its own user (skiffctl node credentials) whose role allows only its
# nodes/<id> record, its status/<id>/ and reading its assign/<id>/ and
# updates/<id>. The
# agents run on those users alone (register, watch, report), the
# scheduler on its own (places a task with a secret). Then the permission
# matrix: every operation of a node on another's keys or on the cluster's
# definitions and secrets is tried with that node's token, must be refused
# (403, permission denied) and must change nothing (read back as root).
# Bootstrap tokens: create, ls, verify, expiry, revoke, and what the
# join-only user of a token may touch. node remove: the node's token
# stops working at once. Joining: an agent with a token makes its key,
# asks, is approved, runs on its own user; replays, a second machine,
# expired and revoked tokens get nothing.
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
AGENT=$SKIFF_BIN/skiff-agent
PORT=23890
E=https://127.0.0.1:$PORT
C=rbac
P=/skiff/$C
for tool in etcd openssl curl jq; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
cd "$T_DIR" || exit 1

# The transport certificates have no CN (etcd_certs); cnclient has one, to
# show what etcd 3.4's gateway says to it.
etcd_certs . 2 cnclient /CN=node-a || { echo "FAIL: setup: openssl: $(tail -3 openssl.log)"; exit 1; }

etcd_start rbac "$T_DIR/etcd" $E $((PORT + 1)) etcd.log \
	--cert-file server.pem --key-file server.key --client-cert-auth --trusted-ca-file ca.pem
T_PIDS+=("$ETCD_PID")
TLS=(--cacert ca.pem --cert client.pem --key client.key)
ecurl() { curl -s -m 5 "${TLS[@]}" "$@"; }
until_true 10 ecurl -f $E/health
ecurl -f $E/health >/dev/null || { echo "FAIL: setup: etcd did not start: $(tail -3 etcd.log)"; exit 1; }

ctl() { "$CTL" --endpoints $E --cluster $C "${TLS[@]}" "$@"; }
root() { SKIFF_ETCD_PASSWORD=$(cat auth/root.password) ctl --user root "$@"; }
rc_of() { "$@" >out 2>err; echo $?; }

# --- auth init, node credentials
mkdir -m 700 auth
out=$(ctl auth init --dir auth 2>&1)
[ "$(stat -c %a auth/root.password auth/scheduler.password | sort -u)" = 600 ] &&
	grep -q "etcd auth on" <<<"$out" && pass "auth init: root and scheduler passwords written 0600" ||
	fail "auth init" "$out"
rc=$(rc_of ctl taskdef ls)
[ "$rc" = 1 ] && grep -q "etcdserver: permission denied" err && pass "auth on: a client without a user is refused" ||
	fail "no user refused" "rc=$rc $(cat err)"
rc=$(rc_of ctl auth init --dir auth)
[ "$rc" = 2 ] && grep -q "auth init: auth already holds passwords" err &&
	pass "auth init twice: refused, files kept" || fail "auth init twice" "rc=$rc $(cat err)"
rc=$(rc_of ctl node credentials node-a)
[ "$rc" = 1 ] && grep -q "add etcd role skiff:rbac:node:node-a: etcd: etcdserver: user name is empty" err &&
	pass "node credentials without root: refused, named" || fail "credentials need root" "rc=$rc $(cat err)"
for n in node-a node-b; do
	root node credentials $n --out $n.password >>cred.out 2>&1 ||
		{ echo "FAIL: setup: credentials $n: $(cat cred.out)"; exit 1; }
done
[ "$(stat -c %a node-a.password node-b.password | sort -u)" = 600 ] &&
	grep -qx "node-b: etcd user skiff:rbac:node:node-b, password in node-b.password" cred.out &&
	pass "node credentials: a password file per node, 0600" || fail "credentials" "$(cat cred.out)"
rc=$(rc_of "$CTL" --endpoints $E --cluster $C --cacert ca.pem --cert cnclient.pem --key cnclient.key \
	--user root taskdef ls)
[ "$rc" = 1 ] && grep -q "etcd refuses a client certificate with a common name when auth is on" err &&
	pass "a client certificate with a CN: etcd's refusal explained" || fail "CN certificate" "rc=$rc $(cat err)"

# --- the agents on their own users, the scheduler on its own
start_agent() {
	local n=$1
	"$AGENT" --node-id $n --data "$T_DIR/$n/data" --run "$T_DIR/$n/run" --cpu 1024 --memory 512 \
		--lease-ttl 3 --bridge skrbac0 --bridge-subnet 172.30.23.1/24 --endpoints $E --cluster $C \
		"${TLS[@]}" --password-file $n.password >>"$T_DIR/$n.log" 2>&1 &
	T_PIDS+=($!)
}
start_agent node-a
start_agent node-b
nodes() { root -o json node ls 2>/dev/null | jq -r '[.[] | select(.status=="ACTIVE") | .id] | sort | join(" ")'; }
until_true 15 '[ "$(nodes)" = "node-a node-b" ]'
[ "$(nodes)" = "node-a node-b" ] && pass "agents register with their own etcd users" ||
	fail "agents register" "nodes='$(nodes)' $(tail -n3 node-a.log node-b.log)"
SCHED_USER=skiff:$C:scheduler
SKIFF_ETCD_PASSWORD=$(cat auth/scheduler.password) "$CTL" --endpoints $E --cluster $C "${TLS[@]}" \
	--user $SCHED_USER scheduler --ttl 3 >sched.log 2>&1 &
T_PIDS+=($!)
# A registry that accepts and never answers: the task stays PULLING, its
# assignment (with the secret) stays in place while the matrix runs.
socat TCP-LISTEN:$((PORT + 7)),bind=127.0.0.1,fork,reuseaddr SYSTEM:'sleep 120' >/dev/null 2>&1 &
T_PIDS+=($!)
cat >sec.json <<EOT
{"family":"sec","containerDefinitions":[{"name":"main","image":"127.0.0.1:$((PORT + 7))/none:1","memory":32,
 "secrets":[{"name":"DB_PASS","valueFrom":"db-pass"}]}]}
EOT
printf 'correct-horse-battery' | root secret put db-pass >/dev/null &&
	root taskdef register sec.json >/dev/null || { echo "FAIL: setup: register"; exit 1; }
task=$(root task run sec 2>&1)
placed() { root -o json task describe "$task" 2>/dev/null | jq -er '.node // empty'; }
until_true 20 placed
HOLDER=$(placed)
case $HOLDER in node-a) OTHER=node-b ;; node-b) OTHER=node-a ;; *) OTHER="" ;; esac
[ -n "$OTHER" ] && pass "the scheduler places a task on its own etcd user" ||
	fail "scheduler places" "task=$task holder=$HOLDER $(tail -n3 sched.log)"
b64() { printf %s "$1" | base64 -w0; }
get() { # KEY: the value as root reads it
	ecurl -X POST -H "Authorization: $ROOT_TOKEN" $E/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" |
		jq -r '.kvs[0].value // empty' | base64 -d
}
token() { ecurl -X POST $E/v3/auth/authenticate -d "{\"name\":\"$1\",\"password\":\"$(cat "$2")\"}" | jq -r '.token // empty'; }
ROOT_TOKEN=$(token root auth/root.password)
status_of() { get $P/status/$HOLDER/$task | jq -r .status 2>/dev/null; }
until_true 30 '[ -n "$(status_of)" ]'
[ -n "$(status_of)" ] && pass "the holder read its assignment and reported its status" ||
	fail "holder reports" "'$(get $P/status/$HOLDER/$task)' $(tail -n3 $HOLDER.log)"
[ "$(get $P/assign/$HOLDER/$task | jq -r '.secrets["db-pass"]')" = correct-horse-battery ] &&
	pass "the secret is in the holder's assignment (and only there)" ||
	fail "secret in assignment" "$(get $P/assign/$HOLDER/$task | head -c 300)"

# --- the permission matrix
# try WHO TOKEN OP KEY EXPECT: OP is read, write, delete or watch (a
# prefix ends in /); EXPECT allowed or denied. A denied write or delete
# must leave the key (or prefix) as root saw it before.
MATRIX=()
snapshot() { # KEY: every key and value under it, as root sees it
	local k=$1 end
	end=$(printf %s "$k" | python3 -c 'import sys;s=sys.stdin.read();print(s[:-1]+chr(ord(s[-1])+1))')
	ecurl -X POST -H "Authorization: $ROOT_TOKEN" $E/v3/kv/range \
		-d "{\"key\":\"$(b64 "$k")\",\"range_end\":\"$(b64 "$end")\"}" | jq -c '[.kvs[]? | [.key, .value]]'
}
request() { # TOKEN OP KEY -> http code on stdout, body in reply
	local tok=$1 op=$2 k=$3 range
	range="\"key\":\"$(b64 "$k")\""
	[ "${k: -1}" = / ] && range+=",\"range_end\":\"$(b64 "${k%/}0")\""
	case $op in
	read) ecurl -o reply -w '%{http_code}' -X POST -H "Authorization: $tok" $E/v3/kv/range -d "{$range}" ;;
	write) ecurl -o reply -w '%{http_code}' -X POST -H "Authorization: $tok" $E/v3/kv/put \
		-d "{\"key\":\"$(b64 "$k")\",\"value\":\"$(b64 '{"status":"FORGED"}')\"}" ;;
	delete) ecurl -o reply -w '%{http_code}' -X POST -H "Authorization: $tok" $E/v3/kv/deleterange -d "{$range}" ;;
	watch)
		timeout 3 curl -s -N "${TLS[@]}" -X POST -H "Authorization: $tok" $E/v3/watch \
			-d "{\"create_request\":{$range}}" >reply
		if grep -q '"canceled":true' reply; then echo 403; else echo 200; fi
		;;
	esac
}
try() {
	local who=$1 tok=$2 op=$3 k=$4 want=$5 before after code got
	before=$(snapshot "$k")
	code=$(request "$tok" "$op" "$k")
	after=$(snapshot "$k")
	got=allowed
	if [ "$code" != 200 ]; then
		got="denied ($code$(grep -q 'permission denied' reply && echo ', permission denied'))"
	fi
	local name="$who $op ${k#$P/}: $want"
	if [ "$want" = allowed ] && [ "$code" = 200 ]; then
		pass "$name"
	elif [ "$want" = denied ] && [ "$code" = 403 ] && grep -q 'permission denied' reply; then
		if [ "$op" = read ] || [ "$op" = watch ] || [ "$before" = "$after" ]; then pass "$name, nothing changed"
		else fail "$name" "refused but changed: $before -> $after"; fi
	else
		fail "$name" "HTTP $code: $(head -c 200 reply)"
	fi
	MATRIX+=("| $who | $op | \`${k#$P/}\` | $want | $got |")
}
H=$(token skiff:$C:node:$HOLDER $HOLDER.password)
O=$(token skiff:$C:node:$OTHER $OTHER.password)
S=$(token $SCHED_USER auth/scheduler.password)
[ -n "$H" ] && [ -n "$O" ] && [ -n "$S" ] || { echo "FAIL: setup: tokens"; exit 1; }
h="node $HOLDER" o="node $OTHER"
try "$h" "$H" read "$P/assign/$HOLDER/" allowed
try "$h" "$H" write "$P/status/$HOLDER/probe" allowed
try "$h" "$H" write "$P/nodes/$HOLDER" allowed
try "$h" "$H" write "$P/assign/$HOLDER/$task" denied
try "$h" "$H" read "$P/taskdefs/" denied
try "$h" "$H" read "$P/secrets/" denied
try "$h" "$H" read "$P/tasks/" denied
try "$h" "$H" read "$P/services/" denied
try "$h" "$H" write "$P/tasks/$task" denied
try "$h" "$H" write "$P/nodemeta/$HOLDER" denied
try "$o" "$O" read "$P/assign/$HOLDER/" denied
try "$o" "$O" watch "$P/assign/$HOLDER/" denied
try "$o" "$O" read "$P/status/$HOLDER/" denied
try "$o" "$O" write "$P/status/$HOLDER/$task" denied
try "$o" "$O" delete "$P/status/$HOLDER/" denied
try "$o" "$O" write "$P/nodes/$HOLDER" denied
try "$o" "$O" delete "$P/nodes/$HOLDER" denied
try "$o" "$O" write "$P/assign/$OTHER/forged" denied
try "$o" "$O" read "$P/secrets/db-pass" denied
try "$o" "$O" read "$P/taskdefs/" denied
try "$o" "$O" write "$P/leader/scheduler" denied
try scheduler "$S" read "$P/secrets/" allowed
try scheduler "$S" write "$P/assign/$OTHER/probe" allowed
# an OS update request (skiffctl node update): only the node it names
# reads it, and no node may write one, not even its own
try scheduler "$S" write "$P/updates/$HOLDER" allowed
try "$h" "$H" read "$P/updates/$HOLDER" allowed
try "$h" "$H" watch "$P/updates/$HOLDER" allowed
try "$h" "$H" write "$P/updates/$HOLDER" denied
try "$o" "$O" read "$P/updates/$HOLDER" denied
try "$o" "$O" watch "$P/updates/$HOLDER" denied
try "$o" "$O" write "$P/updates/$OTHER" denied
try scheduler "$S" write "/skiff/other-cluster/tasks/x" denied
code=$(ecurl -o reply -w '%{http_code}' -X POST -H "Authorization: $O" $E/v3/auth/user/add -d '{"name":"evil","password":"x"}')
[ "$code" = 403 ] && pass "a node cannot add etcd users" || fail "node user add" "HTTP $code $(cat reply)"
MATRIX+=("| node $OTHER | add an etcd user | — | denied | $([ "$code" = 403 ] && echo "denied ($code)" || echo "HTTP $code") |")
code=$(ecurl -o reply -w '%{http_code}' -X POST -H "Authorization: $S" $E/v3/auth/role/grant -d "{\"name\":\"$SCHED_USER\",\"perm\":{\"permType\":\"READWRITE\",\"key\":\"AA==\",\"range_end\":\"AA==\"}}")
[ "$code" = 403 ] && pass "the scheduler cannot widen its own role" || fail "scheduler grant" "HTTP $code $(cat reply)"
MATRIX+=("| scheduler | grant itself more | — | denied | $([ "$code" = 403 ] && echo "denied ($code)" || echo "HTTP $code") |")

# --- bootstrap tokens
tok=$(root node token create --ttl 1h --labels zone=a,tier=web --description "rack 4" 2>&1)
[[ $tok =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] && pass "node token create: ID.SECRET" || fail "token create" "$tok"
TID=${tok%%.*} TSECRET=${tok#*.}
row=$(root node token ls | awk -v id=$TID '$1 == id')
[[ $row =~ ^$TID\ +(59m|1h)[0-9s]*\ +[0-9T:-]+Z\ +zone=a,tier=web\ +rack\ 4$ ]] && pass "node token ls: id, ttl, expiry, labels, description" ||
	fail "token ls" "$(root node token ls)"
sha=$(printf %s "$TSECRET" | sha256sum | cut -d' ' -f1)
[ "$(root -o json node token ls | jq -r ".[] | select(.id==\"$TID\") | .secretSha256")" = "$sha" ] &&
	pass "etcd keeps the secret's SHA-256" || fail "token hash" "$(root -o json node token ls)"
all=$(ecurl -X POST -H "Authorization: $ROOT_TOKEN" $E/v3/kv/range -d "{\"key\":\"AA==\",\"range_end\":\"AA==\"}" |
	jq -r '.kvs[] | .key, .value' | base64 -d 2>/dev/null)
grep -q "$TSECRET" <<<"$all" && fail "secret stored" "the secret is in etcd's keys" ||
	pass "the secret itself is nowhere in etcd's keys or values"
out=$(root node token verify "$tok" 2>&1)
[ "$out" = "token $TID: valid" ] && pass "node token verify: valid" || fail "verify" "$out"
rc=$(rc_of root node token verify "$TID.0000000000000000")
[ "$rc" = 1 ] && grep -q "token $TID: wrong secret" err && ! grep -q 0000000000000000 err &&
	pass "a wrong secret: refused, not echoed" || fail "wrong secret" "rc=$rc $(cat err)"
rc=$(rc_of root node token verify "$TID.short")
[ "$rc" = 2 ] && grep -q "token: expected ID.SECRET" err && pass "a malformed token: usage error" ||
	fail "malformed token" "rc=$rc $(cat err)"
rc=$(rc_of root node token create --ttl 3w)
[ "$rc" = 2 ] && grep -q -- "--ttl 3w: expected a duration such as 90s, 30m, 24h or 7d" err &&
	pass "bad --ttl: named" || fail "bad ttl" "rc=$rc $(cat err)"
rc=$(rc_of root node token create --labels "zone=a,oops")
[ "$rc" = 2 ] && grep -q -- "--labels: \`oops\`: expected KEY=VALUE" err && pass "bad --labels entry: named" ||
	fail "bad labels" "rc=$rc $(cat err)"
rc=$(rc_of ctl node token create)
[ "$rc" = 1 ] && grep -q "permission denied\|user name is empty" err && pass "node token create needs root" ||
	fail "token create without root" "rc=$rc $(cat err)"
# The token's join-only etcd user: its own join/<id>/, reading its answers, nothing else.
J=$(token skiff:$C:join:$TID <(printf %s "$TSECRET"))
[ -n "$J" ] && pass "the token's secret authenticates its join user" || fail "join user" "no etcd token"
try "join $TID" "$J" write "$P/join/$TID/request" allowed
try "join $TID" "$J" read "$P/join/$TID/" allowed
try "join $TID" "$J" write "$P/join/zzzzzz/request" denied
try "join $TID" "$J" read "$P/joinanswers/$TID/" allowed
try "join $TID" "$J" read "$P/tokens/" denied
try "join $TID" "$J" read "$P/nodes/" denied
try "join $TID" "$J" read "$P/assign/$HOLDER/" denied
try "join $TID" "$J" write "$P/status/$HOLDER/x" denied
short=$(root node token create --ttl 1s)
sleep 2
rc=$(rc_of root node token verify "$short")
[ "$rc" = 1 ] && grep -q "token ${short%%.*}: expired at " err && pass "an expired token is refused" ||
	fail "expired token" "rc=$rc $(cat err)"
root node token ls | grep -q "^${short%%.*} \+<expired>" && pass "node token ls marks it expired" ||
	fail "ls expired" "$(root node token ls)"
out=$(root node token prune 2>&1)
[ "$out" = "1 expired token revoked" ] && ! root node token ls | grep -q "^${short%%.*} " &&
	[ -z "$(token skiff:$C:join:${short%%.*} <(printf %s "${short#*.}"))" ] && root node token ls | grep -q "^$TID " &&
	pass "node token prune: the expired token and its join user go, the others stay" || fail "prune" "$out $(root node token ls)"
out=$(root node token revoke $TID 2>&1)
[ "$out" = "token $TID: revoked" ] && ! root node token ls | grep -q "^$TID " &&
	pass "node token revoke" || fail "revoke" "$out $(root node token ls)"
rc=$(rc_of root node token verify "$tok")
[ "$rc" = 3 ] && grep -q "token $TID: unknown" err && pass "a revoked token is refused" ||
	fail "revoked token" "rc=$rc $(cat err)"
code=$(request "$J" write "$P/join/$TID/again")
[ "$code" != 200 ] && [ -z "$(token skiff:$C:join:$TID <(printf %s "$TSECRET"))" ] &&
	pass "a revoked token's join user is gone (token and secret)" || fail "revoked join user" "HTTP $code"
MATRIX+=("| join user of a revoked token | write | \`join/$TID/…\` | denied | $([ "$code" != 200 ] && echo "denied ($code)" || echo allowed) |")
rc=$(rc_of root node token revoke $TID)
[ "$rc" = 3 ] && grep -q "token $TID: not found" err && pass "revoke twice: exit 3" || fail "revoke twice" "rc=$rc $(cat err)"

# --- node remove: the node's token and password stop working at once
out=$(root node remove $OTHER 2>&1)
[ "$out" = "$OTHER: removed (etcd user and role deleted, certificate recorded revoked)" ] && pass "node remove" || fail "node remove" "$out"
before=$(snapshot "$P/status/$OTHER/")
code=$(request "$O" write "$P/status/$OTHER/after-remove")
[ "$code" != 200 ] && grep -q "invalid auth token" reply && [ "$(snapshot "$P/status/$OTHER/")" = "$before" ] &&
	pass "a removed node's token cannot write its own status" || fail "removed node writes" "HTTP $code $(cat reply)"
MATRIX+=("| removed node $OTHER | write | \`status/$OTHER/…\` | denied | $([ "$code" != 200 ] && echo "denied ($code, invalid auth token)" || echo allowed) |")
[ -z "$(token skiff:$C:node:$OTHER $OTHER.password)" ] && pass "a removed node's password no longer authenticates" ||
	fail "removed password" "token issued"
until_true 15 '! grep -q "^$OTHER$" <(root -o json node ls | jq -r ".[] | select(.status==\"ACTIVE\") | .id")'
root -o json node ls | jq -e ".[] | select(.id==\"$OTHER\" and .status==\"ACTIVE\")" >/dev/null &&
	fail "removed node down" "$(root node ls)" || pass "a removed node is down (its record gone, not rewritten)"
rc=$(rc_of root node remove $OTHER)
[ "$rc" = 3 ] && grep -q "node $OTHER: no etcd user nor role" err && pass "node remove of an unknown node: exit 3" ||
	fail "remove unknown" "rc=$rc $(cat err)"

# --- join with a bootstrap token
root ca init --dir pki >/dev/null 2>&1 || { echo "FAIL: setup: ca init"; exit 1; }
jtok=$(root node token create --ttl 1h --labels zone=j)
JT=${jtok%%.*}
API_PORT=$((PORT + 10))
start_joiner() { # NODE-ID DATA-NAME TOKEN [ENDPOINT] (its node API on a port of its own)
	API_PORT=$((API_PORT + 1))
	"$AGENT" --node-id $1 --data "$T_DIR/$2/data" --run "$T_DIR/$2/run" --cpu 1024 --memory 512 \
		--lease-ttl 3 --bridge skrbac0 --bridge-subnet 172.30.23.1/24 --endpoints ${4:-$E} --cluster $C \
		"${TLS[@]}" --api-port $API_PORT --join-token "$3" >>"$T_DIR/$2.log" 2>&1 &
	T_PIDS+=($!)
	eval "PID_${2//-/_}=$!"
}
start_joiner node-j node-j "$jtok"
requested() { root node requests | grep -q "^node-j \+$JT "; }
until_true 15 requested
requested && pass "a node with a token asks to join (node requests)" || fail "join request" "$(root node requests) $(tail -n3 node-j.log)"
REQ=$(get $P/join/$JT/node-j/request)
[ "$(jq -r .node <<<"$REQ")" = node-j ] && [ "$(jq -r .publicKey <<<"$REQ" | base64 -d | wc -c)" = 65 ] &&
	pass "the request carries the node's P-256 public key" || fail "request shape" "$REQ"
[ "$(stat -c %a node-j/data/identity node-j/data/identity/node.key)" = "700
600" ] && pass "the node's key is made on its data partition, owner-only" ||
	fail "node key" "$(ls -la node-j/data/identity)"
# Another holder of the same token forges node-j's answer (a refusal here;
# a sealed answer with its own CA is as easy: the node's key is public):
# denied where the node reads answers; beside the request it is allowed but
# nobody reads it there.
JU=$(token skiff:$C:join:$JT <(printf %s "${jtok#*.}"))
try "join $JT" "$JU" write "$P/joinanswers/$JT/node-j" denied
FORGED=$(jq -nc --arg k "$(jq -r .publicKey <<<"$REQ")" '{refused:"forged",publicKey:$k}')
ecurl -X POST -H "Authorization: $JU" $E/v3/kv/put \
	-d "{\"key\":\"$(b64 $P/join/$JT/node-j/answer)\",\"value\":\"$(b64 "$FORGED")\"}" >/dev/null
t0=$(date +%s%N)
out=$(root node approve node-j --dir pki 2>&1)
[ "$(tail -n1 <<<"$out")" = "node-j: approved" ] && pass "node approve" || fail "approve" "$out"
joined() { root -o json node ls | jq -e '.[] | select(.id=="node-j" and .status=="ACTIVE")' >/dev/null; }
until_true 15 joined
joined && ! grep -q forged node-j.log && pass "a token holder's forged answer is not taken: the approver's is" ||
	fail "forged answer" "$out $(tail -n3 node-j.log)"
joined && pass "the node joins and registers on its own etcd user" || fail "joined" "$(tail -n5 node-j.log)"
echo "  approve to registered: $((($(date +%s%N) - t0) / 1000000)) ms"
[ "$(root -o json node describe node-j | jq -r .labels.zone)" = j ] && pass "the token's labels are the node's" ||
	fail "labels" "$(root -o json node describe node-j)"
grep -q "join: joined as node-j (etcd user skiff:rbac:node:node-j)" node-j.log && pass "joined line" ||
	fail "joined line" "$(tail -n3 node-j.log)"
ID=node-j/data/identity
openssl verify -CAfile pki/ca.crt $ID/node.crt >/dev/null 2>&1 &&
	[ "$(openssl x509 -in $ID/node.crt -noout -pubkey)" = "$(openssl ec -in $ID/node.key -pubout 2>/dev/null)" ] &&
	openssl x509 -in $ID/node.crt -noout -subject | grep -q "CN = node-j" &&
	pass "its node API certificate: from the cluster CA, for the key it made" ||
	fail "node certificate" "$(openssl x509 -in $ID/node.crt -noout -subject -issuer 2>&1)"
[ "$(stat -c %a $ID/etcd.password $ID/node.crt | sort -u)" = 600 ] && pass "identity files owner-only" ||
	fail "identity modes" "$(ls -la $ID)"
sha=$(openssl x509 -in $ID/node.crt -outform DER | sha256sum | cut -d' ' -f1)
[ "$(get $P/identities/node-j | jq -r .certSha256)" = "$sha" ] && pass "identities/node-j records the certificate's hash" ||
	fail "identity record" "$(get $P/identities/node-j)"
[ -z "$(get $P/join/$JT/node-j/request)$(get $P/join/$JT/node-j/answer)" ] && pass "the node cleared its request" ||
	fail "cleared" "$(root node requests)"
root node approve --all --dir pki >/dev/null 2>&1
[ -z "$(get $P/joinanswers/$JT/node-j)" ] && pass "the next approval pass deletes the collected answer" ||
	fail "answer swept" "$(get $P/joinanswers/$JT/node-j)"
# A replayed request (copied from etcd) while the node runs: refused, in clear, no credentials.
ecurl -X POST -H "Authorization: $JU" $E/v3/kv/put -d "{\"key\":\"$(b64 $P/join/$JT/node-j/request)\",\"value\":\"$(b64 "$REQ")\"}" >/dev/null
pw_before=$(cat $ID/etcd.password)
rc=$(rc_of root node approve node-j --dir pki)
ans=$(get $P/joinanswers/$JT/node-j)
[ "$rc" = 1 ] && [ "$(jq -r .refused <<<"$ans")" = "node node-j is running (joined at $(get $P/identities/node-j | jq -r .joinedAt))" ] &&
	! grep -q "password\|BEGIN" <<<"$ans" && pass "a replayed join request gets a refusal and nothing usable" ||
	fail "replay" "rc=$rc $ans $(cat err)"
[ -n "$(token skiff:$C:node:node-j <(echo "$pw_before"))" ] && pass "and the running node's password still works" ||
	fail "replay changed the password" ""
# Another machine claiming the name with another token, while node-j is down: refused.
kill $PID_node_j; wait $PID_node_j 2>/dev/null
until_true 10 '! joined'
ttok=$(root node token create)
start_joiner node-j thief "$ttok"
until_true 15 'root node requests | grep -q "^node-j \+${ttok%%.*} "'
# Beside it, a request any holder of that token can write, for a name no
# node may have (a slash, a control character): sorted first, it must be
# refused, not stop the approval of the requests after it.
TU=$(token skiff:$C:join:${ttok%%.*} <(printf %s "${ttok#*.}"))
BADREQ=$(jq -c '.node = "a/b"' <<<"$REQ")
ecurl -X POST -H "Authorization: $TU" $E/v3/kv/put \
	-d "{\"key\":\"$(b64 $P/join/${ttok%%.*}/a/b/request)\",\"value\":\"$(b64 "$BADREQ")\"}" >/dev/null
ecurl -X POST -H "Authorization: $TU" $E/v3/kv/put \
	-d "{\"key\":\"$(b64 $P/join/${ttok%%.*}/a$'\033'x/request)\",\"value\":\"$(b64 "$BADREQ")\"}" >/dev/null
root node approve --all --dir pki >approve.out 2>&1
until_true 15 '! kill -0 $PID_thief 2>/dev/null'
grep -q "join refused: node node-j is another machine's (another key and token)" thief.log &&
	[ "$(get $P/identities/node-j | jq -r .certSha256)" = "$sha" ] &&
	pass "another machine cannot take a node's name (another key, another token)" ||
	fail "takeover" "$(cat approve.out) $(tail -n2 thief.log)"
[ "$(get $P/joinanswers/${ttok%%.*}/a/b | jq -r .refused)" = "not a node name (of [A-Za-z0-9_.-], 127 at most)" ] &&
	grep -q "join of a?x (token ${ttok%%.*}) refused: not a node name" approve.out &&
	! grep -q $'\033' approve.out &&
	pass "a request for a bad node name is refused (shown printable), the others still answered" ||
	fail "bad name request" "$(cat -v approve.out) $(get $P/joinanswers/${ttok%%.*}/a/b)"
# The node that restarts with its identity files does not ask again.
start_joiner node-j node-j "$jtok"
until_true 15 joined
joined && [ "$(grep -c "asking to join" node-j.log)" = 1 ] &&
	pass "a node with its identity restarts without joining again (keeps its identity)" ||
	fail "restart joined" "$(tail -n3 node-j.log)"
# A diskless node (key in RAM) reboots with a new key and its token: let back in.
kill $PID_node_j; wait $PID_node_j 2>/dev/null
until_true 10 '! joined'
# (It reaches etcd through a relay, cut before node remove below.)
PROXY_PORT=$((PORT + 5))
socat TCP-LISTEN:$PROXY_PORT,fork,reuseaddr,bind=127.0.0.1 TCP:127.0.0.1:$PORT 2>/dev/null &
T_PIDS+=($!)
PID_relay=$!
until_true 5 ecurl -f https://127.0.0.1:$PROXY_PORT/health
start_joiner node-j diskless "$jtok" https://127.0.0.1:$PROXY_PORT
DISKLESS_API=$API_PORT
until_true 15 'root node requests | grep -q "^node-j \+$JT "'
root node approve --all --dir pki >approve.out 2>&1
until_true 15 joined
joined && grep -q "joined as node-j" diskless.log && pass "a diskless node rejoins under its name with a new key and its token" ||
	fail "diskless rejoin" "$(cat approve.out) $(tail -n2 diskless.log)"
ID=diskless/data/identity
# Expired and revoked tokens cannot join.
etok=$(root node token create --ttl 1s)
sleep 2
start_joiner node-e node-e "$etok"
until_true 15 'root node requests | grep -q "^node-e "'
root node approve --all --dir pki >approve.out 2>&1
until_true 15 '! kill -0 $PID_node_e 2>/dev/null'
grep -q "join refused: token ${etok%%.*} expired at" node-e.log && ! joined_e=$(root node ls | grep node-e) &&
	pass "an expired token cannot join (refused, the agent says why)" || fail "expired join" "$(tail -n2 node-e.log)"
rtok=$(root node token create)
root node token revoke ${rtok%%.*} >/dev/null
start_joiner node-r node-r "$rtok"
until_true 15 '! kill -0 $PID_node_r 2>/dev/null'
grep -q "authenticate as skiff:rbac:join:${rtok%%.*}: etcd: etcdserver: authentication failed" node-r.log &&
	[ -z "$(root node requests | grep node-r)" ] && pass "a revoked token cannot even ask" || fail "revoked join" "$(tail -n2 node-r.log)"
# The node API with an operator's certificate: served with the joined identity...
root ca issue operator alice --dir pki >/dev/null 2>&1 || fail "operator certificate" ""
api() { root --api-cacert pki/ca.crt --api-cert pki/alice.crt --api-key pki/alice.key "$@"; }
rc=$(rc_of api node top node-j --addr 127.0.0.1:$DISKLESS_API)
[ "$rc" = 0 ] && pass "node top through the joined node's API certificate" || fail "node top" "rc=$rc $(cat err)"
# node remove: the joined node can write nothing more; its certificate is
# recorded revoked. The node is cut off from etcd first, so that it still
# serves its node API (a removed agent that reaches etcd exits: agent_removed.sh).
kill $PID_relay; pkill -f "TCP-LISTEN:$PROXY_PORT" 2>/dev/null
until_true 10 'grep -q "etcd unreachable" diskless.log'
root node remove node-j >/dev/null
[ -n "$(get $P/identities/node-j | jq -r '.revokedAt // empty')" ] && pass "node remove records its certificate revoked" ||
	fail "revoked record" "$(get $P/identities/node-j)"
# ...and refused once revoked, though the CA signed it (the agent may still run).
revoked_ok=1
for cmd in "node top" "node logs" "node dmesg"; do
	rc=$(rc_of api $cmd node-j --addr 127.0.0.1:$DISKLESS_API)
	[ "$rc" = 1 ] && grep -q "node node-j: its identity was revoked at $(get $P/identities/node-j | jq -r .revokedAt) (skiffctl node remove); refusing its certificate" err ||
		{ revoked_ok=0; echo "  $cmd: rc=$rc $(cat err)"; }
done
[ $revoked_ok = 1 ] && pass "node top/logs/dmesg refuse a removed node's certificate, saying it was revoked" ||
	fail "revoked certificate" ""
NJ=$(token skiff:$C:node:node-j $ID/etcd.password)
code=$(request "$NJ" write "$P/status/node-j/x")
[ -z "$NJ" ] && [ "$code" != 200 ] && pass "a removed joined node cannot write anything" || fail "removed joined" "HTTP $code"
MATRIX+=("| removed joined node node-j | write | \`status/node-j/…\` | denied | $([ "$code" != 200 ] && echo "denied ($code)" || echo allowed) |")

# The scheduler's leader as auto-approver (it then runs as root), in a
# second cluster of the same etcd.
root2() { SKIFF_ETCD_PASSWORD=$(cat auth/root.password) "$CTL" --endpoints $E --cluster rbac2 "${TLS[@]}" --user root "$@"; }
xtok=$(root2 node token create --ttl 1s) # expired by the time the leader looks
sleep 1.5
SKIFF_ETCD_PASSWORD=$(cat auth/root.password) "$CTL" --endpoints $E --cluster rbac2 "${TLS[@]}" --user root \
	scheduler --ttl 3 --approve-joins --ca-dir pki >sched2.log 2>&1 &
T_PIDS+=($!)
atok=$(root2 node token create)
"$AGENT" --node-id node-s --data "$T_DIR/node-s/data" --run "$T_DIR/node-s/run" --cpu 1024 --memory 512 \
	--lease-ttl 3 --bridge skrbac0 --bridge-subnet 172.30.23.1/24 --endpoints $E --cluster rbac2 \
	"${TLS[@]}" --api-port $((API_PORT + 1)) --join-token "$atok" >>"$T_DIR/node-s.log" 2>&1 &
T_PIDS+=($!)
until_true 20 'root2 -o json node ls | jq -e ".[] | select(.id==\"node-s\" and .status==\"ACTIVE\")"'
root2 -o json node ls | jq -e '.[] | select(.id=="node-s" and .status=="ACTIVE")' >/dev/null &&
	grep -q "node-s joined (token ${atok%%.*}" sched2.log && pass "scheduler --approve-joins: the leader approves, the node joins" ||
	fail "scheduler approves" "$(tail -n3 sched2.log node-s.log)"
until_true 10 '! root2 node token ls | grep -q "^${xtok%%.*} "'
! root2 node token ls | grep -q "^${xtok%%.*} " && grep -q "revoked 1 expired token (join users deleted)" sched2.log &&
	[ -z "$(token skiff:rbac2:join:${xtok%%.*} <(printf %s "${xtok#*.}"))" ] &&
	pass "scheduler --approve-joins: the leader revokes expired tokens and their join users" ||
	fail "scheduler prunes" "$(root2 node token ls) $(tail -n3 sched2.log)"

# A role made before nodes read updates/<id> (the grant revoked here, as
# root): auth update-roles gives it back, and the node's password stays.
RT=$(token root auth/root.password)
ecurl -o /dev/null -X POST -H "Authorization: $RT" $E/v3/auth/role/revoke \
	-d "{\"role\":\"skiff:$C:node:$HOLDER\",\"key\":\"$(b64 $P/updates/$HOLDER)\"}"
before=$(request "$(token skiff:$C:node:$HOLDER $HOLDER.password)" read "$P/updates/$HOLDER")
rc=$(rc_of root auth update-roles)
after=$(request "$(token skiff:$C:node:$HOLDER $HOLDER.password)" read "$P/updates/$HOLDER")
[ "$before" = 403 ] && [ "$rc" = 0 ] && [ "$after" = 200 ] && grep -Eq '^[0-9]+ node roles? updated' out &&
	pass "auth update-roles: an old node role gets the updates/ grant, same password" ||
	fail "auth update-roles" "before $before, rc=$rc, after $after: $(cat out err)"

echo "permission matrix (etcd $(etcd --version | awk 'NR==1{print $3}'), each row a test above):"
echo "| identity | operation | key under /skiff/$C/ | expected | got |"
echo "|---|---|---|---|---|"
printf '%s\n' "${MATRIX[@]}"
