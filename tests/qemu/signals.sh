#!/bin/bash
# skiff-init's other ways down: SIGTERM to PID 1 (power off), ctrl-alt-del
# (reboot), and a fatal boot error (a clear message, then power off).
. "$(dirname "$0")/../lib.sh"

cat >"$T_DIR/spec.yaml" <<'SPEC'
hostname: signals
debug: true
services:
  - name: stopper
    exec: ["/bin/sh", "-c", "sleep 1; kill -TERM 1; sleep 100"]
    restart: never
  - name: sleeper
    exec: ["/bin/sh", "-c", "trap 'echo SLEEPER-GOT-TERM; exit 0' TERM; while :; do sleep 1; done"]
    restart: always
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"

# SIGTERM from a service: services get SIGTERM first, then power off.
log=$T_DIR/term.log
boot "$T_DIR/img" "$log"
if wait_exit "$QEMU_PID" 120; then pass "SIGTERM to init powers off"; else fail "SIGTERM to init powers off" "QEMU still running"; fi
check "SIGTERM shutdown in order" in_order "$log" 'init: ready$' 'init: shutdown: SIGTERM' \
	'init: shutdown: stopping services' 'SLEEPER-GOT-TERM' 'init: shutdown: service sleeper stopped' \
	'init: shutdown: sync' 'init: shutdown: power off'

# ctrl-alt-del: reboot (QEMU runs with -no-reboot, so it exits).
log=$T_DIR/cad.log mon=$T_DIR/cad.sock
boot "$T_DIR/img" "$log" --monitor "$mon" --append "skiff.service.stopper=off"
if wait_line "$log" 'init: ready$' 120 >/dev/null; then
	sleep 1
	monitor "$mon" "sendkey ctrl-alt-delete"
	if wait_exit "$QEMU_PID" 60; then pass "ctrl-alt-del ends the VM"; else fail "ctrl-alt-del ends the VM" "still running"; fi
	check "ctrl-alt-del reboots" in_order "$log" 'init: shutdown: SIGINT' 'init: shutdown: sync' 'init: shutdown: reboot'
else
	fail "ctrl-alt-del" "no ready line"
fi

# A fatal error: named, then power off; never a kernel panic.
cat >"$T_DIR/plain.yaml" <<'SPEC'
hostname: fatal
SPEC
build_image "$T_DIR/plain.yaml" "$T_DIR/plain"
log=$T_DIR/fatal.log
boot "$T_DIR/plain" "$log" --append "skiff.modules=nosuchmod"
if wait_exit "$QEMU_PID" 120; then pass "fatal error powers off"; else fail "fatal error powers off" "QEMU still running"; fi
check "fatal error names the module" has_line "$log" 'init: fatal: .*no module "nosuchmod"'
check "fatal error then power off" in_order "$log" 'init: fatal: ' 'init: shutdown: power off'
check "fatal error is no kernel panic" bash -c "! grep -q 'Kernel panic' '$log'"

# The same fatal error in a debug image opens a shell instead of powering off.
log=$T_DIR/fatal-debug.log
boot "$T_DIR/img" "$log" --append "skiff.modules=nosuchmod skiff.service.stopper=off"
if wait_line "$log" 'init: debug: starting a shell on the console' 120 >/dev/null; then
	pass "fatal error in a debug image opens a shell"
	sleep 3
	check "debug image stays up after a fatal error" kill -0 "$QEMU_PID"
	check "debug image names the fatal error" has_line "$log" 'init: fatal: .*no module "nosuchmod"'
else
	fail "fatal error in a debug image opens a shell" "no shell line"
fi
kill "$QEMU_PID" 2>/dev/null
