#!/bin/bash
# skiff-runtime applies config.json: namespaces, mounts, devices,
# capabilities, seccomp, rlimits, masked/readonly paths, sysctl, hooks,
# and refuses what it does not implement with the key path.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/runtime_lib.bash"
make_bundle || { fail "bundle" "spec failed"; exit 1; }

cmd 'echo pid=$$ host=$(hostname); ip -o link 2>/dev/null | cut -d: -f2 | tr -d " " | tr "\n" ,; echo; readlink /proc/self/ns/mnt'
run_out ns
expect "pid namespace: pid 1" "pid=1 "
expect "uts namespace: hostname" "host=skiff"
expect "network namespace holds only lo" "$(printf 'lo,')"
if grep -qx "$(readlink /proc/self/ns/mnt)" <<<"$OUT"; then fail "own mount namespace" "same as host"; else pass "own mount namespace"; fi

config '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .process.args = ["sh","-c","id -u; cat /proc/self/uid_map; ls -ln /bin/busybox | tr -s \" \" | cut -d\" \" -f3; ls /dev/null"]'
run_out userns
expect "user namespace: root inside" "$(printf '0\n')"
expect "user namespace: uid_map" "100000"
expect "user namespace: host root is unmapped" "65534"
expect_rc "user namespace: runs" 0

ip netns add skiff-rt-test 2>/dev/null
ip -n skiff-rt-test link set lo up
config '.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/skiff-rt-test" else . end) | .process.args = ["sh","-c","ip -o link show lo | grep -o LOWER_UP"]'
run_out joinnet
expect "network namespace joined by path (lo is up there)" "LOWER_UP"
ip netns del skiff-rt-test 2>/dev/null

mkdir -p "$T_DIR/share" && echo shared-data >"$T_DIR/share/file"
config '.mounts += [{"destination":"/mnt/ro","type":"bind","source":$s,"options":["rbind","ro"]},
	{"destination":"/mnt/rw","type":"bind","source":$s,"options":["bind"]},
	{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=700"]}]
	| .process.args = ["sh","-c","cat /mnt/ro/file; touch /mnt/ro/x 2>&1; touch /mnt/rw/y && echo rw-ok; grep \" /scratch \" /proc/mounts; stat -c %a /scratch; touch /root-write 2>&1; grep -c ^proc /proc/mounts"]' --arg s "$T_DIR/share"
run_out mounts
expect "bind mount visible" "shared-data"
expect "ro bind mount refuses writes" "Read-only file system"
expect "rw bind mount" "rw-ok"
check "rw bind mount wrote to the host" test -e "$T_DIR/share/y"
expect "tmpfs mounted" "tmpfs /scratch tmpfs"
expect "tmpfs mode option" "$(printf '\n700\n')"
expect "readonly root" "touch: /root-write: Read-only file system"

config '.linux.devices = [{"path":"/dev/kmsg2","type":"c","major":1,"minor":11,"fileMode":384}] | .process.args = ["sh","-c","ls -l /dev/null /dev/zero /dev/urandom /dev/kmsg2 | cut -c1-10 | tr \"\n\" \" \"; for l in /dev/fd /dev/stdin /dev/ptmx; do readlink $l; done | tr \"\n\" \" \"; echo x > /dev/null && echo null-ok"]'
run_out devices
expect "default devices are char devices" "crw------- crw-rw-rw- crw-rw-rw- crw-rw-rw-"
expect "linux.devices with its mode" "crw-------"
expect "dev symlinks" "/proc/self/fd /proc/self/fd/0 pts/ptmx"
expect "/dev/null works" "null-ok"

# The default set: AUDIT_WRITE, KILL, NET_BIND_SERVICE (bits 29, 5, 10).
cmd 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; ip link set lo up 2>&1; chown 1 /dev/shm 2>&1'
run_out caps
expect "capabilities: CapEff is the default set" "CapEff:	0000000020000420"
expect "capabilities: bounding set" "CapBnd:	0000000020000420"
expect "no CAP_NET_ADMIN: ip link set fails" "Operation not permitted"
expect "no CAP_CHOWN: chown fails" "chown: /dev/shm: Operation not permitted"
config '.process.capabilities |= with_entries(.value += ["CAP_CHOWN","CAP_NET_RAW"]) | .process.args = ["sh","-c","grep CapEff /proc/self/status; chown 1 /dev/shm && echo chown-ok"]'
run_out capsmore
expect "added capabilities are effective" "CapEff:	0000000020002421"
expect "with CAP_CHOWN chown works" "chown-ok"
config '.process.user = {"uid":1000,"gid":1000,"additionalGids":[5,6]} | .process.args = ["sh","-c","id; grep CapEff /proc/self/status"]'
run_out user
expect "process.user uid/gid/additionalGids" "uid=1000 gid=1000 groups=5,6"
expect "non-root keeps its ambient capabilities" "CapEff:	0000000020000420"

config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]} | .process.args = ["sh","-c","mkdir /tmp/d; echo after"]'
run_out seccomp
expect "seccomp denies mkdir with EPERM" "Operation not permitted"
expect "seccomp lets the rest run" "after"
config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":38,"args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]} | .process.args = ["sh","-c","echo ppid=$PPID"]'
run_out seccompargs
expect_rc "seccomp rule with args loads" 0
# A profile written for several hosts names foreign architectures too: the
# node's libseccomp has only the x86 family, so those are skipped, and the
# x86_64 rules still apply.
config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32","SCMP_ARCH_AARCH64","SCMP_ARCH_ARM","SCMP_ARCH_S390X"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]} | .process.args = ["sh","-c","mkdir /tmp/d; echo after"]'
run_out seccomparch
expect "multi-arch profile: x86_64 rules apply" "Operation not permitted"
expect "multi-arch profile: foreign architectures skipped" "after"
config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}'
run_out seccomparchbad
expect "unknown architecture named" 'linux.seccomp.architectures: unknown "SCMP_ARCH_VAX"'
config '.annotations = {"run.skiff.seccomp":"default"} | .mounts += [{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}] | .process.args = ["sh","-c","mkdir /tmp/ok && echo mkdir-ok; unshare -n true 2>&1; echo done"]'
run_out seccompdef
expect "default profile allows ordinary calls" "mkdir-ok"
expect "default profile blocks namespaces" "Operation not permitted"
rm -f "$BUNDLE/config.json"
"$RT" spec -b "$BUNDLE" --seccomp-default
check "spec --seccomp-default writes the profile" jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.seccomp.syscalls[0].names | index("read"))' "$BUNDLE/config.json"
config '.linux.seccomp = {"defaultAction":"SCMP_ACT_NOTIFY"}'
run_out seccompbad
expect "unsupported seccomp action named" "config.json: linux.seccomp.defaultAction: action \"SCMP_ACT_NOTIFY\" is not supported"

