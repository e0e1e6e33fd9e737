#!/bin/bash
# skiff-runtime on a real cgroup v2 node (QEMU, TCG): a memory hog under a
# 32 MiB limit is reported OOM-killed, a pids limit holds against a fork
# loop, and cpu.max / cpu.weight / memory.max are written as configured
# (at linux.cgroupsPath when given). The guest builds a busybox bundle in
# /tmp and prints what it sees on the console.
. "$(dirname "$0")/../lib.sh"
RT=$SKIFF_BIN/skiff-runtime
[ -x "$RT" ] || { fail "skiff-runtime built" "no $RT"; exit 1; }

# Configs are made here with jq from `skiff-runtime spec` and packed as files.
"$RT" spec -b "$T_DIR" --force
base=$T_DIR/config.json
mk() { jq -c "$@" "$base"; }
oom=$(mk '.linux.resources = {"memory":{"limit":33554432}}
	| .process.args = ["sh","-c","echo hog-start; x=$(yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | head -c 200000000); echo hog-survived"]')
pids=$(mk '.linux.resources = {"pids":{"limit":20}}
	| .process.args = ["sh","-c",$script]' --arg script '
		# ash exits when a fork fails: the fork loop runs in a shell of its
		# own, and once the limit is reached the rest uses builtins only.
		sh -c "i=0; while [ \$i -lt 60 ]; do sleep 20 & i=\$((i + 1)); done" 2>/dev/null
		read cur </sys/fs/cgroup/pids.current; read max </sys/fs/cgroup/pids.max
		while read k v; do [ "$k" = max ] && refused=$v; done </sys/fs/cgroup/pids.events
		echo PIDS-CURRENT=$cur PIDS-MAX=$max PIDS-REFUSED=$refused')
cpu=$(mk '.linux.cgroupsPath = "/tenant/cpujob"
	| .linux.resources = {"cpu":{"shares":512,"quota":20000,"period":100000},"memory":{"limit":67108864,"reservation":16777216}}
	| .process.args = ["sleep","60"]')

# The device cgroup: deny all, allow c 42:42. Opening a node the rules
# allow reaches the (absent) driver: ENXIO; one they deny: EPERM.
dev=$(mk '.linux.resources = {"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":42,"minor":42,"access":"rwm"}]}
	| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
	| .process.args = ["sh","-c","mknod /dev/allowed c 42 42; mknod /dev/denied c 43 43; for d in allowed denied; do echo DEV-$d=$( (exec 3</dev/$d) 2>&1 | sed \"s/.*: //\"); done; echo x > /dev/null && echo DEV-NULL=ok"]')
nest=$(mk '.process.args = ["sleep","60"]')

cat >"$T_DIR/spec.yaml" <<SPEC
hostname: rt-cgroups
debug: true
kernel:
  cmdline: "console=ttyS0 panic=-1"
services:
  - name: rt
    exec: ["/bin/sh", "/etc/rt/test.sh"]
    restart: never
files:
  - path: /etc/rt/oom.json
    content: '$oom'
  - path: /etc/rt/pids.json
    content: '$pids'
  - path: /etc/rt/cpu.json
    content: '$cpu'
  - path: /etc/rt/dev.json
    content: '$dev'
  - path: /etc/rt/nest.json
    content: '$nest'
  - path: /etc/rt/test.sh
    content: |
      b=/tmp/bundle
      mkdir -p \$b/rootfs/bin \$b/rootfs/proc \$b/rootfs/sys \$b/rootfs/dev \$b/rootfs/tmp
      cp /bin/busybox \$b/rootfs/bin/
      for a in sh head tr seq sleep cat sed echo yes mknod; do ln -s busybox \$b/rootfs/bin/\$a; done
      rt=/usr/bin/skiff-runtime
      oneline() { tr -d '\n\t '; echo; }
      cp /etc/rt/oom.json \$b/config.json
      \$rt run -d -b \$b oom
      echo MEMORY-MAX=\$(cat /sys/fs/cgroup/skiff/oom/memory.max)
      # Under TCG on a loaded host reaching the limit can take long: poll
      # (up to 180 s) until the monitor has recorded the exit.
      for i in \$(seq 900); do \$rt state oom | grep -q exitCode && break; sleep 0.2; done
      echo OOM-STATE=\$(\$rt state oom | oneline)
      echo OOM-LOG=\$(cat /run/skiff-runtime/oom/stdout.log | tr '\n' ' ')
      \$rt delete oom && echo OOM-DELETED=\$(test -e /sys/fs/cgroup/skiff/oom && echo no || echo yes)
      cp /etc/rt/pids.json \$b/config.json
      \$rt run -b \$b pids; echo PIDS-STATUS=\$?
      cp /etc/rt/cpu.json \$b/config.json
      \$rt run -d -b \$b cpu
      echo CPU-MAX=\$(cat /sys/fs/cgroup/tenant/cpujob/cpu.max)
      echo CPU-WEIGHT=\$(cat /sys/fs/cgroup/tenant/cpujob/cpu.weight)
      echo MEMORY-LOW=\$(cat /sys/fs/cgroup/tenant/cpujob/memory.low)
      echo CPU-PROCS=\$(wc -l < /sys/fs/cgroup/tenant/cpujob/cgroup.procs)
      \$rt delete --force cpu && echo CPU-DELETED=\$(test -e /sys/fs/cgroup/tenant/cpujob && echo no || echo yes)
      cp /etc/rt/dev.json \$b/config.json
      \$rt run -b \$b dev
      cp /etc/rt/nest.json \$b/config.json
      \$rt run -d -b \$b nest
      mkdir -p /sys/fs/cgroup/skiff/nest/sub/subsub
      sh -c 'echo \$\$ > /sys/fs/cgroup/skiff/nest/sub/subsub/cgroup.procs && exec sleep 60' &
      sleep 0.5
      \$rt delete --force nest && echo NEST-DELETED=\$(test -e /sys/fs/cgroup/skiff/nest && echo no || echo yes)
      echo RT-DONE
shutdown:
  grace_ms: 2000
SPEC
build_image "$T_DIR/spec.yaml" "$T_DIR/img"
log=$T_DIR/console.log
boot "$T_DIR/img" "$log"
if ! wait_line "$log" 'RT-DONE' 290 >/dev/null; then
	fail "guest test script finishes" "no RT-DONE line"
	tail -n 30 "$log"
	exit 1
fi
con=$(tr -d '\r' <"$log")
# The console shell's prompt may precede a line: match anywhere.
line() { grep -o -m1 "$1=.*" <<<"$con" | cut -d= -f2-; }
expect() {
	if [[ "$(line "$2")" =~ $3 ]]; then pass "$1"; else fail "$1" "$2='$(line "$2")', want /$3/"; fi
}
expect "memory.max written" MEMORY-MAX '^33554432$'
expect "memory hog reported OOM-killed" OOM-STATE '"status":"stopped".*"exitCode":137,"exitSignal":"SIGKILL","oomKilled":true'
expect "memory hog did not survive" OOM-LOG '^hog-start *$'
expect "delete removes the cgroup" OOM-DELETED '^yes$'
expect "pids limit holds" PIDS-CURRENT '^([0-9]|1[0-9]|20) PIDS-MAX=20 PIDS-REFUSED=[1-9][0-9]*$'
expect "pids container exits cleanly" PIDS-STATUS '^0$'
expect "cpu.max from quota/period at cgroupsPath" CPU-MAX '^20000 100000$'
expect "cpu.weight from shares" CPU-WEIGHT '^20$'
expect "memory.low from reservation" MEMORY-LOW '^16777216$'
expect "container process is in its cgroup" CPU-PROCS '^1$'
expect "cgroupsPath cgroup removed" CPU-DELETED '^yes$'
expect "device cgroup: an allowed device reaches its driver" DEV-allowed 'No such device or address'
expect "device cgroup: a denied device is refused" DEV-denied 'Operation not permitted'
expect "device cgroup: /dev/null is allowed by default" DEV-NULL '^ok$'
expect "delete --force removes child cgroups the container's processes made" NEST-DELETED '^yes$'
