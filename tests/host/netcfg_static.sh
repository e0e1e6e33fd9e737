#!/bin/bash
# skiff-netcfg up: static addresses (v4, v6), MTU, routes, resolv.conf,
# match by MAC, kernel command-line overrides, and bad items reported by
# key while the good ones are still applied. Runs in tests/run's own
# network namespace; the peers live in a namespace created here.
. "$(dirname "$0")/../lib.sh"
NC=$SKIFF_BIN/skiff-netcfg
peer=$(t_netns_name ncs)
cleanup() { ip netns del "$peer" 2>/dev/null; ip link del n0 2>/dev/null; ip link del n1 2>/dev/null; ip link del n2 2>/dev/null; t_cleanup; }
trap cleanup EXIT
ip netns add "$peer"
for i in 0 1 2; do
	ip link add n$i type veth peer name p$i netns "$peer"
	ip -n "$peer" link set p$i up
done
ip link set n1 address 52:54:00:aa:bb:01
ip -n "$peer" addr add 10.61.0.1/24 dev p0
ip -n "$peer" addr add fd61::1/64 dev p0 nodad

cat >"$T_DIR/node.json" <<'JSON'
{"hostname": "x", "network": {
  "interfaces": [
    {"match": {"name": "n0"}, "mtu": 1400,
     "addresses": ["10.61.0.2/24", "fd61::2/64", "10.0.0.300/24"],
     "routes": [{"to": "default", "via": "10.61.0.1"},
                {"to": "10.99.0.0/16", "via": "10.61.0.1", "metric": 50},
                {"to": "10.98.0.0/16", "via": "192.168.7.1"}]},
    {"match": {"mac": "52:54:00:aa:bb:01"}, "addresses": ["10.62.0.2/24", "10.61.0.2/24"]},
    {"match": {"name": "eth9"}, "addresses": ["10.63.0.2/24"]}
  ],
  "dns": {"nameservers": ["10.61.0.53", "fd61::53"], "search": ["example.test"]},
  "carrier_timeout_ms": 3000}}
JSON
"$NC" up --resolv "$T_DIR/resolv.conf" --state "$T_DIR/state" "$T_DIR/node.json" >"$T_DIR/up.out" 2>&1
rc=$?
cat "$T_DIR/up.out" | sed 's/^/  /'
check "up exits 1 when some items fail" test $rc -eq 1
check "IPv4 address applied" grep -q 'inet 10.61.0.2/24' <(ip -o addr show dev n0)
check "IPv6 address applied" grep -q 'inet6 fd61::2/64' <(ip -o addr show dev n0)
check "MTU applied" grep -q 'mtu 1400' <(ip link show n0)
check "default route" grep -q 'default via 10.61.0.1 dev n0' <(ip route)
check "static route with metric" grep -q '10.99.0.0/16 via 10.61.0.1 dev n0 .*metric 50' <(ip route)
check "match by MAC" grep -q 'inet 10.62.0.2/24' <(ip -o addr show dev n1)
check "resolv.conf nameservers" grep -qx 'nameserver 10.61.0.53' "$T_DIR/resolv.conf"
check "resolv.conf v6 nameserver" grep -qx 'nameserver fd61::53' "$T_DIR/resolv.conf"
check "resolv.conf search" grep -qx 'search example.test' "$T_DIR/resolv.conf"
check "malformed CIDR named by key" grep -qF 'network.interfaces[0].addresses[2]: malformed CIDR "10.0.0.300/24"' "$T_DIR/up.out"
check "off-link gateway named by key" grep -qF 'network.interfaces[0].routes[2].via: gateway 192.168.7.1 is off-link' "$T_DIR/up.out"
check "duplicate address named by key" grep -qF 'network.interfaces[1].addresses[1]: duplicate address "10.61.0.2/24" (also network.interfaces[0].addresses[0])' "$T_DIR/up.out"
check "unknown interface named by key" grep -qF 'network.interfaces[2].match: no interface named "eth9"' "$T_DIR/up.out"
check "summary counts the problems" grep -qF 'fatal: network: 4 problem(s)' "$T_DIR/up.out"
check "duplicate not applied to the second link" bash -c "! ip -o addr show dev n1 | grep -q 10.61.0.2"
check "peer reachable over the configured address" busybox ping -c1 -W2 10.61.0.1
ms=$(sed -nE 's/.*n0: 3 static address\(es\) 2 route\(s\) in ([0-9]+) ms after link up/\1/p' "$T_DIR/up.out")
[ -n "$ms" ] && echo "  static: link up to addresses and routes in $ms ms"

# Idempotent: a second run changes nothing and only the same items fail.
"$NC" up --resolv "$T_DIR/resolv.conf" --state "$T_DIR/state" "$T_DIR/node.json" >"$T_DIR/up2.out" 2>&1
check "second up reports the same 4 problems" grep -qF 'fatal: network: 4 problem(s)' "$T_DIR/up2.out"
check "second up keeps one copy of the address" test "$(ip -o addr show dev n0 | grep -c 10.61.0.2)" -eq 1

# Kernel command line: ip= (nfsroot syntax) and skiff.net.* overrides.
"$NC" up --resolv "$T_DIR/resolv2.conf" --state "$T_DIR/state2" \
	--cmdline "console=ttyS0 ip=10.64.0.2::10.64.0.1:255.255.255.0:node:n2:off:10.64.0.53 skiff.net.n1.addr=10.65.0.2/24,fd65::2/64 skiff.net.n1.mtu=1300" \
	/nonexistent.json >"$T_DIR/up3.out" 2>&1
rc=$?
check "cmdline-only configuration succeeds" test $rc -eq 0
check "ip= address and netmask" grep -q 'inet 10.64.0.2/24' <(ip -o addr show dev n2)
check "ip= gateway" grep -q 'default via 10.64.0.1 dev n2' <(ip route)
check "ip= dns" grep -qx 'nameserver 10.64.0.53' "$T_DIR/resolv2.conf"
check "skiff.net.n1.addr" grep -q 'inet6 fd65::2/64' <(ip -o addr show dev n1)
check "skiff.net.n1.mtu" grep -q 'mtu 1300' <(ip link show n1)
"$NC" up --resolv "$T_DIR/resolv3.conf" --state "$T_DIR/state3" --cmdline "skiff.net.n1.addr=10.66.0.300/24" /nonexistent.json >"$T_DIR/up4.out" 2>&1
check "bad cmdline value named by key" grep -qF 'cmdline skiff.net.n1.addr: malformed CIDR "10.66.0.300/24"' "$T_DIR/up4.out"

# show: table and JSON.
"$NC" show >"$T_DIR/show.txt" 2>&1
check "show lists the link" grep -qE '^[0-9]+ +n0 +up +1400' "$T_DIR/show.txt"
check "show lists the address" grep -qE '^n0 +inet +10.61.0.2/24' "$T_DIR/show.txt"
check "show lists the routes" grep -qE '^10.99.0.0/16 +via 10.61.0.1 +dev n0 +proto static +metric 50' "$T_DIR/show.txt"
"$NC" show -o json >"$T_DIR/show.json"
check "show -o json is valid JSON with the address" \
	bash -c "jq -e '.addresses[] | select(.dev==\"n0\" and .address==\"10.61.0.2/24\")' '$T_DIR/show.json'"
for v in up show dhcp-event wait-carrier bridge; do
	check "--help for $v" bash -c "'$NC' $v --help | grep -q '^usage: skiff-netcfg $v'"
done
check "unknown verb is a usage error (2)" bash -c "'$NC' frob; test \$? -eq 2"