config '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":77,"hard":88},{"type":"RLIMIT_NPROC","soft":500,"hard":600}] | .process.args = ["sh","-c","ulimit -n; ulimit -Hn; ulimit -u"]'
run_out rlimits
expect "rlimit soft" "$(printf '77\n88\n500')"

cmd 'wc -c < /proc/kcore; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1; echo x > /proc/sysrq-trigger 2>&1'
run_out masked
expect "masked file reads empty" "$(printf '0\n0\n')"
expect "readonly /proc/sys" "Read-only file system"
config '.linux.sysctl = {"net.ipv4.ip_forward":"1","kernel.shmmax":"12345678"} | .process.args = ["sh","-c","cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax"]'
run_out sysctl
expect "linux.sysctl applied" "$(printf '1\n12345678')"
# A sysctl, host name or domain name outside a namespace of the
# container's own would change the host: refused by key, host unchanged.
host_values() { cat /proc/sys/net/ipv4/ping_group_range /proc/sys/fs/mqueue/queues_max; hostname; domainname; }
before=$(host_values)
for c in 'network#.linux.sysctl = {"net.ipv4.ping_group_range":"0 0"}#linux.sysctl.net.ipv4.ping_group_range: the container has no network namespace of its own' \
	'ipc#.linux.sysctl = {"fs.mqueue.queues_max":"77"}#linux.sysctl.fs.mqueue.queues_max: the container has no ipc namespace of its own' \
	'uts#del(.hostname) | .linux.sysctl = {"kernel.hostname":"pwned"}#linux.sysctl.kernel.hostname: the container has no uts namespace of its own' \
	'uts#.hostname = "pwned"#hostname: needs a uts namespace of the container' \
	'uts#del(.hostname) | .domainname = "pwned"#domainname: needs a uts namespace' \
	'none#.linux.sysctl = {"vm.swappiness":"1"}#linux.sysctl.vm.swappiness: not in a namespace of the container' \
	'none#.hostname = "h" | .linux.sysctl = {"kernel.hostname":"pwned"}#linux.sysctl.kernel.hostname: conflicts with "hostname"' \
	'none#.domainname = "a" | .linux.sysctl = {"kernel.domainname":"b"}#linux.sysctl.kernel.domainname: "b" conflicts with domainname "a"'; do
	IFS='#' read -r ns edit want <<<"$c"
	[ -n "$want" ] || { fail "case $c" "malformed"; continue; }
	config ".linux.namespaces |= map(select(.type != \"$ns\")) | $edit | .process.args = [\"true\"]"
	run_out hostsafe
	expect "refused: $edit without its own $ns namespace" "skiff-runtime: fatal: config.json: $want"
