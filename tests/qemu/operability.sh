#!/bin/bash
# Operating a node with no shell and no SSH, end to end: a node image with
# a certificate from the cluster's CA (skiffctl ca) boots under QEMU,
# registers with a real etcd and runs a task whose logs go to a real
# rsyslog (Debian's, started here on loopback). Through the node API
# (mutual TLS, reached through qemu/run --fwd): task logs with --follow,
# exec with an exit status and through a pty, node logs, dmesg and top;
# every endpoint refuses a client without the right certificate; events
# --follow shows the placement, RUNNING and the stop in order; rsyslog gets
# the container's lines with the task id, and nothing is lost while it is
# stopped for 10 s.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=24379 REG_PORT=25600 SYSLOG_PORT=25514 API_PORT=27443 CLUSTER=ops
. "$SKIFF_TOP/tests/fixtures/cluster_env.sh"
GUEST_IMAGE=10.0.2.2:$REG_PORT/busybox:latest
for tool in rsyslogd python3 openssl; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
start_etcd || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }

# rsyslog on loopback: octet-counted RFC 5424 over TCP into a file.
RS=$T_DIR/rsyslog
mkdir -p "$RS"
start_rsyslog() { rsyslog_start "$RS" "$SYSLOG_PORT"; }
start_rsyslog || { echo "FAIL: setup: rsyslogd: $(tail -3 "$RS/out.log")"; exit 1; }

# A busybox image with a known /etc/hostname, in a local registry.
mkdir -p "$T_DIR/img/root/etc"
echo ops-container >"$T_DIR/img/root/etc/hostname"
make_image || { echo "FAIL: setup: test image: $(tail -3 "$T_DIR"/img/*.log)"; exit 1; }

# The cluster's CA, the node's certificate and an operator's. Every
# skiffctl call is bounded (CTL, CTL0); CTL_RAW is for the pty driver and
# the background watchers, which are bounded on their own.
SK="$SKIFF_BIN/skiffctl --endpoints $EP --cluster $CLUSTER"
CTL0="timeout -k 5 120 $SK"
PKI=$T_DIR/pki OTHER=$T_DIR/other-pki
$CTL0 ca init --dir "$PKI" >/dev/null && $CTL0 ca issue node node1 --dir "$PKI" >/dev/null &&
	$CTL0 ca issue operator alice --dir "$PKI" >/dev/null &&
	$CTL0 ca init --dir "$OTHER" >/dev/null && $CTL0 ca issue operator mallory --dir "$OTHER" >/dev/null ||
	{ echo "FAIL: setup: skiffctl ca"; exit 1; }
openssl verify -CAfile "$PKI/ca.crt" "$PKI/node1.crt" "$PKI/alice.crt" >"$T_DIR/verify.log" 2>&1 &&
	pass "openssl verifies the certificates skiffctl ca made" || fail "openssl verify" "$(cat "$T_DIR/verify.log")"
