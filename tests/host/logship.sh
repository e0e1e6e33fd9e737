#!/bin/bash
# Log shipping on the host against a real rsyslog: the agent (no VM, no
# containers) ships its node log ring to rsyslog over TLS (rsyslog's gtls
# driver with a server certificate from skiffctl ca, verified by the
# shipper against that CA and the collector's IP address); a collector
# whose certificate another CA signed is refused; while rsyslog is away
# the bounded queue keeps the newest lines, drops the oldest and reports
# how many; a restarted shipper goes on where it stopped; the lines
# acknowledged last are sent again when the collector resets the
# connection, or when a relay in front of it (socat here, QEMU's user-mode
# network in tests/qemu/operability.sh) closes it cleanly (plain TCP).
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=26379 REG_PORT=26500 TLS_PORT=26514 CLUSTER=shiptest
. "$SKIFF_TOP/tests/fixtures/cluster_env.sh"
command -v rsyslogd >/dev/null || { echo "FAIL: setup: rsyslogd is not installed"; exit 1; }
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || { echo "FAIL: setup: rsyslog-gnutls is not installed"; exit 1; }

start_etcd || { echo "FAIL: setup: etcd"; exit 1; }

PKI=$T_DIR/pki OTHER=$T_DIR/other
$CTL ca init --dir "$PKI" >/dev/null && $CTL ca issue node collector --ip 127.0.0.1 --dir "$PKI" >/dev/null &&
	$CTL ca init --dir "$OTHER" >/dev/null && $CTL ca issue node collector --ip 127.0.0.1 --dir "$OTHER" >/dev/null ||
	{ echo "FAIL: setup: skiffctl ca"; exit 1; }

RS=$T_DIR/rsyslog
mkdir -p "$RS"
# start_rsyslog PKI-DIR: over TLS
start_rsyslog() { rsyslog_start "$RS" "$TLS_PORT" "$1"; }
stop_rsyslog() { rsyslog_stop; }

RUN=$T_DIR/run
mkdir -p "$RUN/log"
ring=$RUN/log/console.log
# The node's ring, as init would write it.
say() { printf '[%4d.%03d] test: %s\n' $((SECONDS)) 0 "$1" >>"$ring"; }
cat >"$T_DIR/node.json" <<EOF
{"cluster":{"syslog":{"address":"tcp+tls://127.0.0.1:$TLS_PORT","ca_file":"$PKI/ca.crt","tag":"shiptest",
 "buffer_kib":16}}}
EOF
start_shipper() {
	"$SKIFF_BIN/skiff-agent" --config "$T_DIR/node.json" --endpoints $EP --cluster $CLUSTER --node-id n1 \
		--data "$T_DIR/data" --run "$RUN" --lease-ttl 3 >>"$T_DIR/agent.log" 2>&1 &
	AGENT_PID=$!
	T_PIDS+=($!)
}
received() { [ -e "$RS/received.log" ] || { echo 0; return; }; grep -c "^shiptest|-|\[skiff@32473 node=\"n1\"\]|test: $1" "$RS/received.log" 2>/dev/null || true; }
# received_is LINE N: the line arrived N times
received_is() { [ "$(received "$1")" = "$2" ]; }

# --- a collector with another CA's certificate is refused
start_rsyslog "$OTHER" || { echo "FAIL: setup: rsyslogd: $(tail -3 "$RS/out.log")"; exit 1; }
say early-line
start_shipper
until_true 10 grep -q "collector tcp+tls://127.0.0.1:$TLS_PORT unreachable" "$T_DIR/agent.log"
if grep -q "unreachable (the peer's certificate is not signed by the cluster CA)" "$T_DIR/agent.log" &&
	received_is early-line 0; then
	pass "a collector whose certificate another CA signed is refused"
else fail "wrong collector refused" "$(grep shipper "$T_DIR/agent.log") received=$(received early-line)"; fi

# --- the right collector: what waited is sent, over TLS
stop_rsyslog
start_rsyslog "$PKI"
if until_true 15 received_is early-line 1; then
	pass "over TLS to rsyslog: the line that waited arrives once, node id in the structured data"
else fail "TLS shipping" "$(tail -3 "$RS/received.log") $(grep shipper "$T_DIR/agent.log" | tail -2)"; fi
say live-line
until_true 10 received_is live-line 1 && pass "a new line is shipped as it is written" ||
	fail "live line" "$(tail -2 "$RS/received.log")"

