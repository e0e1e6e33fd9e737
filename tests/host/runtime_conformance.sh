#!/bin/bash
# The same cases against skiff-runtime, runc and crun (Debian's packages),
# side by side: exit codes, output (stdout; stderr only where a case says)
# and state JSON must match the peers, and each runtime's whole pass must
# leave the host as it found it (sysctls, host and domain name, mounts,
# cgroups). Bundles come from `runc spec`, `crun spec` and `umoci unpack`.
#
# The file runs in a private mount namespace with cgroup2 mounted at
# /sys/fs/cgroup: on this hybrid host crun refuses to run otherwise
# ("cgroups in hybrid mode not supported"), and all three then use the
# same cgroup v2 hierarchy. Cases are data: one line in CASES below.
. "$(dirname "$0")/../lib.sh"
if [ -z "${SKIFF_CONFORMANCE_NS:-}" ]; then
	exec unshare -m --propagation private -- env SKIFF_CONFORMANCE_NS=1 bash "$0" "$@"
fi
mount -t cgroup2 none /sys/fs/cgroup || { fail "mount cgroup2" "no cgroup2"; exit 1; }
for peer in runc crun umoci script; do
	command -v $peer >/dev/null || { fail "$peer installed" "not found (DEPS_TEST)"; exit 1; }
done
RUNTIMES=(runc crun skiff)
# crun 1.8 raises RLIMIT_MEMLOCK before it loads its device program, and
# root on these machines lacks CAP_SYS_RESOURCE: crun runs without
# cgroups here, so its device rules are not enforced (runc's are).
declare -A BIN=([runc]=runc [crun]="crun --cgroup-manager disabled" [skiff]=$SKIFF_BIN/skiff-runtime)
W=$T_DIR/work

# CASES, fields split by " # ": name, bundle (runc, crun, umoci), jq edit of its config, how to
# run it (run: foreground run, stdin closed; tty: run on a terminal fed
# with "echo conformance; exit 3"; lifecycle: create, state, start, state,
# delete, state; exec: run -d, then exec ARGS with ID the container; cmd: a
# verb alone), what
# is compared besides the exit code (out: stdout; err: stderr after the
# last ": "; none).
CASES=$(cat <<'EOF'
runc-spec-as-is     # runc  # .                                                                         # tty       # out
crun-spec-as-is     # crun  # .                                                                         # tty       # out
umoci-unpack-as-is  # umoci # .                                                                         # tty       # out
exit-status         # runc  # .process.terminal = false | .process.args = ["sh","-c","echo out; exit 7"] # run       # out
killed-by-signal    # runc  # .process.terminal = false | .linux.namespaces |= map(select(.type != "pid")) | .process.args = ["sh","-c","echo dying; kill -9 $$"] # run # out
home-from-passwd    # runc  # .process.terminal = false | .process.env = ["PATH=/bin"] | .process.user = {"uid":1000,"gid":1000} | .process.args = ["sh","-c","echo $HOME"] # run # out
home-default        # runc  # .process.terminal = false | .process.env = ["PATH=/bin"] | .process.user = {"uid":4242,"gid":4242} | .process.args = ["sh","-c","echo $HOME"] # run # out
missing-cwd-made    # runc  # .process.terminal = false | .process.cwd = "/made/by/runtime" | .process.args = ["sh","-c","pwd"] # run # out
missing-program     # runc  # .process.terminal = false | .process.args = ["/bin/no-such-program"]     # run       # none
unknown-capability  # runc  # .process.terminal = false | .process.capabilities.bounding += ["CAP_BOGUS"] | .process.args = ["sh","-c","grep CapBnd /proc/self/status"] # run # out
sysctl-net-no-netns # runc  # .process.terminal = false | .linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ping_group_range":"0 0"} | .process.args = ["true"] # run # none
sysctl-ipc-no-ipcns # runc  # .process.terminal = false | .linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"fs.mqueue.queues_max":"77"} | .process.args = ["true"] # run # none
hostname-no-utsns   # runc  # .process.terminal = false | .linux.namespaces |= map(select(.type != "uts")) | .process.args = ["true"] # run # none
sysctl-vm           # runc  # .process.terminal = false | .linux.sysctl = {"vm.swappiness":"1"} | .process.args = ["true"] # run # none
sysctl-in-netns     # runc  # .process.terminal = false | .linux.sysctl = {"net.ipv4.ping_group_range":"0 0"} | .process.args = ["cat","/proc/sys/net/ipv4/ping_group_range"] # run # out
device-denied       # runc  # .process.terminal = false | .mounts += [{"destination":"/dev/loop-control","type":"bind","source":"/dev/loop-control","options":["bind"]}] | .process.args = ["sh","-c","exec 3</dev/loop-control"] # run # err
device-allowed      # runc  # .process.terminal = false | .mounts += [{"destination":"/dev/loop-control","type":"bind","source":"/dev/loop-control","options":["bind"]}] | .linux.resources.devices += [{"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}] | .process.args = ["sh","-c","exec 3</dev/loop-control && echo opened"] # run # out
device-outside-dev  # runc  # .process.terminal = false | .root.readonly = false | .linux.devices = [{"path":"/opt/mynull","type":"c","major":1,"minor":3,"fileMode":438}] | .process.args = ["sh","-c","echo x > /opt/mynull && ls -l /opt/mynull | cut -c1-10"] # run # out
userns-no-cgroupns  # crun  # .process.terminal = false | .linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .process.args = ["sh","-c","id -u; grep -c \" /sys/fs/cgroup \" /proc/self/mountinfo"] # run # out
lifecycle-states    # runc  # .process.terminal = false | .process.args = ["sh","-c","echo started"]   # lifecycle # out
exec-user-env       # runc  # .process.terminal = false | .process.args = ["sleep","30"]              # exec -u 1000:1000 -e A=b --cwd /tmp ID sh -c 'id -u; id -g; echo $A $(pwd)' # out
exec-exit-status    # runc  # .process.terminal = false | .process.args = ["sleep","30"]              # exec ID sh -c 'exit 9' # out
delete-missing      # runc  # .                                                                         # cmd delete -f no-such-container # none
state-missing       # runc  # .                                                                         # cmd state no-such-container # none
EOF
)

