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
check "process waits before start" bash -c "! grep -q out-line '$T_DIR/create.out'"
check "list shows it" bash -c "'$RT' --root '$RT_ROOT' list | grep -qE '^life +[0-9]+ +created'"
check "list -q" bash -c "'$RT' --root '$RT_ROOT' list -q | grep -qx life"
OUT=$(rt create -b "$BUNDLE" life 2>&1)
expect "duplicate id refused" "container life already exists"
check "start succeeds" rt start life
check "state is running" jq -e '.status == "running"' <<<"$(rt state life)"
OUT=$(rt start life 2>&1)
expect "second start refused" "is running, not created"
sleep 0.3
check "create hands the caller's stdout to the container (runc's pass-through)" grep -qx out-line "$T_DIR/create.out"
check "and its stderr" grep -qx err-line "$T_DIR/create.out"
check "no log files for a created container" test ! -e "$RT_ROOT/life/stdout.log"
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

# runc's answers where Skiff used to differ.
"$RT" --root "$RT_ROOT" delete --force never-made >/dev/null 2>&1
RC=$? OUT=""
expect_rc "delete --force of a container that does not exist exits 0" 0
config '.process.args = ["/bin/no-such-program"]'
OUT=$(rt create -b "$BUNDLE" noexe 2>&1)
RC=$?
expect "create of a missing program fails at create" "exec /bin/no-such-program: No such file or directory"
[ "$RC" -ne 0 ] && pass "create of a missing program exits non-zero" || fail "create of a missing program exits non-zero" "status 0"
check "and leaves no container" test ! -e "$RT_ROOT/noexe"
config '.process.args = ["no-such-program"]'
OUT=$(rt run -d -b "$BUNDLE" noexe2 2>&1)
expect "run -d of a program not in PATH fails" 'exec no-such-program: executable file not found in $PATH'

for verb in create start run state kill delete exec list spec pull images; do
	h=$("$RT" $verb --help 2>&1)
	if [ $? -eq 0 ] && grep -q "skiff-runtime $verb" <<<"$h" && [ "$(wc -l <<<"$h")" -ge 2 ]; then
		pass "$verb --help describes the verb"
	else
		fail "$verb --help describes the verb" "$h"
	fi
done
h=$("$RT" --help)
for w in create start run state kill delete exec list spec pull bundle --root --log-format --cgroup-manager; do
	grep -qw -- "$w" <<<"$h" || { fail "--help lists $w" "missing"; continue; }
	pass "--help lists $w"
done

config '.process.args = ["/nonexistent\"quote\\back"]'
rm -f "$T_DIR/log.json"
rt --log "$T_DIR/log.json" --log-format json run -b "$BUNDLE" jsonlog >/dev/null 2>&1
check "--log-format json writes valid JSON with quotes escaped" jq -e '.level == "error" and (.msg | contains("\"quote\\back"))' "$T_DIR/log.json"

# A container whose process made child cgroups (its cgroup namespace root
# is its own cgroup): delete --force kills them and removes the subtree.
cmd 'sleep 30'
rt run -d -b "$BUNDLE" nested >/dev/null 2>&1
cg=$(jq -r .cgroupPath "$RT_ROOT/nested/state.json")
if [ -n "$cg" ] && [ -d "$cg" ]; then
	rt exec nested sh -c 'sleep 30 & mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg 2>/dev/null; true' >/dev/null 2>&1
	mkdir -p "$cg/child/grandchild"
	sh -c 'echo $$ > "$1/child/grandchild/cgroup.procs" && exec sleep 30' sh "$cg" &
	sleep 0.3
	check "delete --force of a container with child cgroups" rt delete --force nested
	check "removes the whole cgroup subtree" test ! -e "$cg"
else
	fail "nested container has a cgroup" "cgroupPath '$cg'"
fi

# exec's options, as runc's.
cmd 'sleep 30'
rt run -d -b "$BUNDLE" ex >/dev/null 2>&1
OUT=$(rt exec -u 1000:1000 -g 7 --cwd /tmp -e FOO=bar --no-new-privs --pid-file "$T_DIR/exec.pid" ex \
	sh -c 'id -u; id -g; id -G; echo $FOO $(pwd) HOME=$HOME; grep NoNewPrivs /proc/self/status' 2>&1)
expect "exec --user uid" "$(printf '1000\n1000\n')"
expect "exec --additional-gids" "1000 7"
expect "exec --env --cwd, HOME is / without a passwd entry" "bar /tmp HOME=/"
expect "exec --no-new-privs" "NoNewPrivs:	1"
check "exec --pid-file without --detach" test -s "$T_DIR/exec.pid"
OUT=$(rt exec --cap CAP_NET_ADMIN ex sh -c 'ip link set lo up && echo net-admin-ok' 2>&1)
expect "exec --cap adds a capability" "net-admin-ok"
OUT=$(rt exec ex sh -c 'echo via-fd3 >&3' 3>"$T_DIR/fd3.out" 2>&1)
check "without --preserve-fds fd 3 is closed" test ! -s "$T_DIR/fd3.out"
OUT=$(rt exec --preserve-fds 1 ex sh -c 'echo via-fd3 >&3' 3>"$T_DIR/fd3.out" 2>&1)
check "exec --preserve-fds 1 passes fd 3" grep -qx via-fd3 "$T_DIR/fd3.out"
rt delete --force ex