done
check "host sysctls, host name and domain name unchanged" test "$(host_values)" = "$before"
ip netns add skiff-rt-hostnet 2>/dev/null && umount /run/netns/skiff-rt-hostnet &&
	mount --bind /proc/self/ns/net /run/netns/skiff-rt-hostnet
config '.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/skiff-rt-hostnet" else . end) | .linux.sysctl = {"net.ipv4.ping_group_range":"0 0"}'
run_out hostnetjoin
expect "joining the host's own network namespace counts as none" "linux.sysctl.net.ipv4.ping_group_range: the container has no network namespace of its own"
umount /run/netns/skiff-rt-hostnet 2>/dev/null; ip netns del skiff-rt-hostnet 2>/dev/null
config '.linux.sysctl = {"net.ipv4.ping_group_range":"0 0","fs.mqueue.queues_max":"77"} | .domainname = "dom" | .process.args = ["sh","-c","cat /proc/sys/net/ipv4/ping_group_range /proc/sys/fs/mqueue/queues_max; hostname; cat /proc/sys/kernel/domainname"]'
run_out sysctlns
expect "namespaced sysctls and names apply inside" "$(printf '0\t0\n77\nskiff\ndom')"
check "and leave the host alone" test "$(host_values)" = "$before"

# The device cgroup (a BPF program on the cgroup v2 hierarchy; on a hybrid
# host the one at /sys/fs/cgroup/unified): a device node the rules do not
# allow cannot be opened even when it is there; an allowed one can.
devcfg='.linux.resources = {"devices":[{"allow":false,"access":"rwm"}]}
	| .mounts += [{"destination":"/dev/loop-control","type":"bind","source":"/dev/loop-control","options":["bind"]}]
	| .process.args = ["sh","-c","(exec 3</dev/loop-control && echo loop-control-opened) 2>&1; echo x >/dev/null && echo null-ok; head -c 4 /dev/zero | wc -c"]'
config "$devcfg"
run_out devdeny
expect "device cgroup: a device outside the rules is denied" "can't open /dev/loop-control: Operation not permitted"
expect "device cgroup: /dev/null is allowed by default" "null-ok"
expect "device cgroup: /dev/zero is readable" "$(printf '\n4')"
config "$devcfg"' | .linux.resources.devices += [{"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}]'
run_out devallow
expect "device cgroup: an allow rule lets it open" "loop-control-opened"
config "$devcfg"' | .linux.resources.devices += [{"allow":true,"type":"c","major":10,"minor":237,"access":"w"}]'
run_out devaccess
expect "device cgroup: access letters count (w does not allow a read)" "Operation not permitted"

config '.process.oomScoreAdj = 123 | .process.noNewPrivileges = true | .process.args = ["sh","-c","cat /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status"]'
run_out oomadj
expect "oomScoreAdj" "123"
expect "noNewPrivileges" "NoNewPrivs:	1"
config '.process.env = ["PATH=/bin","FOO=bar baz"] | .process.cwd = "/tmp" | .process.args = ["sh","-c","echo \"$FOO\" $(pwd)"]'
run_out env
expect "env and cwd" "bar baz /tmp"

# Hooks: each gets the state on stdin; createContainer runs inside.
hook=$T_DIR/hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
cat > "$T_DIR/hook-\$1.json"
HOOK
chmod +x "$hook"
cp "$hook" "$BUNDLE/rootfs/hook.sh"
config '.hooks = {"createRuntime":[{"path":$h,"args":["hook.sh","createRuntime"]}],
	"createContainer":[{"path":"/bin/sh","args":["sh","-c","cat > /tmp/cc.json; echo in-container > /tmp/marker"]}],
	"poststart":[{"path":$h,"args":["hook.sh","poststart"]}],
	"poststop":[{"path":$h,"args":["hook.sh","poststop"]}]}
	| .root.readonly = false | .process.args = ["sh","-c","cat /tmp/marker"]' --arg h "$hook"
run_out hooks
check "createRuntime hook got the state" jq -e '.id == "hooks" and .status == "creating" and .pid > 0' "$T_DIR/hook-createRuntime.json"
expect "createContainer hook ran in the container" "in-container"
check "poststart hook ran" jq -e '.id == "hooks"' "$T_DIR/hook-poststart.json"
check "poststop hook ran" jq -e '.id == "hooks" and .status == "stopped"' "$T_DIR/hook-poststop.json"
config '.hooks = {"prestart":[{"path":"/bin/false"}]}'
run_out hookfail
expect "failing prestart hook stops the container" "hooks.prestart[0]: /bin/false failed with status 1"
check "failed create leaves no state" test ! -e "$RT_ROOT/hookfail"