# ---- bundles ----
make_rootfs() {
	mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/proc" "$W/rootfs/sys" "$W/rootfs/dev" "$W/rootfs/tmp"
	cp /bin/busybox "$W/rootfs/bin/"
	for a in $("$W/rootfs/bin/busybox" --list); do [ -e "$W/rootfs/bin/$a" ] || ln -s busybox "$W/rootfs/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$W/rootfs/etc/passwd"
}

# base_config KIND: a config.json of `runc spec`, `crun spec` or umoci.
base_config() {
	local d=$W/base-$1
	[ -e "$d/config.json" ] && return 0
	mkdir -p "$d"
	case $1 in
	runc) (cd "$d" && runc spec) ;;
	crun) (cd "$d" && crun spec) ;;
	umoci)
		umoci init --layout "$W/layout" >/dev/null &&
			umoci new --image "$W/layout:t" >/dev/null &&
			umoci config --image "$W/layout:t" --config.cmd sh --config.cmd -c \
				--config.cmd 'echo from-umoci; exit 4' >/dev/null &&
			umoci insert --image "$W/layout:t" "$W/rootfs" / >/dev/null &&
			umoci unpack --image "$W/layout:t" "$d/b" >/dev/null &&
			cp "$d/b/config.json" "$d/config.json"
		;;
	esac
}

# bundle RUNTIME CASE KIND EDIT: BUNDLE=its bundle (a hard-linked rootfs).
bundle() {
	BUNDLE=$W/$1/$2
	rm -rf "$BUNDLE"
	mkdir -p "$BUNDLE"
	if [ "$3" = umoci ]; then
		cp -al "$W/base-umoci/b/rootfs" "$BUNDLE/rootfs"
	elif [[ $4 == *'"user"'* ]]; then
		cp -a "$W/rootfs" "$BUNDLE/rootfs" && chown -R 100000:100000 "$BUNDLE/rootfs"
	else
		cp -al "$W/rootfs" "$BUNDLE/rootfs"
	fi
	jq "$4" "$W/base-$3/config.json" >"$BUNDLE/config.json"
}

# ---- running one case ----
# A runtime relays SIGTERM to the container, whose init may ignore it:
# -k makes the bound hard.
rt() { timeout -k 5 30 ${BIN[$R]} --root "$W/state-$R" "$@"; }

# Prints the case's observed result: "rc=N" and the compared output.
run_case() {
	local id=$1 how=$2 what=$3 out err rc
	out=$W/$R/$id.out err=$W/$R/$id.err
	case $how in
	run) rt run -b "$BUNDLE" "$id" >"$out" 2>"$err" </dev/null; rc=$? ;;
	tty)
		# script runs the command through $SHELL -c: `exec` makes timeout
		# the session leader whatever that shell is, so the runtime stays in
		# the terminal's foreground process group. (Under dash, without it,
		# timeout's own process group is a background one: the runtime is
		# stopped by SIGTTOU when it sets the terminal up, and hangs.)
		echo 'echo conformance; exit 3' |
			script -qec "exec timeout -k 5 30 ${BIN[$R]} --root $W/state-$R run -b $BUNDLE $id" /dev/null \
				>"$out" 2>"$err"
		rc=$?
		# The terminal echoes the input back (and sh prompts): keep the
		# lines the processes print.
		tr -d '\r' <"$out" | grep -xE 'conformance|from-umoci' >"$out.1"
		mv "$out.1" "$out"
		;;
	lifecycle) lifecycle "$id" >"$out" 2>"$err"; rc=$? ;;
	exec\ *)
		rt run -d -b "$BUNDLE" "$id" >/dev/null 2>&1 </dev/null
		eval "rt ${how/ ID / $id }" >"$out" 2>"$err" </dev/null
		rc=$?
		rt delete -f "$id" >/dev/null 2>&1
		;;
	cmd\ *) eval "rt ${how#cmd }" >"$out" 2>"$err" </dev/null; rc=$? ;;
	esac
	rt delete -f "$id" >/dev/null 2>&1
	echo "rc=$rc"
	case $what in
	out) cat "$out" ;;
	err) tail -n1 "$err" | sed 's/.*: //' ;;
	esac
}