API_CREDS="--api-cacert $PKI/ca.crt --api-cert $PKI/alice.crt --api-key $PKI/alice.key"
CTL="$CTL0 $API_CREDS" CTL_RAW="$SK $API_CREDS"
ADDR="--addr 127.0.0.1:$API_PORT"

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: node1
kernel:
  modules: [virtio_pci, virtio_net, overlay, bridge, veth, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
  cmdline: "console=ttyS0 panic=-1"
services:
  - name: agent
    exec: ["/usr/bin/skiff-agent", "--stop-timeout", "3"]
    restart: always
files:
  - {path: /etc/skiff/pki/ca.crt, source: $PKI/ca.crt}
  - {path: /etc/skiff/pki/node.crt, source: $PKI/node1.crt}
  - {path: /etc/skiff/pki/node.key, source: $PKI/node1.key, mode: "0600"}
cluster:
  name: $CLUSTER
  endpoints: ["http://10.0.2.2:$ETCD_PORT"]
  insecure_registries: ["10.0.2.2:$REG_PORT"]
  lease_ttl_s: 5
  api: {port: 7443, ca_file: /etc/skiff/pki/ca.crt, cert_file: /etc/skiff/pki/node.crt, key_file: /etc/skiff/pki/node.key}
  syslog: {address: "tcp://10.0.2.2:$SYSLOG_PORT", tag: node1}
shutdown:
  grace_ms: 8000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/node-img"
log=$T_DIR/node.log
boot "$T_DIR/node-img" "$log" --mem 512 --timeout 900 --monitor "$T_DIR/mon.sock" \
	--append "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off" --fwd $API_PORT:7443
if ! wait_line "$log" 'agent: registered as' 400 >/dev/null; then
	fail "node registers" "$(tail -5 "$log")"
	exit 1
fi
node=$(tr -d '\r' <"$log" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p' | head -n1)
# (the agent announces its API just after it registers: wait for the line)
check "node API announced on the console" wait_line "$log" 'agent: node API on port 7443 as node1' 60

timeout -k 5 1200 $CTL_RAW scheduler --id s1 --ttl 3 >"$T_DIR/scheduler.log" 2>&1 &
T_PIDS+=($!)
timeout -k 5 1200 $CTL_RAW events --follow >"$T_DIR/events.log" 2>"$T_DIR/events.err" &
T_PIDS+=($!)

# A task that counts, and writes a marker whenever /go appears.
cat >"$T_DIR/ops.json" <<EOT
{"family":"ops","containerDefinitions":[{"name":"main","image":"$GUEST_IMAGE","memory":32,"essential":true,
 "logConfiguration":{"logDriver":"syslog","options":{"syslog-address":"tcp://10.0.2.2:$SYSLOG_PORT","tag":"ops"}},
 "command":["/bin/sh","-c","trap 'exit 0' TERM; echo started; echo to-stderr >&2; i=0; while :; do i=\$((i+1)); echo seq \$i; if [ -e /go ]; then rm /go; echo after-follow-started; fi; sleep 0.5; done"]}]}
EOT
task=""
if $CTL taskdef register "$T_DIR/ops.json" >"$T_DIR/ctl.log" 2>&1 && task=$($CTL task run ops 2>>"$T_DIR/ctl.log") &&
	until_true 180 bash -c "$CTL task ls | grep -q '$task.*RUNNING'"; then
	pass "task with a syslog logConfiguration runs"
else
	fail "task runs" "$(tail -3 "$T_DIR/ctl.log" "$T_DIR/scheduler.log") $(tail -3 "$log")"
	exit 1
fi

# --- task logs
until_true 30 bash -c "$CTL task logs $task $ADDR | grep -q 'seq 3'"
out=$($CTL task logs $task $ADDR 2>"$T_DIR/logs.err")
if grep -qx started <<<"$out" && grep -qx 'seq 1' <<<"$out" && grep -qx to-stderr "$T_DIR/logs.err" &&
	! grep -q to-stderr <<<"$out"; then
	pass "task logs: stdout and stderr, each to its own stream"
else fail "task logs" "out=$(head -3 <<<"$out") err=$(cat "$T_DIR/logs.err")"; fi
tail2=$($CTL task logs $task $ADDR --tail 2 -t)
[ "$(wc -l <<<"$tail2")" = 2 ] && grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z seq [0-9]+$' <<<"$tail2" &&
	pass "task logs --tail 2 --timestamps" || fail "task logs --tail 2 -t" "$tail2"
# --since: from the second of a line the node stamped (its clock, not ours)
last=$($CTL task logs $task $ADDR --tail 1 -t)
from=$(cut -c1-19 <<<"$last")Z
since=$($CTL task logs $task $ADDR --since "$from" -t)
if [ -n "$last" ] && grep -qxF "$last" <<<"$since" && ! grep -q ' started$' <<<"$since" &&
	[ -z "$(cut -c1-19 <<<"$since" | awk -v f="${from%Z}" '$0 < f')" ]; then
	pass "task logs --since: the lines from that time on, none older"
else fail "task logs --since $from" "last='$last' got $(head -2 <<<"$since")"; fi
$CTL task logs $task $ADDR --since yesterday >/dev/null 2>"$T_DIR/since.err"
rc=$?
[ $rc = 2 ] && grep -q -- '--since yesterday' "$T_DIR/since.err" && pass "task logs --since with a bad time: usage error naming it" ||
	fail "bad --since" "rc=$rc $(cat "$T_DIR/since.err")"
timeout -k 5 300 $CTL_RAW task logs $task $ADDR --follow --tail 0 >"$T_DIR/follow.log" 2>&1 &
fpid=$!
T_PIDS+=($fpid)
sleep 2
$CTL task exec $task $ADDR -- touch /go >/dev/null 2>&1
if until_true 20 grep -q after-follow-started "$T_DIR/follow.log" && kill -0 $fpid 2>/dev/null &&
	! grep -qx started "$T_DIR/follow.log"; then
	pass "task logs --follow shows a line printed after it started"
else fail "task logs --follow" "$(head -5 "$T_DIR/follow.log")"; fi

# --- exec
t0=$(date +%s%N)
first=$($CTL task exec $task $ADDR -- cat /etc/hostname | head -c 100)
t1=$(date +%s%N)
[ "$first" = ops-container ] && pass "task exec: cat /etc/hostname in the container" ||
	fail "task exec cat" "got '$first'"
echo "  task exec to the command's output and exit: $(((t1 - t0) / 1000000)) ms"
$CTL task exec $task $ADDR -- sh -c 'echo out; echo err >&2; exit 3' >"$T_DIR/x.out" 2>"$T_DIR/x.err"
rc=$?
[ $rc = 3 ] && [ "$(cat "$T_DIR/x.out")" = out ] && grep -qx err "$T_DIR/x.err" &&
	pass "task exec: the command's exit status (3) becomes skiffctl's" ||
	fail "task exec status" "rc=$rc out=$(cat "$T_DIR/x.out") err=$(cat "$T_DIR/x.err")"
$CTL task exec $task $ADDR -- /no/such/program >/dev/null 2>"$T_DIR/x.err"
rc=$?
[ $rc = 127 ] && grep -q 'no/such/program' "$T_DIR/x.err" && pass "task exec: a missing program exits 127" ||
	fail "task exec missing program" "rc=$rc $(cat "$T_DIR/x.err")"
got=$($CTL task exec $task $ADDR -u 1000:1000 -e FOO=bar -w /etc -- sh -c 'echo $(id -u):$(id -g) $FOO $PWD')
[ "$got" = "1000:1000 bar /etc" ] && pass "task exec -u -e -w: user, environment and directory" ||
	fail "task exec -u -e -w" "got '$got'"
got=$(echo from-stdin | $CTL task exec -i $task $ADDR -- sh -c 'read x; echo got-$x')
[ "$got" = got-from-stdin ] && pass "task exec -i: stdin reaches the command" || fail "task exec -i" "got '$got'"
cat >"$T_DIR/ptyexec.py" <<'EOF'
import fcntl, os, pty, re, select, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
def pump(secs, until=None):
    global out
    end = time.time() + secs
    while time.time() < end and not (until and re.search(until, out)):
        if select.select([fd], [], [], 0.1)[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
pump(20, rb'# ')
os.write(fd, b'echo typed-$((6*7))\r')
pump(20, rb'typed-42\r\n')
# a new window size reaches the command's terminal
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 101, 0, 0))
time.sleep(1)
os.write(fd, b'stty size\r')
pump(20, rb'\n33 101\r\n.*# ')
os.write(fd, b'tty\r')
pump(20, rb'\n/dev/pts/[0-9]+\r\n.*# ')
os.write(fd, b'exit 4\r')
pump(20)
# bounded: a skiffctl that does not end is killed (and the check fails)
end = time.time() + 20
while True:
    done, ws = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.time() > end:
        os.kill(pid, 9)
        done, ws = os.waitpid(pid, 0)
        break
    time.sleep(0.1)
status = os.waitstatus_to_exitcode(ws)
sys.stdout.write(out.decode(errors='replace'))
print('\nSTATUS=%d' % status)
EOF
timeout -k 5 180 python3 "$T_DIR/ptyexec.py" $CTL_RAW task exec -it $task $ADDR -- sh >"$T_DIR/pty.out" 2>&1
if grep -q 'echo typed-$((6\*7))' "$T_DIR/pty.out" && grep -q 'typed-42' "$T_DIR/pty.out" &&
	grep -qx 'STATUS=4' "$T_DIR/pty.out"; then
	pass "task exec -it through a pty: input echoed, output and exit status back"
else fail "task exec -it" "$(tr -d '\r' <"$T_DIR/pty.out" | tail -5)"; fi
tr -d '\r' <"$T_DIR/pty.out" | grep -qx '/dev/pts/[0-9]*' &&
	pass "task exec -it: the terminal is the container's own (tty names its /dev/pts)" ||
	fail "exec tty name" "$(tr -d '\r' <"$T_DIR/pty.out" | grep -A1 '^/ # tty')"
tr -d '\r' <"$T_DIR/pty.out" | grep -qx '33 101' &&
	pass "task exec -it: a window resize reaches the command's terminal (stty size)" ||
	fail "exec resize" "$(tr -d '\r' <"$T_DIR/pty.out" | grep -A1 'stty size')"

# --- the node
out=$($CTL node logs $node $ADDR)
grep -qE '^\[ *[0-9]+\.[0-9]{3}\] init: ready$' <<<"$out" && grep -q 'init: mounted cgroup2' <<<"$out" &&
	grep -q 'agent: registered as' <<<"$out" &&
	pass "node logs: init's boot lines and the agent's, with timestamps" || fail "node logs" "$(head -5 <<<"$out")"
timeout -k 5 120 $CTL_RAW node logs $node $ADDR --follow --tail 0 >"$T_DIR/nfollow.log" 2>&1 &
nfpid=$!
T_PIDS+=($nfpid)
# the agent logs each API request: the dmesg call below is a new node log line
until_true 20 has_line "$log" 'agent: api: alice .*GET /v1/node/logs\?.*follow'
out=$($CTL node dmesg $node $ADDR)
grep -qE '^\[ *0\.[0-9]{6}\] Linux version' <<<"$out" && pass "node dmesg: the kernel log" ||
	fail "node dmesg" "$(head -3 <<<"$out")"
out=$($CTL -o json node top $node $ADDR)
if jq -e --arg t "$task" '.memory.totalBytes > 0 and .disk.totalBytes > 0 and (.tasks[] | select(.task == $t) |
	.status == "RUNNING" and .live[0].status == "running" and .live[0].memoryBytes > 0 and .live[0].cpuUsec > 0)' \
	<<<"$out" >/dev/null; then
	pass "node top: memory, disk, the task's container with its cgroup usage"