# --- rsyslog away, more written than the 16 KiB queue holds
stop_rsyslog
for i in $(seq 1 400); do say "burst $i padding-padding-padding-padding-padding"; done
sleep 2
start_rsyslog "$PKI"
if until_true 20 grep -q 'test: burst 400 ' "$RS/received.log"; then
	first=$(grep -o 'test: burst [0-9]*' "$RS/received.log" | head -1 | awk '{print $3}')
	n=$(grep -c 'test: burst' "$RS/received.log")
	dropped=$(sed -nE 's/^skiff\|dropped\|\[skiff@32473 dropped="([0-9]+)"\]\|.*/\1/p' "$RS/received.log" | tail -1)
	if [ "$first" -gt 1 ] && [ $((n + ${dropped:-0})) -ge 400 ] && [ "$n" = $((400 - first + 1)) ] &&
		grep -q "log shipper: $dropped log lines dropped" "$T_DIR/agent.log"; then
		pass "queue full: the oldest $dropped lines dropped and reported, the newest $n arrive in order"
	else fail "dropped lines" "first=$first n=$n dropped=$dropped"; fi
else fail "after the outage" "$(tail -2 "$RS/received.log")"; fi

# --- a restarted shipper goes on where it stopped
kill $AGENT_PID
wait_exit $AGENT_PID 20 >/dev/null 2>&1 || kill -9 $AGENT_PID 2>/dev/null
say after-restart
start_shipper
if until_true 15 received_is after-restart 1 && received_is live-line 1 && received_is early-line 1; then
	pass "restarted shipper: no line twice, none skipped"
else fail "restart" "early=$(received early-line) live=$(received live-line) after=$(received after-restart)"; fi

# --- a collector that dies with lines it had not read (the kernel acked
# them, the process never saw them: its close resets the connection)
kill -STOP $RSYSLOG_PID
say unread-line
sleep 1.5
kill -9 $RSYSLOG_PID
wait_exit $RSYSLOG_PID 20 >/dev/null 2>&1
start_rsyslog "$PKI"
if until_true 20 bash -c "grep -q 'test: unread-line' '$RS/received.log'"; then
	pass "a collector that reset the connection with lines unread gets them again"
else fail "lines lost in a reset" "$(grep shipper "$T_DIR/agent.log" | tail -3)"; fi

# --- a collector behind a relay (QEMU's user-mode network, a TCP load
# balancer), over plain TCP: the relay's kernel acknowledges lines, not the
# collector's. A line the relay took after the collector had closed is lost
# beyond it, and the shipper sees the relay close its end (a FIN, no reset);
# it must send the lines acknowledged lately again. socat is stopped so that
# it holds a line while rsyslog shuts down cleanly (it read all it got).
RELAY_PORT=$((TLS_PORT + 1))
start_rsyslog_plain() { rsyslog_start "$RS" "$TLS_PORT"; }
start_relay() {
	socat TCP-LISTEN:$RELAY_PORT,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:$TLS_PORT 2>>"$T_DIR/socat.log" &
	RELAY_PID=$!
	T_PIDS+=($!)
	until_true 10 bash -c "ss -ltn | grep -q '127.0.0.1:$RELAY_PORT '"
}
stop_rsyslog
kill $AGENT_PID
wait_exit $AGENT_PID 20 >/dev/null 2>&1 || kill -9 $AGENT_PID 2>/dev/null
cat >"$T_DIR/node.json" <<EOC
{"cluster":{"syslog":{"address":"tcp://127.0.0.1:$RELAY_PORT","tag":"shiptest","buffer_kib":16}}}
EOC
setup "plain rsyslog" start_rsyslog_plain
setup "socat relay" start_relay
start_shipper
say relay-live
setup "lines through the relay" until_true 20 received_is relay-live 1
kill -STOP $RELAY_PID
say relay-held
# the shipper writes it, the relay's kernel acknowledges it (it waits
# unread in the relay's socket), the shipper's send queue drains
setup "the relay holds a line" until_true 10 \
	"ss -tnH state established '( sport = :$RELAY_PORT )' | awk '\$1 > 0' | grep -q ."
sleep 0.5
stop_rsyslog
kill -CONT $RELAY_PID
setup "the relay closes" until_true 20 \
	grep -q "collector tcp://127.0.0.1:$RELAY_PORT unreachable (connection closed)" "$T_DIR/agent.log"
wait_exit $RELAY_PID 20 >/dev/null 2>&1
start_rsyslog_plain
start_relay
if until_true 20 received_is relay-held 1; then
	pass "a collector behind a relay closed cleanly: the line the relay took after it closed is sent again"
else fail "line lost behind a relay" "$(grep shipper "$T_DIR/agent.log" | tail -3) $(tail -2 "$RS/received.log")"; fi