# Unsupported or invalid fields: a clear error naming the key path.
for c in '.linux.intelRdt = {"closID":"x"}|linux.intelRdt: not supported' \
	'.process.apparmorProfile = "x"|process.apparmorProfile: not supported' \
	'.linux.resources = {"devices":[{"allow":false,"access":"x"}]}|linux.resources.devices[0].access: "x" is not made of r, w and m' \
	'.process.user.uid = "root"|process.user.uid: expected a number' \
	'.process.rlimits = [{"type":"RLIMIT_BOGUS","soft":1,"hard":1}]|process.rlimits[0].type: unknown rlimit "RLIMIT_BOGUS"' \
	'.mounts[0].options = [1]|mounts[0].options[0]: expected a string' \
	'.linux.namespaces += [{"type":"time"}]|linux.namespaces[6].type: unknown namespace "time"'; do
	config "${c%%|*}"
	run_out bad
	expect "rejects ${c%%|*}" "skiff-runtime: fatal: config.json: ${c#*|}"
	[ "$RC" -eq 1 ] || fail "status 1 for ${c%%|*}" "got $RC"
done
config '.process.capabilities.bounding += ["CAP_BOGUS"] | .process.args = ["sh","-c","grep CapBnd /proc/self/status"]'
run_out capbogus
expect "an unknown capability is skipped with a warning (as runc)" 'skiff-runtime: warning: config.json: process.capabilities: unknown capability "CAP_BOGUS" ignored'
expect "and the container runs with the others" "CapBnd:	0000000020000420"
config '.linux.resources = {"memory":{"limit":33554432}}'
OUT=$(rt --cgroup-manager disabled run -b "$BUNDLE" nocg 2>&1)
expect "resources with cgroups disabled" "config.json: linux.resources: cgroups are disabled"

# runc's defaults: HOME from the image's passwd (else /), a missing cwd is
# made, hooks without env inherit the runtime's, devices anywhere.
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$BUNDLE/rootfs/etc/passwd"
config '.process.env = ["PATH=/bin"] | .process.cwd = "/work/new/dir" | .process.args = ["sh","-c","echo HOME=$HOME; echo pwd=$(pwd)"]'
run_out homecwd
expect "HOME from /etc/passwd for root" "HOME=/root"
expect "missing process.cwd is made" "pwd=/work/new/dir"
config '.process.env = ["PATH=/bin"] | .process.user = {"uid":1000,"gid":1000} | .process.args = ["sh","-c","echo HOME=$HOME"]'
run_out homeapp
expect "HOME from /etc/passwd for uid 1000" "HOME=/home/app"
config '.process.env = ["PATH=/bin","HOME=/custom"] | .process.args = ["sh","-c","echo HOME=$HOME"]'
run_out homeset
expect "a HOME in the config stays" "HOME=/custom"
rm -f "$BUNDLE/rootfs/etc/passwd"
config '.process.env = ["PATH=/bin"] | .process.user = {"uid":4242,"gid":4242} | .process.args = ["sh","-c","echo HOME=$HOME"]'
run_out homenone
expect "HOME is / without a passwd entry" "HOME=/"
config '.hooks = {"prestart":[{"path":"/bin/sh","args":["sh","-c","echo \"$SKIFF_HOOK_PROBE\" > \"$0\"", $f]}]}
	| .process.args = ["true"]' --arg f "$T_DIR/hookenv.out"
SKIFF_HOOK_PROBE=inherited rt run -b "$BUNDLE" hookenv >/dev/null 2>&1 </dev/null
check "a hook without env inherits the runtime's environment" grep -qx inherited "$T_DIR/hookenv.out"
config '.root.readonly = false | .linux.devices = [{"path":"/opt/devs/mynull","type":"c","major":1,"minor":3,"fileMode":438}] | .process.args = ["sh","-c","echo x > /opt/devs/mynull && echo kind=$(ls -l /opt/devs/mynull | cut -c1)"]'
run_out devoutside
expect "linux.devices outside /dev are made" "kind=c"
expect_rc "and usable" 0

# A user namespace without a cgroup namespace may not mount cgroup2: the
# container's cgroup is bound read-only instead (as runc and crun).
config '.linux.namespaces |= map(select(.type != "cgroup")) | .linux.namespaces += [{"type":"user"}]
	| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
	| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
	| .process.args = ["sh","-c","grep \" /sys/fs/cgroup \" /proc/self/mountinfo"]'
run_out usernocgns
expect_rc "user namespace without a cgroup namespace runs" 0
expect "its cgroup is bound read-only at /sys/fs/cgroup" " /sys/fs/cgroup ro,"