else fail "node top" "$(jq -c .tasks <<<"$out")"; fi
$CTL node top $node $ADDR | grep -q "$task" && pass "node top as a table" || fail "node top table" ""
if until_true 20 grep -q 'agent: api: alice .*GET /v1/node/dmesg' "$T_DIR/nfollow.log" &&
	kill -0 $nfpid 2>/dev/null && ! grep -q 'init: ready' "$T_DIR/nfollow.log"; then
	pass "node logs --follow shows a line written after it started"
else fail "node logs --follow" "$(head -3 "$T_DIR/nfollow.log")"; fi

# --- refusals: no certificate, another CA's, a node's instead of an operator's
refused=0 total=0
for path in /v1/node /v1/node/logs /v1/node/dmesg /v1/node/top /v1/tasks/$task/logs /v1/tasks/$task/exec; do
	for who in none other node; do
		case $who in
		none) args=() ;;
		other) args=(--cert "$OTHER/mallory.crt" --key "$OTHER/mallory.key") ;;
		node) args=(--cert "$PKI/node1.crt" --key "$PKI/node1.key") ;;
		esac
		total=$((total + 1))
		body=$(curl -sk -m 10 "${args[@]}" -X POST https://127.0.0.1:$API_PORT$path -o - -w '%{http_code}' 2>/dev/null)
		[ "$body" = 000 ] && refused=$((refused + 1)) || echo "  $who $path: got '$body'"
	done
done
[ $refused = $total ] && pass "all $total endpoint/certificate combinations refused in the handshake, no HTTP answer" ||
	fail "refusals" "$refused of $total refused"
$CTL0 --api-cacert "$PKI/ca.crt" --api-cert "$OTHER/mallory.crt" --api-key "$OTHER/mallory.key" \
	node logs $node $ADDR >"$T_DIR/refused.out" 2>&1
rc=$?
[ $rc != 0 ] && ! grep -q init "$T_DIR/refused.out" && pass "skiffctl with another CA's certificate: refused ($rc)" ||
	fail "skiffctl refused" "rc=$rc $(cat "$T_DIR/refused.out")"
check "refusals logged by the node" has_line "$log" 'agent: api: .*refused: TLS handshake'

# --- log shipping to rsyslog
if until_true 30 grep -q "^ops|stdout|\[skiff@32473 task=\"$task\" container=\"main\" node=\"$node\"\]|seq 2$" "$RS/received.log" &&
	grep -q "^ops|stderr|.*task=\"$task\".*|to-stderr$" "$RS/received.log"; then
	pass "rsyslog receives the container's lines, task id in the structured data"
else fail "rsyslog container lines" "$(tail -3 "$RS/received.log")"; fi
grep -q '^node1|-|\[skiff@32473 node=".*"\]|init: ready$' "$RS/received.log" &&
	pass "rsyslog receives the node's log (init's boot lines)" || fail "rsyslog node log" "$(grep -m3 node1 "$RS/received.log")"
seqs() { grep "task=\"$task\"" "$RS/received.log" | sed -nE 's/.*\|seq ([0-9]+)$/\1/p'; }
kill $RSYSLOG_PID
printed=$($CTL task logs $task $ADDR --tail 3 | sed -nE 's/^seq ([0-9]+)$/\1/p' | tail -1)
wait_exit $RSYSLOG_PID 20 >/dev/null 2>&1 || kill -9 $RSYSLOG_PID 2>/dev/null
before=$(seqs | sort -n | tail -1)
sleep 10
start_rsyslog
# lost: what a failure needs to tell where a line went missing (the
# node's own log has it or not; where the stop fell; what the shipper saw).
lost() {
	local all m where=""
	all=$($CTL task logs $task $ADDR 2>/dev/null)
	for m in $(head -5 <<<"$1"); do
		grep -qx "seq $m" <<<"$all" && where+=" $m (in task logs)" || where+=" $m (NOT in task logs)"
	done
	echo "missing:$where; rsyslog had received up to seq $before when it was stopped," \
		"the task had printed up to seq $printed just after the stop;" \
		"shipper: $(tr -d '\r' <"$log" | grep 'agent: log shipper:' | tail -6 | paste -sd '|')"
}
last=$($CTL task logs $task $ADDR --tail 1 | sed -nE 's/^seq ([0-9]+)$/\1/p')
if until_true 30 bash -c "grep -q 'task=\"$task\".*|seq $last\$' '$RS/received.log'"; then
	missing=$(comm -13 <(seqs | sort -u) <(seq 1 "$last" | sort))
	[ -z "$missing" ] && pass "rsyslog stopped 10 s: seq $((before + 1))..$last arrive afterwards, none lost" ||
		fail "nothing lost" "$(lost "$missing")"
else fail "lines after rsyslog restart" "no seq $last; last received $(seqs | sort -n | tail -1); $(lost "")"; fi
has_line "$log" 'agent: log shipper: collector tcp://10.0.2.2:.* unreachable' &&
	pass "the shipper says when the collector is away" || fail "shipper logs the outage" ""

# --- stop; events in order
$CTL task stop $task >/dev/null
until_true 60 bash -c "$CTL task ls --all | grep -q '$task.*STOPPED'"
if until_true 20 grep -q "task $task STOPPED on $node" "$T_DIR/events.log" &&
	in_order "$T_DIR/events.log" "task $task created" "task $task placed on $node" "task $task RUNNING on $node" \
		"task $task stop requested" "task $task STOPPED on $node: UserInitiated"; then
	pass "events --follow: created, placed, RUNNING, stop requested, STOPPED, in order"
else fail "events --follow" "$(grep "$task" "$T_DIR/events.log" | head -8)"; fi
grep -q "node $node joined" "$T_DIR/events.log" && pass "events: the node joined" || fail "events: node joined" "$(head -3 "$T_DIR/events.log")"
# -o json from the task's creation on: the same story, nothing older
rev=$(sed -nE "s/^([0-9]+) .* task $task created.*/\1/p" "$T_DIR/events.log" | head -1)
$CTL -o json events --since "${rev:-1}" >"$T_DIR/events.json" 2>&1
got=$(jq -r --arg t "$task" 'select(.id == $t) | .event' "$T_DIR/events.json" 2>/dev/null | tr '\n' ,)
if [ -n "$rev" ] && [[ $got == created,placed,*RUNNING,*"stop requested",*STOPPED, ]] &&
	jq -se --argjson r "$rev" 'all(.revision >= $r) and (map(select(.event == "joined")) | length == 0)' \
		"$T_DIR/events.json" >/dev/null; then
	pass "events -o json --since REV: the task's events in order, none before REV"
else fail "events -o json --since" "rev=$rev got=$got $(head -2 "$T_DIR/events.json")"; fi
# (the shell's "Terminated" for its killed sleep is the last stderr line)
out=$($CTL task logs $task $ADDR --tail 3 2>/dev/null)
grep -qE '^seq [0-9]+$' <<<"$out" && pass "task logs after the task stopped" || fail "logs after stop" "$out"

monitor "$T_DIR/mon.sock" system_powerdown
wait_line "$log" 'agent: stopped' 60 >/dev/null
