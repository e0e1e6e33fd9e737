#!/bin/bash
# Boots a real image under QEMU and checks skiff-init from the console:
# mounts, modules (dependencies first), services with crash backoff,
# cmdline overrides, and an orderly shutdown on the ACPI power button.
. "$(dirname "$0")/../lib.sh"

cat >"$T_DIR/spec.yaml" <<'SPEC'
hostname: boot-test
debug: true
kernel:
  modules: [bridge, virtio_net]
services:
  - name: report
    exec: ["/bin/sh", "-c", "echo HOSTNAME=$(hostname); cat /proc/modules | cut -d' ' -f1 | sed 's/^/MODULE=/'; echo CGROUP=$(cat /sys/fs/cgroup/cgroup.subtree_control); echo REPORT-DONE"]
    restart: never
  - name: crasher
    exec: ["/bin/sh", "-c", "exit 3"]
    restart: always
  - name: disabled
    exec: ["/bin/sh", "-c", "echo DISABLED-RAN"]
    restart: never
shutdown:
  grace_ms: 2000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"
log=$T_DIR/console.log mon=$T_DIR/mon.sock
boot "$T_DIR/img" "$log" --monitor "$mon" --append "skiff.service.disabled=off"

if wait_line "$log" 'init: ready$' 120 >/dev/null; then
	pass "init reaches ready"
	echo "  init: ready at $(console_ms "$log" 'init: ready$') ms after kernel start"
else
	fail "init reaches ready" "no ready line"
	exit 1
fi
for m in /proc /sys /dev /dev/pts /dev/shm /run /tmp; do
	check "mounted $m" has_line "$log" "init: mounted $m\$"
done
check "mounted cgroup2 with controllers" has_line "$log" 'init: mounted cgroup2 \(cpu memory pids io\)'
check "modules load dependencies first" in_order "$log" 'init: loaded module llc$' \
	'init: loaded module stp$' 'init: loaded module bridge$'
check "virtio_net loaded" has_line "$log" 'init: (loaded module virtio_net|module virtio_net (is built in|already loaded))$'
check "hostname set" has_line "$log" 'init: hostname boot-test'
check "loopback up" has_line "$log" 'init: loopback up'

wait_line "$log" 'REPORT-DONE' 30 >/dev/null
for m in bridge stp llc virtio_net; do
	check "kernel reports $m loaded" grep -q "MODULE=$m\$" <(tr -d '\r' <"$log")
done
check "service sees the hostname" grep -q 'HOSTNAME=boot-test' <(tr -d '\r' <"$log")
check "children get cpu memory pids io" grep -qE 'CGROUP=.*cpu' <(tr -d '\r' <"$log" | grep 'CGROUP=' | grep memory | grep pids | grep io)
check "cmdline override logged" has_line "$log" 'init: cmdline override skiff.service.disabled'
check "service turned off on the cmdline does not run" bash -c "! grep -q '^DISABLED-RAN' '$log'"

# The crasher exits 3 every time: it must be restarted with growing delays.
wait_line "$log" '(init: service crasher restart in .*){1}' 30 >/dev/null
sleep 6
delays=$(tr -d '\r' <"$log" | sed -nE 's/.*init: service crasher restart in ([0-9]+) ms.*/\1/p')
count=$(wc -w <<<"$delays")
check "crashing service reported with its status" has_line "$log" 'init: service crasher exited with status 3'
if [ "$count" -ge 4 ] && [ "$count" -le 12 ] &&
	awk 'NR>1 && $1 <= prev {bad=1} {prev=$1} END {exit bad}' <<<"$(tr ' ' '\n' <<<"$delays")"; then
	pass "crash loop backs off ($count restarts: $(echo $delays))"
else
	fail "crash loop backs off" "restart delays: $(echo $delays)"
fi

# ACPI power button: orderly shutdown, every step logged, QEMU exits.
monitor "$mon" system_powerdown
if wait_exit "$QEMU_PID" 60; then pass "QEMU exits after system_powerdown"; else fail "QEMU exits after system_powerdown" "still running"; fi
check "shutdown steps in order" in_order "$log" 'init: shutdown: power button' \
	'init: shutdown: stopping services' 'init: shutdown: killing remaining processes' \
	'init: shutdown: sync' 'init: shutdown: unmounted ' 'init: shutdown: power off'
check "no kernel panic" bash -c "! grep -q 'Kernel panic' '$log'"
echo "  shutdown took $(( $(console_ms "$log" 'init: shutdown: power off') - $(console_ms "$log" 'init: shutdown: power button') )) ms"
