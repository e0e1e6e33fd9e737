#!/bin/bash
# process.terminal and exec --tty: in the foreground on a terminal (util-
# linux `script` gives the runtime one), and with --console-socket (the pty
# master sent over SCM_RIGHTS, as containerd's shim receives it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/runtime_lib.bash"
make_bundle || { fail "bundle" "spec failed"; exit 1; }
RECV=$SKIFF_TOP/tests/fixtures/console_socket.py

# on_tty CMD: runs CMD with a pty as its terminal; output in $OUT, status in $RC.
on_tty() {
	OUT=$(script -qec "$1" /dev/null </dev/null 2>&1 | tr -d '\r')
	RC=${PIPESTATUS[0]}
}

config '.process.terminal = true | .process.args = ["sh","-c","tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty; exit 5"]'
on_tty "$RT --root $RT_ROOT run -b $BUNDLE fg"
expect "run: the process's stdio is a pty" "/dev/pts/0"
expect "run: stdin, stdout and stderr are the terminal" "all-tty"
expect_rc "run: the exit status comes through" 5
check "run: deleted afterwards" test ! -e "$RT_ROOT/fg"

# wait_ready FILE: the receiver printed "ready".
wait_ready() { for _ in $(seq 100); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
config '.process.terminal = true | .process.args = ["sh","-c","tty; echo hello-pty"]'
python3 "$RECV" "$T_DIR/cs.sock" >"$T_DIR/cs.out" 2>&1 &
recv=$!
wait_ready "$T_DIR/cs.out"
rt create --console-socket "$T_DIR/cs.sock" -b "$BUNDLE" cs >/dev/null 2>&1
RC=$? OUT=""
expect_rc "create --console-socket" 0
rt start cs
wait_exit $recv 20 >/dev/null
OUT=$(cat "$T_DIR/cs.out")
expect "the socket got the pty with its name" "name=/dev/pts/0"
expect "the process wrote to it" "output=/dev/pts/0|hello-pty|"
rt delete cs >/dev/null 2>&1
OUT=$(rt create -b "$BUNDLE" nocs 2>&1)
expect "a detached terminal needs --console-socket" "process.terminal: a detached container needs --console-socket"
cmd 'true'
OUT=$(rt create --console-socket "$T_DIR/x.sock" -b "$BUNDLE" noterm 2>&1)
expect "--console-socket without a terminal is refused" "process.terminal is false"

cmd 'sleep 30'
rt run -d -b "$BUNDLE" ex >/dev/null 2>&1
on_tty "$RT --root $RT_ROOT exec -t ex sh -c 'tty; exit 4'"
expect "exec --tty: a pty in the container" "/dev/pts/0"
expect_rc "exec --tty: the exit status" 4
rm -f "$T_DIR/cs.sock"
python3 "$RECV" "$T_DIR/cs.sock" >"$T_DIR/cs2.out" 2>&1 &
recv=$!
wait_ready "$T_DIR/cs2.out"
rt exec -t -d --console-socket "$T_DIR/cs.sock" ex sh -c 'echo exec-pty' >/dev/null 2>&1
wait_exit $recv 20 >/dev/null
OUT=$(cat "$T_DIR/cs2.out")
expect "exec --tty --console-socket" "output=exec-pty|"
rt delete --force ex
