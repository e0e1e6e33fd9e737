#!/bin/bash
# A bridge-mode container in a real guest (QEMU, TCG): the node gets
# 10.0.2.15 by DHCP from QEMU's user network; a service script runs
# `skiff-netcfg bridge up`, creates a busybox container with
# skiff-runtime, attaches its network namespace (/proc/PID/ns/net of the
# created process) to skiff0 with the port map 8080->80, and starts
# `busybox httpd` in it. The host fetches the container's file through
# `qemu/run --fwd HOSTPORT:8080` (user-net forward, then the DNAT rule), and
# a second container fetches a file from an HTTP server the test runs on
# 127.0.0.1 (10.0.2.2 in the guest), through the masquerade rule.
# Everything stays on loopback inside the test's network namespace.
. "$(dirname "$0")/../lib.sh"
RT=$SKIFF_BIN/skiff-runtime
for b in skiff-runtime skiff-netcfg; do
	[ -x "$SKIFF_BIN/$b" ] || { fail "$b built" "no $SKIFF_BIN/$b"; exit 1; }
done
# qemu/run joins this namespace only when it holds nothing but loopback;
# the host-side server must be in the same one.
if ip -o link show | awk -F': ' '{print $2}' | grep -qv '^lo$'; then
	fail "network namespace" "run through tests/run (a namespace holding only loopback)"
	exit 1
fi

SRV_PORT=$((20000 + $$ % 10000))
FWD_PORT=$((SRV_PORT + 1))
mkdir -p "$T_DIR/www"
echo "hello from the host $$" >"$T_DIR/www/hostfile.txt"
(cd "$T_DIR/www" && exec python3 -m http.server --bind 127.0.0.1 "$SRV_PORT") >"$T_DIR/http.log" 2>&1 &
T_PIDS+=($!)

"$RT" spec -b "$T_DIR" --force
jq -c '.process.args = ["httpd","-f","-vv","-p","80","-h","/www"]' "$T_DIR/config.json" >"$T_DIR/web.json"
# busybox-static's wget segfaults (in the guest too): nc speaks HTTP/1.0.
egress='ip -o -4 addr show eth0 | tr -s " " | cut -d" " -f2,4; ip route | grep default
reply=$(printf "GET /hostfile.txt HTTP/1.0\r\n\r\n" | nc -w 10 10.0.2.2 '$SRV_PORT' | tr -d "\r")
echo "$reply" | tail -n 1; echo "$reply" | head -n 1'
jq -c --arg s "$egress" '.process.args = ["sh", "-c", $s]' "$T_DIR/config.json" >"$T_DIR/egress.json"

cat >"$T_DIR/guest.sh" <<'GUEST'
rt=/usr/bin/skiff-runtime
net=/usr/bin/skiff-netcfg
bundle() {
	mkdir -p $1/rootfs/bin $1/rootfs/proc $1/rootfs/sys $1/rootfs/dev $1/rootfs/tmp $1/rootfs/www
	cp /bin/busybox $1/rootfs/bin/
	for a in sh httpd nc ip tr cut grep cat echo head tail printf; do ln -s busybox $1/rootfs/bin/$a; done
	cp /etc/rt/$2.json $1/config.json
}
# create, attach the created process's netns, start; prints the address.
# As with runc, the container gets create's stdio: files here.
up() { # ID PORTMAP...
	id=$1
	shift
	$rt create -b /tmp/$id --pid-file /tmp/$id.pid $id </dev/null >/tmp/$id.out 2>/tmp/$id.err ||
		{ echo "$id-CREATE-FAILED"; return 1; }
	out=$($net bridge attach "$@" $id --pid $(cat /tmp/$id.pid)) || { echo "$id-ATTACH-FAILED"; return 1; }
	$rt start $id || { echo "$id-START-FAILED"; return 1; }
	echo "$out" | sed -n 's|^address=\(.*\)/.*|\1|p'
}
get() { # HOST PORT PATH: the body's last line
	printf 'GET %s HTTP/1.0\r\n\r\n' $3 | nc -w 5 $1 $2 | tail -n 1
}
$net bridge up
echo BRIDGE-UP=$?
bundle /tmp/web web
echo "hello from the container" >/tmp/web/rootfs/www/index.html
ip=$(up web --port 8080:80)
echo WEB-ADDR=$ip
echo WEB-NETNS-DIFFERS=$(test "$(readlink /proc/$(cat /tmp/web.pid)/ns/net)" != "$(readlink /proc/self/ns/net)" && echo yes)
sleep 1
echo WEB-DIRECT=$(get $ip 80 /index.html)
echo WEB-MAPPED-NODE=$(get 10.0.2.15 8080 /index.html)

