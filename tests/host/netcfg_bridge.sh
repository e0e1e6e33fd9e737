#!/bin/bash
# Bridge mode: two "containers" (network namespaces) attached to skiff0,
# reaching each other and an outside namespace (masquerade), a host port
# mapped to a container port (DNAT), the same address again for the same
# owner, and detach/down leaving no link, address or rule behind.
. "$(dirname "$0")/../lib.sh"
NC=$SKIFF_BIN/skiff-netcfg
c1=$(t_netns_name ncb1) c2=$(t_netns_name ncb2) ext=$(t_netns_name ncbx) ST=$T_DIR/state
cleanup() {
	"$NC" bridge down --state "$ST" >/dev/null 2>&1
	for n in $c1 $c2 $ext; do ip netns del "$n" 2>/dev/null; done
	ip link del x0 2>/dev/null; t_cleanup
}
trap cleanup EXIT
snapshot() { { ip -o link | sed 's/^[0-9]*: //' | cut -d' ' -f1; ip -o addr | awk '{print $2,$3,$4}'; nft list ruleset; find "$ST" -type f 2>/dev/null; } | sort; }
for n in $c1 $c2 $ext; do ip netns add "$n"; done
ip link add x0 type veth peer name x1 netns "$ext"
ip addr add 10.88.0.1/24 dev x0
ip link set x0 up
ip -n "$ext" addr add 10.88.0.2/24 dev x1
ip -n "$ext" link set x1 up
echo "nameserver 10.88.0.53" >"$T_DIR/host-resolv.conf"
snapshot >"$T_DIR/before"

"$NC" bridge up --state "$ST" || fail "bridge up" "exit $?"
snapshot >"$T_DIR/bridge-up"
out1=$("$NC" bridge attach --state "$ST" --resolv "$T_DIR/host-resolv.conf" --port 8080:80 task-1 --netns /var/run/netns/$c1 2>&1)
rc1=$?
out2=$("$NC" bridge attach --state "$ST" --resolv "$T_DIR/host-resolv.conf" task-2 --netns /var/run/netns/$c2 2>&1)
rc2=$?
echo "$out1" "$out2" | sed 's/^/  /'
check "attach task-1" test $rc1 -eq 0
check "attach task-2" test $rc2 -eq 0
a1=$(sed -n 's/^address=\(.*\)\/24$/\1/p' <<<"$out1")
a2=$(sed -n 's/^address=\(.*\)\/24$/\1/p' <<<"$out2")
check "distinct addresses from the subnet ($a1, $a2)" bash -c "[ -n '$a1' ] && [ -n '$a2' ] && [ '$a1' != '$a2' ] && [[ '$a1' == 172.31.0.* ]]"
check "allocation files hold the owner" grep -qx task-1 "$ST/ipam/$a1"
check "eth0 inside with the address" grep -q "inet $a1/24" <(ip -n $c1 -o addr show dev eth0)
check "default route inside via the bridge" grep -q 'default via 172.31.0.1 dev eth0' <(ip -n $c1 route)
check "container resolv.conf from the host's" grep -qx 'nameserver 10.88.0.53' "$ST/resolv/task-1.conf"
check "container to container" ip netns exec $c1 busybox ping -c1 -W2 "$a2"
check "container to the outside (masquerade)" ip netns exec $c2 busybox ping -c1 -W2 10.88.0.2

# (busybox-static's wget crashes here, so socat serves and fetches.)
ip netns exec $c1 socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo hello from task-1' &
T_PIDS+=($!)
sleep 0.3
check "port mapping from outside (10.88.0.1:8080 -> $a1:80)" \
	bash -c "ip netns exec $ext socat -T3 - TCP:10.88.0.1:8080 </dev/null | grep -q 'hello from task-1'"
check "port mapping from the host itself" \
	bash -c "socat -T3 - TCP:10.88.0.1:8080 </dev/null | grep -q 'hello from task-1'"
check "unmapped port not forwarded" bash -c "! ip netns exec $ext socat -T2 - TCP:10.88.0.1:8081 </dev/null 2>/dev/null"

# Agent restart: attaching the same owner again gives the same address.
"$NC" bridge detach --state "$ST" task-2 >/dev/null
ip netns del $c2 && ip netns add $c2
out2b=$("$NC" bridge attach --state "$ST" --resolv "$T_DIR/host-resolv.conf" task-2 --netns /var/run/netns/$c2 2>&1)
"$NC" bridge detach --state "$ST" task-2 >/dev/null
out2c=$("$NC" bridge attach --state "$ST" --resolv "$T_DIR/host-resolv.conf" task-3 --netns /var/run/netns/$c2 2>&1)
ip netns del $c2 && ip netns add $c2
out1b=$("$NC" bridge attach --state "$ST" --resolv "$T_DIR/host-resolv.conf" --port 8080:80 task-1 --netns /var/run/netns/$c1 2>&1)
check "re-attach keeps the owner's address" grep -qx "address=$a1/24" <<<"$out1b"
check "a released address is handed out again" grep -qx "address=$a2/24" <<<"$out2c"
check "bad owner id rejected" bash -c "! '$NC' bridge attach --state '$ST' 'a/b' --netns /var/run/netns/$c1 2>/dev/null"

# Detach everything: back to exactly the state after `bridge up`.
"$NC" bridge detach --state "$ST" task-1 && "$NC" bridge detach --state "$ST" task-3
check "detach is idempotent" "$NC" bridge detach --state "$ST" task-1
snapshot >"$T_DIR/after-detach"
if diff "$T_DIR/bridge-up" "$T_DIR/after-detach" >"$T_DIR/diff1"; then pass "detach leaves no link, address, rule or allocation"; else fail "detach leaves nothing" "$(cat "$T_DIR/diff1")"; fi
"$NC" bridge down --state "$ST"
snapshot >"$T_DIR/after-down"
if diff "$T_DIR/before" "$T_DIR/after-down" >"$T_DIR/diff2"; then pass "bridge down restores the initial state"; else fail "bridge down restores the initial state" "$(cat "$T_DIR/diff2")"; fi
