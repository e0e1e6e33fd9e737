#!/bin/bash
# DHCPv4: a real server (busybox udhcpd) in a peer namespace, busybox
# udhcpc running skiff-netcfg as its script. Bound: address with the lease
# as its lifetime, default route, DNS. Renewal moves the lifetime forward.
# Server gone: the lease is kept until it expires, then everything goes.
# Then `skiff-netcfg up` with "dhcp": true forks udhcpc itself.
. "$(dirname "$0")/../lib.sh"
NC=$SKIFF_BIN/skiff-netcfg
srv=$(t_netns_name ncd) LEASE=20 # udhcpc treats leases under 16 s as 16 s
export SKIFF_NETCFG_RESOLV=$T_DIR/resolv.conf SKIFF_NETCFG_STATE=$T_DIR/state
cleanup() {
	[ -f "$T_DIR/state/udhcpc.d0.pid" ] && kill "$(cat "$T_DIR/state/udhcpc.d0.pid")" 2>/dev/null
	ip netns del "$srv" 2>/dev/null; ip link del d0 2>/dev/null; t_cleanup
}
trap cleanup EXIT
echo "nameserver 192.0.2.99" >"$T_DIR/resolv.conf"
ip netns add "$srv"
ip link add d0 type veth peer name d1 netns "$srv"
ip -n "$srv" addr add 10.77.0.1/24 dev d1
ip -n "$srv" link set d1 up
ip link set d0 up
cat >"$T_DIR/udhcpd.conf" <<CONF
start 10.77.0.100
end 10.77.0.110
interface d1
lease_file $T_DIR/udhcpd.leases
pidfile $T_DIR/udhcpd.pid
min_lease 5
option subnet 255.255.255.0
option router 10.77.0.1
option dns 10.77.0.53
option domain test.local
option lease $LEASE
CONF
: >"$T_DIR/udhcpd.leases"
start_server() {
	ip netns exec "$srv" busybox udhcpd -f "$T_DIR/udhcpd.conf" >"$T_DIR/udhcpd.log" 2>&1 &
	SRV_PID=$!
	T_PIDS+=("$SRV_PID")
	sleep 0.3
}
start_server

valid_lft() { ip -o -4 addr show dev d0 | sed -nE 's/.*valid_lft ([0-9]+)sec.*/\1/p' | head -n1; }

t0=$(date +%s%N)
busybox udhcpc -f -i d0 -s "$NC" -t 5 -T 1 -A 1 -O search >"$T_DIR/udhcpc.log" 2>&1 &
UDHCPC=$!
T_PIDS+=("$UDHCPC")
if until_true 10 bash -c "ip -o addr show dev d0 | grep -q 'inet 10.77.0.1[01][0-9]/24'"; then
	pass "bound: lease address on d0"
	echo "  DHCP: udhcpc start to usable address in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	fail "bound: lease address on d0" "$(ip -o addr show dev d0; cat "$T_DIR/udhcpc.log")"
	exit 1
fi
sleep 0.5
lft=$(valid_lft)
check "address lifetime is the lease ($lft s <= $LEASE)" test -n "$lft" -a "${lft:-99}" -le $LEASE
check "default route via the router, proto dhcp" grep -q 'default via 10.77.0.1 dev d0 proto dhcp' <(ip route)
check "lease DNS server in resolv.conf" grep -qx 'nameserver 10.77.0.53' "$T_DIR/resolv.conf"
check "lease search domain in resolv.conf" grep -qx 'search test.local' "$T_DIR/resolv.conf"
check "script logged the bound event" grep -q 'd0: bound lease 10.77.0.1' "$T_DIR/udhcpc.log"

# udhcpc renews at half the lease; the kernel lifetime must move forward.
low=$lft
sleep 6
low=$(valid_lft)
if until_true 10 grep -q "d0: renew lease" "$T_DIR/udhcpc.log"; then
	sleep 0.3
	after=$(valid_lft)
	check "renewal moves the lifetime forward ($low s -> $after s)" test "${after:-0}" -gt "${low:-99}"
else
	fail "renewal" "no renew event: $(cat "$T_DIR/udhcpc.log")"
fi

# Server gone: keep the lease until it expires, then remove it.
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
t_kill=$SECONDS
left=$(valid_lft)
sleep $((left > 3 ? left - 3 : 0))
check "lease kept while it is valid (server gone ${left}s before expiry)" grep -q 'inet 10.77.0.1' <(ip -o addr show dev d0)
check "route kept while the lease is valid" grep -q 'default via 10.77.0.1 dev d0' <(ip route)
if until_true 8 bash -c "! ip -o -4 addr show dev d0 | grep -q 10.77.0.1"; then
	pass "address removed when the lease expired ($((SECONDS - t_kill)) s after the server went)"
else
	fail "address removed when the lease expired" "$(ip -o addr show dev d0)"
fi
until_true 5 bash -c "! grep -q 10.77.0.53 '$T_DIR/resolv.conf'"
check "default route removed" bash -c "! ip route | grep -q 'default via 10.77.0.1'"
check "lease DNS removed from resolv.conf" bash -c "! grep -q 10.77.0.53 '$T_DIR/resolv.conf'"
kill "$UDHCPC" 2>/dev/null
wait "$UDHCPC" 2>/dev/null

# skiff-netcfg up with "dhcp": true forks udhcpc and returns once bound.
start_server
cat >"$T_DIR/node.json" <<'JSON'
{"network": {"interfaces": [{"match": {"name": "d0"}, "dhcp": true}]}}
JSON
t0=$(date +%s%N)
SKIFF_NETCFG_UDHCPC=/bin/busybox "$NC" up "$T_DIR/node.json" >"$T_DIR/up.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "up with dhcp exits 0" test $rc -eq 0
check "up with dhcp: address present when up returns ($ms ms)" grep -q 'inet 10.77.0.1' <(ip -o addr show dev d0)
check "udhcpc keeps running in the background" kill -0 "$(cat "$T_DIR/state/udhcpc.d0.pid" 2>/dev/null)"
kill "$(cat "$T_DIR/state/udhcpc.d0.pid")" 2>/dev/null

# Events validated at the edge.
check "deconfig without interface is an error" bash -c "env -u interface '$NC' dhcp-event deconfig; test \$? -ne 0"
check "malformed lease ip rejected" bash -c "interface=d0 ip=10.1.2.300 mask=24 '$NC' bound 2>&1 | grep -q 'malformed ip'"