bundle /tmp/egress egress
up egress >/dev/null
for i in $(seq 150); do $rt state egress | grep -q '"stopped"' && break; sleep 0.2; done
echo EGRESS-OUT=$(tr '\n' ' ' </tmp/egress.out)
echo BRIDGE-READY

# Wait for the host's request (from 10.0.2.2, QEMU's forward) in httpd's log.
log=/tmp/web.err
for i in $(seq 100); do grep -q '10.0.2.2\]:' $log 2>/dev/null && break; sleep 0.2; done
sleep 0.5
echo WEB-LOG=$(tr '\n' ' ' <$log)
$rt delete --force web; $rt delete egress
$net bridge detach web && $net bridge detach egress && echo DETACH=ok
echo VETH-LEFT=$(ls /sys/class/net | grep -c '^sk[0-9a-f]*$')
echo BRIDGE-DONE
GUEST

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: rt-bridge
debug: true
kernel:
  modules: [virtio_pci, virtio_net, bridge, veth, overlay, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
  cmdline: "console=ttyS0 panic=-1"
network: {interfaces: [{match: {name: eth0}, dhcp: true}], carrier_timeout_ms: 5000}
services:
  - name: bridge
    exec: ["/bin/sh", "/etc/rt/test.sh"]
    restart: never
files:
  - path: /etc/rt/test.sh
    source: guest.sh
  - path: /etc/rt/web.json
    source: web.json
  - path: /etc/rt/egress.json
    source: egress.json
shutdown:
  grace_ms: 2000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"
log=$T_DIR/console.log
boot "$T_DIR/img" "$log" --accel tcg --fwd "$FWD_PORT:8080"
if ! wait_line "$log" 'BRIDGE-READY' 280 >/dev/null; then
	fail "guest reaches BRIDGE-READY" "no BRIDGE-READY line"
	tail -n 30 "$log"
	exit 1
fi
body=$(curl -s -m 20 "http://127.0.0.1:$FWD_PORT/index.html")
if [ "$body" = "hello from the container" ]; then pass "host curl through --fwd $FWD_PORT:8080 gets the container's file"; else fail "host curl through the port map" "got '$body'"; fi
wait_line "$log" 'BRIDGE-DONE' 120 >/dev/null

con=$(tr -d '\r' <"$log")
line() { grep -o -m1 "$1=.*" <<<"$con" | cut -d= -f2-; }
expect() {
	if [[ "$(line "$2")" =~ $3 ]]; then pass "$1"; else fail "$1" "$2='$(line "$2")', want /$3/"; fi
}
# (on $con, not has_line: grep -q ending a pipe early fails it under pipefail)
if grep -q 'bound lease 10.0.2.15/24' <<<"$con"; then pass "node lease 10.0.2.15 from QEMU"; else fail "node lease 10.0.2.15 from QEMU" "no lease line"; fi
expect "bridge up" BRIDGE-UP '^0$'
expect "container address from the bridge subnet" WEB-ADDR '^172\.31\.0\.[0-9]+$'
expect "container has its own network namespace" WEB-NETNS-DIFFERS '^yes$'
expect "node reaches the container directly" WEB-DIRECT '^hello from the container$'
expect "node reaches it through the mapped port" WEB-MAPPED-NODE '^hello from the container$'
expect "egress container: eth0 with its address" EGRESS-OUT '^eth0 172\.31\.0\.[0-9]+/24 '
expect "egress container: default route via the bridge" EGRESS-OUT 'default via 172\.31\.0\.1 dev eth0'
expect "container fetches from the host side (10.0.2.2:$SRV_PORT, masquerade)" EGRESS-OUT "hello from the host $$ HTTP/1.0 200 OK"
check "host server saw the container's request" grep -q 'GET /hostfile.txt HTTP/1.0" 200' "$T_DIR/http.log"
expect "httpd logged the host's request (from QEMU's 10.0.2.2)" WEB-LOG '\[::ffff:10\.0\.2\.2\]:[0-9]+: url:/index.html \[[^]]*\]:[0-9]+: response:200'
expect "detach both" DETACH '^ok$'
expect "no veth left" VETH-LEFT '^0$'
