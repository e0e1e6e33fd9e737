# Shared helpers for the shell tests (sourced). Every check prints one
# "PASS: name" or "FAIL: name: why" line, which tests/run counts; a setup
# step is no test and prints neither unless it fails. mk/demo.sh sources
# this file too, with SKIFF_LIB_HELPERS_ONLY=1: the helpers, no test
# directory and no EXIT trap.
set -uo pipefail

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# setup WHAT COMMAND...: a step the tests need (a daemon up, an image
# pushed) but that tests nothing itself: silent when COMMAND succeeds,
# else one FAIL line and the script ends.
setup() {
	local what=$1
	shift
	"$@" || { echo "FAIL: setup: $what"; exit 1; }
}

# until_true SECONDS COMMAND [ARG...]: runs COMMAND quietly every 0.2 s
# until it succeeds; fails once SECONDS have passed. A single argument is
# a shell condition and is evaluated: until_true 10 'test -n "$(leader)"'.
until_true() {
	local end=$((SECONDS + $1))
	shift
	[ $# -eq 1 ] && set -- eval "$1"
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# build_image SPEC OUTDIR: builds an image, failing the whole script if it cannot.
build_image() {
	if ! "$IMAGEGEN" build "$1" -o "$2" >"$T_DIR/imagegen.log" 2>&1; then
		echo "FAIL: build $1: $(cat "$T_DIR/imagegen.log")"
		exit 1
	fi
}

# boot DIR LOG [qemu/run options...]: boots in the background; sets QEMU_PID.
boot() {
	local dir=$1 log=$2
	shift 2
	: >"$log"
	"$SKIFF_TOP/qemu/run" --log "$log" --timeout 300 "$@" "$dir" >"$log.qemu" 2>&1 &
	QEMU_PID=$!
	T_PIDS+=("$QEMU_PID")
}

# wait_line LOG PATTERN [TIMEOUT]: prints the first matching console line.
wait_line() {
	"$SKIFF_TOP/qemu/wait-for" "$@" 2>>"$T_DIR/wait.log"
}

# wait_exit PID TIMEOUT: waits for a process to end; returns its status or 124.
wait_exit() {
	local pid=$1 limit=$2 end=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 124
		sleep 0.2
	done
	wait "$pid"
}

# rsyslog_start DIR PORT [PKI]: Debian's rsyslogd on 127.0.0.1:PORT, plain
# TCP or, with PKI (ca.crt, collector.crt, collector.key), TLS; octet-
# counted RFC 5424 in, "app|msgid|structured data|message" lines out to
# DIR/received.log. Waits until it accepts; RSYSLOG_PID is its pid.
rsyslog_start() {
	local tls="" tcp=""
	if [ -n "${3:-}" ]; then
		tls=" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"$3/ca.crt\"
       defaultNetstreamDriverCertFile=\"$3/collector.crt\" defaultNetstreamDriverKeyFile=\"$3/collector.key\""
		tcp=' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"'
	fi
	cat >"$1/rsyslog.conf" <<CONF
global(workDirectory="$1"$tls)
module(load="imtcp"$tcp)
input(type="imtcp" address="127.0.0.1" port="$2")
template(name="t" type="string" string="%app-name%|%msgid%|%structured-data%|%msg%\n")
action(type="omfile" file="$1/received.log" template="t")
CONF
	rsyslogd -n -f "$1/rsyslog.conf" -i "$1/pid" >>"$1/out.log" 2>&1 &
	RSYSLOG_PID=$!
	T_PIDS+=($!)
	until_true 10 timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$2"
}

# rsyslog_stop: SIGTERM to rsyslog_start's rsyslogd, SIGKILL after 20 s.
rsyslog_stop() {
	kill "$RSYSLOG_PID"
	wait_exit "$RSYSLOG_PID" 20 >/dev/null 2>&1 || kill -9 "$RSYSLOG_PID" 2>/dev/null
}

# monitor SOCK COMMAND: sends one HMP command to QEMU's monitor socket.
monitor() {
	printf '%s\n' "$2" | socat - "unix-connect:$1" >/dev/null 2>&1
}

# has_line LOG PATTERN: a console line (carriage returns dropped) matches.
has_line() {
	# grep reads to the end: with pipefail, an early exit would fail tr.
	tr -d '\r' <"$1" | grep -E -- "$2" >/dev/null
}

# console_ms LOG PATTERN: the console timestamp (ms) of the first line
# matching PATTERN, empty if none.
console_ms() {
	tr -d '\r' <"$1" | grep -E -m1 -- "$2" |
		sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'
}

# in_order LOG PATTERN...: each pattern matches a console line after the
# line the previous one matched.
in_order() {
	local log=$1 from=0 n
	shift
	for p in "$@"; do
		n=$(tr -d '\r' <"$log" | tail -n +$((from + 1)) | grep -n -E -m1 -- "$p" | cut -d: -f1)
		[ -n "$n" ] || { echo "  no line matching '$p' after line $from" >&2; return 1; }
		from=$((from + n))
	done
}

# A container image for tests, the demo and benches, built with the real
# tools: busybox_root DIR APPLET... puts busybox in DIR/root/bin with a link
# per applet ("all": every one it has); the caller adds any other files to
# DIR/root. registry_start DIR PORT serves a docker-registry on
# 127.0.0.1:PORT from DIR/registry in the background ($! is its pid).
# image_push DIR REF packs DIR/root as one layer (umoci; cmd /bin/sh,
# PATH=/bin) and copies it to docker://REF (skopeo, plain HTTP) once the
# registry answers (the OCI layout stays at DIR/oci, tag img). Each
# tool's output goes to DIR/<tool>.log.
busybox_root() {
	local d=$1 a
	shift
	mkdir -p "$d/root/bin"
	cp "$(command -v busybox)" "$d/root/bin/busybox"
	[ "$*" = all ] && set -- $(busybox --list)
	for a in "$@"; do [ "$a" = busybox ] || ln -sf busybox "$d/root/bin/$a"; done
}
registry_start() {
	mkdir -p "$1/registry"
	printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
		"$1/registry" "$2" >"$1/reg.yml"
	docker-registry serve "$1/reg.yml" >"$1/registry.log" 2>&1 &
}
image_push() {
	local d=$1 ref=$2
	(cd "$d" && rm -rf oci bundle && umoci init --layout oci && umoci new --image oci:img &&
		umoci unpack --image oci:img bundle && cp -a root/. bundle/rootfs/ &&
		umoci repack --image oci:img bundle &&
		umoci config --image oci:img --config.cmd=/bin/sh --config.env=PATH=/bin) >"$d/umoci.log" 2>&1 &&
		until_true 10 curl -sf "http://${ref%%/*}/v2/" &&
		skopeo copy --dest-tls-verify=false "oci:$d/oci:img" "docker://$ref" >"$d/skopeo.log" 2>&1
}

# etcd_certs DIR DAYS [NAME SUBJECT]...: etcd's TLS files, made with
# openssl in DIR: ca.pem/ca.key, server.pem/key (for 127.0.0.1 and
# 10.0.2.2, QEMU's host side) and client.pem/key, plus one client
# certificate NAME.pem/key per NAME SUBJECT pair. The client certificate
# has no common name: etcd 3.4's JSON gateway refuses one that has a CN
# once auth is on, so it only proves membership and the etcd user says who
# asks (docs/cluster.md). openssl's output goes to DIR/openssl.log.
etcd_certs() {
	local dir=$1 days=$2 n subj ext
	shift 2
	set -- server /O=skiff-server client /O=skiff-client "$@"
	(
		cd "$dir" &&
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
				-out ca.pem -days "$days" -subj /CN=skiff-etcd-ca &&
			while [ $# -gt 0 ]; do
				n=$1 subj=$2
				shift 2
				ext='extendedKeyUsage=clientAuth'
				[ "$n" = server ] && ext='subjectAltName=IP:127.0.0.1,IP:10.0.2.2
extendedKeyUsage=serverAuth,clientAuth'
				openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$n.key" \
					-out "$n.csr" -subj "$subj" &&
					openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
						-days "$days" -out "$n.pem" -extfile <(printf '%s\n' "$ext") || exit 1
			done
	) >"$dir/openssl.log" 2>&1
}

# etcd_start NAME DATA_DIR CLIENT_URL PEER_PORT LOG [ETCD_ARG...]: a
# one-member etcd cluster NAME in the background, serving clients on
# CLIENT_URL (https with the TLS flags among ETCD_ARGs) and its peer port
# on http://127.0.0.1:PEER_PORT, with its data in DATA_DIR. Its output is
# appended to LOG, so that a restart on the same DATA_DIR keeps the first
# run's lines. ETCD_PID (and $!) is its pid: the caller adds it to its own
# list and waits for CLIENT_URL/health with the curl options it needs.
etcd_start() {
	local name=$1 data=$2 client=$3 peer=http://127.0.0.1:$4 log=$5
	shift 5
	etcd --name "$name" --data-dir "$data" --listen-client-urls "$client" --advertise-client-urls "$client" \
		--listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "$name=$peer" \
		"$@" >>"$log" 2>&1 &
	ETCD_PID=$!
}

[ -n "${SKIFF_LIB_HELPERS_ONLY:-}" ] && return 0

: "${SKIFF_TOP:?run through tests/run}"
IMAGEGEN=$SKIFF_BIN/skiff-imagegen
T_NAME=$(basename "$0" .sh)
T_DIR=$SKIFF_TEST_OUT/$T_NAME
rm -rf "$T_DIR"
mkdir -p "$T_DIR"
T_PIDS=()

# A name for `ip netns add`. Named namespaces live in the host's /run/netns
# whatever namespace the test runs in, and $$ is 1 under tests/run's pid
# namespace: a fixed or pid-based name collides with a concurrent run (or a
# leftover of a killed one).
t_netns_name() {
	echo "$1$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
}

t_cleanup() {
	local p
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
trap t_cleanup EXIT
