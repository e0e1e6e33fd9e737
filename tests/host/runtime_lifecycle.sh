#!/bin/bash
# skiff-runtime's runc-style lifecycle on a busybox bundle: spec, create,
# start, state, exec, kill, delete, run exit codes, detached logs, errors.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/runtime_lib.bash"
make_bundle || { fail "bundle" "spec failed"; exit 1; }

check "spec writes a config that parses" jq -e '.process.terminal == false and .root.readonly' "$BUNDLE/config.json"
check "spec refuses to overwrite" bash -c "! '$RT' spec -b '$BUNDLE' 2>/dev/null"
check "--version" bash -c "'$RT' --version | grep -q 'skiff-runtime version'"
check "verb --help exits 0" "$RT" create --help
"$RT" nosuchverb >/dev/null 2>&1
RC=$?
OUT=""
expect_rc "unknown verb is a usage error" 2

# As PID 1 of its namespace the shell only gets the signals it handles.
cmd 'echo out-line; echo err-line >&2; trap "exit 7" TERM; while :; do sleep 0.05; done'
rt create -b "$BUNDLE" --pid-file "$T_DIR/pid" life >"$T_DIR/create.out" 2>&1
check "create succeeds" test -s "$T_DIR/pid"
st=$(rt state life)
check "state is created" jq -e --arg p "$(cat "$T_DIR/pid")" '.status == "created" and (.pid|tostring) == $p and .id == "life"' <<<"$st"
check "state names the bundle" jq -e --arg b "$BUNDLE" '.bundle == $b and .ociVersion == "1.0.2"' <<<"$st"
check "process waits before start" bash -c "! test -s '$RT_ROOT/life/stdout.log'"
check "list shows it" bash -c "'$RT' --root '$RT_ROOT' list | grep -qE '^life +[0-9]+ +created'"
check "list -q" bash -c "'$RT' --root '$RT_ROOT' list -q | grep -qx life"
OUT=$(rt create -b "$BUNDLE" life 2>&1)
expect "duplicate id refused" "container life already exists"
check "start succeeds" rt start life
check "state is running" jq -e '.status == "running"' <<<"$(rt state life)"
OUT=$(rt start life 2>&1)
expect "second start refused" "is running, not created"
sleep 0.3
check "stdout goes to the log" grep -qx out-line "$RT_ROOT/life/stdout.log"
check "stderr goes to the log" grep -qx err-line "$RT_ROOT/life/stderr.log"
OUT=$(rt exec life sh -c 'echo pid1=$(cat /proc/1/comm); exit 4' 2>&1)
RC=$?
expect "exec runs in the container" "pid1=sh"
expect_rc "exec returns the status" 4
OUT=$(rt exec --env FOO=bar --cwd /tmp life sh -c 'echo $FOO $(pwd)' 2>&1)
expect "exec --env --cwd" "bar /tmp"
echo '{"args":["sh","-c","echo from-process-file"],"cwd":"/"}' >"$T_DIR/process.json"
OUT=$(rt exec --process "$T_DIR/process.json" life 2>&1)
expect "exec --process" "from-process-file"
OUT=$(rt delete life 2>&1)
expect "delete of a running container refused" "is running"
check "kill with a signal name" rt kill life SIGTERM
sleep 0.3
st=$(rt state life)
check "state after SIGTERM: stopped, exit code 7" jq -e '.status == "stopped" and .exitCode == 7 and (has("exitSignal") | not) and .oomKilled == false' <<<"$st"
OUT=$(rt kill life KILL 2>&1)
expect "kill of a stopped container refused" "is not running"
check "delete" rt delete life
check "delete removes the state" test ! -e "$RT_ROOT/life"
OUT=$(rt state life 2>&1)
expect "state of an unknown container" "container life does not exist"

cmd 'exit 3'
run_out code
expect_rc "run returns the exit status" 3
check "run deletes the container" test ! -e "$RT_ROOT/code"
cmd 'sleep 30'
rt run -b "$BUNDLE" killed </dev/null >/dev/null 2>&1 &
runpid=$!
for _ in $(seq 50); do [ "$(rt state killed 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.1; done
rt kill killed 9
wait $runpid
RC=$? OUT=""
expect_rc "run returns 128+signal" 137
config '.process.args = ["/bin/nonexistent"]'
run_out noexec
expect "exec failure is reported" "exec /bin/nonexistent: No such file or directory"
[ "$RC" -ne 0 ] && pass "exec failure fails run" || fail "exec failure fails run" "status 0"

cmd 'sleep 30'
rt run -d -b "$BUNDLE" det >/dev/null 2>&1
check "run --detach leaves it running" jq -e '.status == "running"' <<<"$(rt state det)"
check "kill --all" rt kill --all det KILL
sleep 0.3
check "killed detached container recorded" jq -e '.status == "stopped" and .exitCode == 137' <<<"$(rt state det)"
check "delete detached" rt delete det

cmd 'sleep 30'
rt create -b "$BUNDLE" forced >/dev/null 2>&1
rt start forced
check "delete --force kills a running container" rt delete --force forced
check "forced delete removes the state" test ! -e "$RT_ROOT/forced"
cmd 'head -c 1500000 /dev/zero | tr "\0" x; echo'
rt run -d -b "$BUNDLE" logcap >/dev/null 2>&1
sleep 1
size=$(stat -c %s "$RT_ROOT/logcap/stdout.log" 2>/dev/null || echo 0)
size1=$(stat -c %s "$RT_ROOT/logcap/stdout.log.1" 2>/dev/null || echo 0)
if [ "$size" -le 1048576 ] && [ "$size1" -le 1048576 ] && [ $((size + size1)) -eq 1500001 ]; then
	pass "logs rotate at 1 MiB"
else
	fail "logs rotate at 1 MiB" "stdout.log $size, stdout.log.1 $size1"
fi
rt delete logcap >/dev/null 2>&1