# The state JSON through a lifecycle, keys that all three share.
lifecycle() {
	local id=$1 s
	state() { rt state "$id" | jq -c '{id, status, pid: (.pid > 0), bundle: (.bundle == $b)}' --arg b "$BUNDLE"; }
	rt create -b "$BUNDLE" "$id" </dev/null || return 1
	state
	rt start "$id" || return 2
	for _ in $(seq 100); do
		s=$(rt state "$id" | jq -r .status)
		[ "$s" = stopped ] && break
		sleep 0.05
	done
	state | jq -c '{id, status}'
	rt delete "$id" || return 3
	rt state "$id" >/dev/null 2>&1 && return 4
	return 0
}

# What must be the same before and after a runtime's whole pass. Other
# work on the machine may mount under /work and make cgroups meanwhile:
# mounts there count only under this test's directory, cgroups only with
# this test's container ids (c-*).
host_snapshot() {
	cat /proc/sys/net/ipv4/ping_group_range /proc/sys/fs/mqueue/queues_max \
		/proc/sys/kernel/hostname /proc/sys/kernel/domainname /proc/sys/vm/swappiness
	awk -v w="$W" '$5 !~ /^\/work\// || index($5, w) == 1 {print $5, $9}' /proc/self/mountinfo | sort
	find /sys/fs/cgroup -mindepth 1 -type d -name 'c-*' | sort
}

# Cgroups a stopped earlier run left behind (the hierarchy is the host's)
# would vanish during this one and read as a change: empty ones go first.
find /sys/fs/cgroup -mindepth 1 -depth -type d -name 'c-*' -exec rmdir {} \; 2>/dev/null
make_rootfs
for k in runc crun umoci; do base_config $k || { fail "bundle from $k" "could not make it"; exit 1; }; done
check "runc spec's default config has devices rules and a terminal" \
	jq -e '.linux.resources.devices[0].allow == false and .process.terminal' "$W/base-runc/config.json"

declare -A RESULT
for R in "${RUNTIMES[@]}"; do
	mkdir -p "$W/$R"
	# A warm-up run makes what a runtime keeps for good (a parent cgroup).
	bundle "$R" warmup runc '.process.terminal = false | .process.args = ["true"]'
	rt run -b "$BUNDLE" warmup >/dev/null 2>&1 </dev/null
	before=$(host_snapshot)
	while IFS='#' read -r name kind edit how what; do
		name=$(echo $name) kind=$(echo $kind) how=$(echo "$how" | sed 's/^ *//; s/ *$//') what=$(echo $what)
		[ -n "$name" ] || continue
		bundle "$R" "$name" "$kind" "$edit"
		RESULT[$R,$name]=$(run_case "c-$name" "$how" "$what")
	done <<<"$CASES"
	after=$(host_snapshot)
	if [ "$before" = "$after" ]; then
		pass "$R leaves sysctls, names, mounts and cgroups as they were"
	else
		fail "$R leaves sysctls, names, mounts and cgroups as they were" "$(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')"
	fi
done

# Skiff must match the peers: both when they agree, one of them otherwise.
cell() { head -n1 <<<"$1" | sed 's/^rc=//'; }
table=$T_DIR/table.txt
printf '%-20s %-8s %-8s %-8s %s\n' case runc crun skiff verdict >"$table"
while IFS='#' read -r name _; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	r=${RESULT[runc,$name]} c=${RESULT[crun,$name]} s=${RESULT[skiff,$name]}
	if [ -z "$r" ] || [ -z "$c" ] || [ -z "$s" ]; then
		verdict=DIFFERENT # a case that produced nothing proves nothing
	elif [ "$s" = "$r" ] && [ "$s" = "$c" ]; then
		verdict=same
	elif [ "$s" = "$r" ] || [ "$s" = "$c" ]; then
		verdict="same as $([ "$s" = "$r" ] && echo runc || echo crun) (peers differ)"
	else
		verdict=DIFFERENT
	fi
	printf '%-20s %-8s %-8s %-8s %s\n' "$name" "$(cell "$r")" "$(cell "$c")" "$(cell "$s")" "$verdict" >>"$table"
	if [ "$verdict" = DIFFERENT ]; then
		fail "$name: skiff-runtime behaves like runc or crun" \
			"runc [$(tr '\n' ' ' <<<"$r")] crun [$(tr '\n' ' ' <<<"$c")] skiff [$(tr '\n' ' ' <<<"$s")]"
	else
		pass "$name: skiff-runtime behaves like runc or crun ($verdict)"
	fi
done <<<"$CASES"
cat "$table"
