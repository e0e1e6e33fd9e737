#!/bin/bash
# The node network at boot: init applies node.json's "network" (from the
# spec's network: key) through netcfg before services start. DHCP from
# QEMU's user-mode network (10.0.2.15), a non-debug DHCP image (busybox
# packed for udhcpc only), and a static configuration overridden on the
# kernel command line.
. "$(dirname "$0")/../lib.sh"
[ -x "$SKIFF_BIN/skiff-netcfg" ] || { fail "skiff-netcfg built" "missing"; exit 1; }

spec() { # NAME DEBUG NETWORK_JSON
	cat >"$T_DIR/$1.yaml" <<SPEC
hostname: $1
debug: $2
kernel:
  modules: [virtio_pci, virtio_net]
network: $3
SPEC
	[ "$2" = true ] && cat >>"$T_DIR/$1.yaml" <<'SPEC'
services:
  - name: net
    exec: ["/bin/sh", "-c", "/usr/bin/skiff-netcfg show; sed 's/^/RESOLV: /' /etc/resolv.conf; echo NETCFG-DONE"]
    restart: never
SPEC
	true
}

spec dhcp true '{"interfaces": [{"match": {"name": "eth0"}, "dhcp": true}], "carrier_timeout_ms": 5000}'
build_image "$T_DIR/dhcp.yaml" "$T_DIR/img-dhcp"
log=$T_DIR/dhcp.log
boot "$T_DIR/img-dhcp" "$log"
if wait_line "$log" 'NETCFG-DONE' 180 >/dev/null; then pass "dhcp image: booted"; else fail "dhcp image: booted" "no NETCFG-DONE"; fi
check "dhcp: init brought the network up before ready" in_order "$log" 'init: network up' 'init: ready$'
check "dhcp: lease 10.0.2.15 from QEMU" has_line "$log" 'bound lease 10.0.2.15/24'
check "dhcp: show lists the leased address" has_line "$log" '^eth0 +inet +10.0.2.15/24 +valid [0-9]+s'
check "dhcp: default route via 10.0.2.2" has_line "$log" '^default +via 10.0.2.2 +dev eth0 +proto dhcp'
check "dhcp: resolv.conf from the lease" has_line "$log" 'RESOLV: nameserver 10.0.2.3'
check "dhcp: init does not call the network key unknown" bash -c "! grep -q 'network: unknown key' '$log'"
echo "  network up at $(console_ms "$log" 'init: network up') ms, ready at $(console_ms "$log" 'init: ready$') ms"
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

spec plain false '{"interfaces": [{"match": {"name": "eth0"}, "dhcp": true}]}'
build_image "$T_DIR/plain.yaml" "$T_DIR/img-plain"
check "non-debug dhcp image packs udhcpc but no shell" bash -c \
	"zcat '$T_DIR/img-plain/initramfs.img' | cpio -it --quiet 2>/dev/null | grep -qx bin/udhcpc &&
	 ! zcat '$T_DIR/img-plain/initramfs.img' | cpio -it --quiet 2>/dev/null | grep -qx bin/sh"
log=$T_DIR/plain.log
boot "$T_DIR/img-plain" "$log"
if wait_line "$log" 'init: ready$' 180 >/dev/null; then
	check "non-debug dhcp image gets its lease at boot" in_order "$log" 'bound lease 10.0.2.15/24' 'init: network up' 'init: ready$'
else fail "non-debug dhcp image boots" "no ready line"; fi
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

spec static true '{"interfaces": [{"match": {"name": "eth0"}, "addresses": ["10.0.2.30/24"], "routes": [{"to": "default", "via": "10.0.2.2"}]}], "dns": {"nameservers": ["10.0.2.3"]}}'
build_image "$T_DIR/static.yaml" "$T_DIR/img-static"
log=$T_DIR/static.log
boot "$T_DIR/img-static" "$log" --append "skiff.net.eth0.addr=10.0.2.31/24"
if wait_line "$log" 'NETCFG-DONE' 180 >/dev/null; then pass "static image: booted"; else fail "static image: booted" "no NETCFG-DONE"; fi
check "static: cmdline address overrides the image's" has_line "$log" '^eth0 +inet +10.0.2.31/24 +valid forever'
check "static: image address replaced" bash -c "! tr -d '\r' <'$log' | grep -qE '^eth0 +inet +10.0.2.30/'"
check "static: default route" has_line "$log" '^default +via 10.0.2.2 +dev eth0 +proto static'
check "static: resolv.conf" has_line "$log" 'RESOLV: nameserver 10.0.2.3'
tr -d '\r' <"$log" | grep -E 'init: network' | sed 's/^/  /'
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null

# A bad item is reported by key at boot and the rest still applies.
spec badnet true '{"interfaces": [{"match": {"name": "eth0"}, "addresses": ["10.0.2.40/24", "10.0.0.300/24"]}]}'
build_image "$T_DIR/badnet.yaml" "$T_DIR/img-badnet"
log=$T_DIR/badnet.log
boot "$T_DIR/img-badnet" "$log"
if wait_line "$log" 'NETCFG-DONE' 180 >/dev/null; then
	check "bad address named by key at boot" has_line "$log" 'init: warning: network: network.interfaces\[0\].addresses\[1\]: malformed CIDR'
	check "good address still applied" has_line "$log" '^eth0 +inet +10.0.2.40/24'
	check "bad network is not fatal" has_line "$log" 'init: ready$'
else fail "bad network image boots" "no NETCFG-DONE"; fi
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null
