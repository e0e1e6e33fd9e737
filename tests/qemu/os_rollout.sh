#!/bin/bash
# A rolling OS update across two disk-image nodes, all real: two QEMU VMs
# under OVMF (TCG) booted from copies of ONE v1 disk image (so one update
# artifact serves both, and no node id is configured: each agent keeps the
# id it made at first start on its data partition), etcd, a docker-registry
# the artifacts and a busybox image are pushed to with skopeo, the real
# scheduler and skiffctl on the host.
#
# a) `skiffctl node update` to v2 with a service of two tasks spread over
#    the nodes: at least one task RUNNING at every sample (etcd, once a
#    second), both nodes end on v2 in slot b under their old ids, data
#    partitions intact, status and rollout done.
# b) a broken v3 (its agent cannot reach etcd): the first node rolls back
#    to v2 by itself, the rollout halts with the reason, the second node is
#    never told (etcd history of its updates/<id>) and stays on v2.
#
# The VMs run with qemu/run --reboot: a guest reboot (the agent's, or
# init's watchdog's) restarts it in place on its disk and OVMF variables.
# Prints the rollout's figures: the whole rollout, each node's steps, and
# the rollback of v3.
. "$(dirname "$0")/../lib.sh"
ETCD_PORT=23579 REG_PORT=25700 CLUSTER=roll MEM=160
EP=http://127.0.0.1:$ETCD_PORT
P=/skiff/$CLUSTER
OS=10.0.2.2:$REG_PORT/skiff/os
for tool in etcd docker-registry skopeo umoci busybox openssl jq curl; do
	command -v $tool >/dev/null || { echo "FAIL: setup: $tool is not installed"; exit 1; }
done
cd "$T_DIR" || exit 1

b64() { printf %s "$1" | base64 -w0; }
eget() { curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 "$1")\"}" | jq -r '.kvs[0].value // empty' | base64 -d; }
# eprefix PREFIX: the values under PREFIX, one JSON document a line.
eprefix() {
	curl -sf -m 2 -X POST $EP/v3/kv/range \
		-d "{\"key\":\"$(b64 "$1")\",\"range_end\":\"$(b64 "${1%/}0")\"}" |
		jq -r '.kvs[]?.value' | while read -r v; do base64 -d <<<"$v"; echo; done
}
ctl() { "$SKIFF_BIN/skiffctl" --endpoints $EP --cluster $CLUSTER "$@"; }
now_ms() { date +%s%3N; }

etcd_start e "$T_DIR/etcd" $EP $((ETCD_PORT + 1)) "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
until_true 20 curl -sf $EP/health || { echo "FAIL: setup: etcd: $(tail -3 "$T_DIR/etcd.log")"; exit 1; }
d=$T_DIR/img-src
busybox_root "$d" sh sleep
registry_start "$d" $REG_PORT
T_PIDS+=($!)
image_push "$d" 127.0.0.1:$REG_PORT/busybox:latest || { echo "FAIL: setup: test image: $(tail -3 "$d"/*.log)"; exit 1; }
setup "signing key" openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/update.key"

# spec VERSION ENDPOINT HEALTH_S: a node image of that version. No node_id.
# HEALTH_S bounds the NEXT version's trial boot (the running image's
# update.health_timeout_s): v1's is generous (v2 must come up under a
# loaded TCG), v2's short (v3 never comes up; it bounds the test's time).
spec() {
	cat <<SPEC
hostname: node
version: "$1"
debug: true
kernel:
  modules: [virtio_pci, virtio_net, overlay]
  cmdline: "console=ttyS0 ip=10.0.2.15::10.0.2.2:255.255.255.0:node:eth0:off"
services:
  - name: net
    exec: ["/usr/bin/skiff-netcfg", "up", "--proc-cmdline"]
    restart: never
  - name: stamp
    exec: ["/bin/sh", "-c", "f=/var/lib/skiff/stamp; [ -f \$f ] || echo data-\$(cat /proc/sys/kernel/random/uuid) >\$f; sync; echo STAMP=\$(cat \$f)"]
    restart: never
  - name: agent
    exec: ["/usr/bin/skiff-agent", "--stop-timeout", "3"]
    restart: always
cluster:
  name: $CLUSTER
  endpoints: ["$2"]
  insecure_registries: ["10.0.2.2:$REG_PORT"]
  lease_ttl_s: 5
update:
  signing_key: $T_DIR/update.key
  health_timeout_s: $3
disk:
  size_mib: 768
shutdown:
  grace_ms: 8000
SPEC
}
good=http://10.0.2.2:$ETCD_PORT
spec 1 $good 300 >v1.yaml
spec 2 $good 40 >v2.yaml
spec 3 http://10.0.2.2:1 40 >v3.yaml # v3's agent cannot reach etcd: it never registers
for v in 1 2 3; do build_image "$T_DIR/v$v.yaml" "$T_DIR/v$v"; done
for v in 2 3; do
	setup "push v$v" skopeo copy --dest-tls-verify=false \
		"oci:$T_DIR/v$v/update:$v" "docker://127.0.0.1:$REG_PORT/skiff/os:$v" >>"$T_DIR/skopeo.log" 2>&1
done

# ---- two VMs from one v1 disk image
for i in 1 2; do
	mkdir -p vm$i && cp --sparse=always v1/disk.raw vm$i/disk.raw
	boot "$T_DIR/vm$i" "$T_DIR/vm$i.log" --disk --reboot --accel tcg --mem $MEM --timeout 1200
done
registered_as() { tr -d '\r' <"$1" | sed -nE 's/.*agent: registered as ([^ ]+).*/\1/p'; }
if until_true 400 'test -n "$(registered_as vm1.log)" -a -n "$(registered_as vm2.log)"'; then
	pass "two VMs from one disk image register"
else
	fail "two VMs register" "$(tail -3 vm1.log vm2.log)"
	exit 1
fi
# n1 is the node the rollout takes first (it goes by name)
a=$(registered_as vm1.log | head -n1) b=$(registered_as vm2.log | head -n1)
if [[ $a < $b ]]; then n1=$a log1=vm1.log n2=$b log2=vm2.log; else n1=$b log1=vm2.log n2=$a log2=vm1.log; fi
echo "  node ids: $n1 ($log1), $n2 ($log2)"
[ "$n1" != "$n2" ] && [ -n "$(eget $P/nodes/$n1)" ] && [ -n "$(eget $P/nodes/$n2)" ] &&
	pass "distinct node ids, made by the agents, in etcd" || fail "node ids" "$n1 $n2"
stamps() { tr -d '\r' <"$1" | sed -n 's/.*STAMP=//p' | sort | uniq -c | awk '{print $2 " x" $1}' | tr '\n' ' '; }
os_of() { eget $P/nodes/$1 | jq -c '.os | {version, slot, previous}'; }

# ---- a service of two tasks, one per node
ctl scheduler --id s1 --ttl 3 >"$T_DIR/sched.log" 2>&1 &
T_PIDS+=($!)
cat >td.json <<EOT
{"family":"web","networkMode":"none","containerDefinitions":[{"name":"main",
 "image":"10.0.2.2:$REG_PORT/busybox:latest","memory":16,"essential":true,
 "command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]}]}
EOT
setup "taskdef" eval 'ctl taskdef register td.json >ctl.log 2>&1'
setup "service" eval 'ctl service create web --taskdef web --desired-count 2 --strategy spread:node >>ctl.log 2>&1'
# running_on: the node of each task of the service RUNNING, one a line.
running_on() {
	local web
	web=$(eprefix $P/tasks/ | jq -r 'select(.service == "web" and .desiredStatus == "RUNNING") | .task // .id' | tr '\n' ' ')
	eprefix $P/status/ | jq -r --arg web " $web" 'select(.status == "RUNNING") | .task as $t |
		select($web | contains(" " + $t + " ")) | $t' | sort -u
}
spread() {
	local k=0 n
	for n in $n1 $n2; do
		eprefix $P/status/$n/ | jq -e 'select(.status == "RUNNING")' >/dev/null && k=$((k + 1))
	done
	[ $k = 2 ] && [ "$(running_on | wc -l)" = 2 ]
}
if until_true 300 spread; then
	pass "a service of two tasks RUNNING, one on each node"
else
	fail "service running" "$(ctl service ls 2>&1; tail -3 sched.log)"
fi

# ---- the sampler: about twice a second, one read of the cluster's keys
# gives the service's RUNNING count (RUNNING in status/ and a task of the
# service meant to run), each node as UPDATE-STATE/VERSION from its record
# ("gone" while it has none: rebooting), the rollout's state and its
# nodes' states. Columns: ms running n1 n2 rollout node-states.
sample() {
	local t
	while :; do
		t=$(now_ms)
		curl -sf -m 2 -X POST $EP/v3/kv/range -d "{\"key\":\"$(b64 $P/)\",\"range_end\":\"$(b64 ${P}0)\"}" |
			jq -r --arg t "$t" --arg n1 "$n1" --arg n2 "$n2" --arg p "$P/" '
			def node($kv; $n): $kv | map(select(.k == "nodes/" + $n)) |
				if length == 0 then "gone" else .[0].v | "\(.os.update.state // "-")/\(.os.version)" end;
			[.kvs[]? | {k: (.key | @base64d | ltrimstr($p)), v: (.value | @base64d | fromjson? // {})}] as $kv |
			[$kv[] | select(.k | startswith("tasks/")) | .v |
				select(.service == "web" and .desiredStatus == "RUNNING") | .id] as $web |
			[$kv[] | select(.k | startswith("status/")) | .v | select(.status == "RUNNING") | .task |
				select(. as $x | $web | any(. == $x))] as $run |
			([$kv[] | select(.k == "rollout/current") | .v] | .[0] // {}) as $r |
			"\($t) \($run | unique | length) \(node($kv; $n1)) \(node($kv; $n2)) \($r.state // "-") " +
			([$r.nodes[]?.state] | join(",") | if . == "" then "-" else . end)' || :
		sleep 0.5
	done
}
sample >samples &
SAMPLER=$!
T_PIDS+=($!)
# stop_sampler ROLLOUT-STATE: once a sample shows it, the sampler ends.
stop_sampler() {
	until_true 20 "tail -n1 samples | grep -q ' $1 '"
	kill $SAMPLER
	wait $SAMPLER 2>/dev/null
}
# first_ms AWK-CONDITION: the time of the first sample after $T0 matching.
first_ms() { awk -v t0="$T0" '$1 >= t0 && ('"$1"') {print $1; exit}' samples; }
# secs FROM-MS TO-MS: seconds between, "?" when one is unknown (two
# reads of one moment can be a fraction of a second out of order: 0).
secs() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {d = (b - a) / 1000; printf "%.0f", d < 0 ? 0 : d}' || echo "?"
}
# node_steps COLUMN I NAME: one node's figures from the samples.
node_steps() {
	local c=$1 i=$2 name=$3 drain told down write boot back done
	drain=$(first_ms "split(\$6, s, \",\") && s[$i] == \"draining\"")
	told=$(first_ms "split(\$6, s, \",\") && s[$i] == \"updating\"")
	down=$(first_ms "\$$c ~ /^downloading/")
	write=$(first_ms "\$$c ~ /^writing/")
	boot=$(awk -v t0="${told:-0}" -v c=$c '$1 >= t0 && $c == "gone" {print $1; exit}' samples)
	back=$(awk -v t0="${boot:-99999999999999}" -v c=$c '$1 > t0 && $c != "gone" {print $1; exit}' samples)
	done=$(first_ms "split(\$6, s, \",\") && s[$i] == \"done\"")
	echo "  $name: drain $(secs "$drain" "$told") s, told to downloading $(secs "$told" "$down") s," \
		"download+check $(secs "$down" "$write") s, write+reboot until the record left $(secs "$write" "$boot") s," \
		"reboot to registered $(secs "$boot" "$back") s, registered to done $(secs "$back" "$done") s;" \
		"told to done $(secs "$told" "$done") s"
}

# ---- a) the rolling update to v2
T0=$(now_ms)
if ctl node update --image $OS:2 --max-unavailable 1 >out 2>&1 && grep -q 'on 2 nodes' out; then
	pass "node update --image $OS:2 starts a rollout of both nodes"
else fail "node update" "$(cat out)"; fi
if until_true 600 'test "$(eget $P/rollout/current | jq -r .state)" = done'; then
	T1=$(now_ms)
	pass "the rollout is done"
else
	T1=$(now_ms)
	fail "rollout done" "$(ctl node update status 2>&1; tail -3 sched.log vm1.log vm2.log)"
fi
stop_sampler done
# the samples from the request to the rollout done
awk -v t0="$T0" -v t1="$T1" '$1 >= t0 && $1 <= t1' samples >during
n_samples=$(wc -l <during)
every=$(awk 'NR == 1 {a = $1} {b = $1} END {if (NR > 1) printf "%.1f", (b - a) / (NR - 1) / 1000}' during)
least=$(awk '{print $2}' during | sort -n | head -n1)
[ "$n_samples" -ge 30 ] && [ "${least:-0}" -ge 1 ] &&
	pass "at least one task RUNNING at every one of $n_samples samples, one every $every s (least: $least)" ||
	fail "a task RUNNING throughout" "least $least over $n_samples samples: $(awk '{print $2}' during | tr '\n' ' ')"
echo "  rollout of two nodes: $(secs "$T0" "$T1") s from the request to the rollout done"
node_steps 3 1 "$n1"
node_steps 4 2 "$n2"
order=$(awk -v t0="$T0" '$1 >= t0 {print $6}' samples | uniq | tr '\n' ' ')
grep -Eq '(draining|updating),pending .*done,(draining|updating) .*done,done' <<<"$order" &&
	! grep -Eq '(draining|updating),(draining|updating)' <<<"$order" &&
	pass "one node at a time: $n1, then $n2" || fail "order" "$order"

ctl node ls >ls.out 2>&1
[ "$(awk -v n="$n1" '$1 == n {print $NF}' ls.out) $(awk -v n="$n2" '$1 == n {print $NF}' ls.out)" = "2 2" ] &&
	head -1 ls.out | grep -q 'OS VERSION$' && pass "node ls: both on OS version 2" || fail "node ls" "$(cat ls.out)"
for n in $n1 $n2; do
	[ "$(os_of $n)" = '{"version":"2","slot":"b","previous":"1"}' ] &&
		pass "$n: record os {version 2, slot b, previous 1}" || fail "$n record" "$(os_of $n)"
done
ctl node update status >st.out 2>&1
grep -Eq "^$n1 +2 +2 +1 +done" st.out && grep -Eq "^$n2 +2 +2 +1 +done" st.out &&
	grep -q "of $OS:2: done: 2 nodes updated" st.out && pass "node update status: both done, rollout done" ||
	fail "status" "$(cat st.out)"
for n in "$n1 $log1" "$n2 $log2"; do
	set -- $n
	n=$1 log=$2
	ids=$(registered_as $log | sort -u | tr '\n' ' ')
	[ "$ids" = "$n " ] && [ "$(registered_as $log | wc -l)" -ge 2 ] &&
		pass "$n registered again under the same id after its reboot" || fail "$n id kept" "$ids"
	s=$(stamps $log)
	[[ $s =~ ^data-[0-9a-f-]+\ x[2-9]\ $ ]] && pass "$n: data partition intact across the update ($s)" ||
		fail "$n data partition" "$s"
done
has_line vm1.log 'init: root: slot b' && has_line vm2.log 'init: root: slot b' &&
	pass "both VMs booted slot b" || fail "slot b" "$(grep -h 'init: root' vm1.log vm2.log)"
until_true 120 'test "$(running_on | wc -l)" = 2' && pass "the service is back to two RUNNING tasks" ||
	fail "service after" "$(running_on)"

# ---- b) a broken v3: n1 rolls back by itself, the rollout halts
sample >samples &
SAMPLER=$!
T_PIDS+=($!)
until_true 20 test -s samples
T0=$(now_ms)
setup "rollout to v3" eval "ctl node update --image $OS:3 >out 2>&1"
id3=$(eget $P/rollout/current | jq -r .id)
if until_true 500 'test "$(eget $P/rollout/current | jq -r .state)" = halted'; then
	T1=$(now_ms)
	pass "the rollout of v3 halts"
else
	T1=$(now_ms)
	fail "v3 halts" "$(ctl node update status 2>&1; tail -3 $log1)"
fi
stop_sampler halted
first=$(eget $P/rollout/current | jq -r '.nodes[0].node')
[ "$first" = "$n1" ] && pass "the first node told is $n1" || fail "first node" "$first"
told=$(first_ms 'split($6, s, ",") && s[1] == "updating"')
gone=$(awk -v t0="${told:-0}" '$1 >= t0 && $3 == "gone" {print $1; exit}' samples)
rb=$(awk -v t0="${told:-0}" '$1 >= t0 && $3 == "failed/2" {print $1; exit}' samples)
echo "  rollback of v3: told to $n1 back on v2 reporting failed $(secs "$told" "$rb") s" \
	"(download, check, write until its record left $(secs "$told" "$gone") s; v3's boot, its" \
	"40 s bound, init's reboot and v2's boot $(secs "$gone" "$rb") s), to the rollout halted" \
	"$(secs "$rb" "$T1") s; request to halted $(secs "$T0" "$T1") s"
eget $P/nodes/$n1 | jq -e '.os.version == "2" and .os.slot == "b" and .os.update.state == "failed" and
	.os.update.target == "3" and (.os.update.reason | test("version 3 was not healthy within 40 s"))' >/dev/null &&
	pass "$n1 is back on v2 (slot b) by itself and reports v3 failed, with the reason" ||
	fail "$n1 rolled back" "$(eget $P/nodes/$n1 | jq -c .os)"
in_order $log1 'init: root: slot a' 'init: root: slot b' 'init: root: slot a' 'init: root: slot b' &&
	pass "$n1 booted v1 (a), v2 (b), v3 (a), then v2 (b) again" ||
	fail "$n1 boots" "$(grep -h 'init: root' $log1 | tr -d '\r' | tr '\n' ' ')"
ctl node update status >st.out 2>&1
grep -q "halted: node $n1: update to version 3 failed: version 3 was not healthy within 40 s" st.out &&
	grep -Eq "^$n2 +2 +- +1 +pending" st.out &&
	pass "node update status: halted, naming $n1 and the reason; $n2 pending" || fail "status v3" "$(cat st.out)"
# every value updates/<n2> ever had (etcd keeps every revision here: a
# watch from revision 1 replays them)
history=$({ curl -sN -m 2 -X POST $EP/v3/watch \
	-d "{\"create_request\":{\"key\":\"$(b64 $P/updates/$n2)\",\"start_revision\":1}}" || :; } |
	jq -r '.result.events[]? | .kv.value // empty' | while read -r v; do base64 -d <<<"$v" | jq -r .image; done | tr '\n' ' ')
[ "$history" = "$OS:2 " ] && pass "$n2 was never told v3 (updates/$n2 history: $history)" ||
	fail "$n2 never told" "history: $history"
seen=$(awk '{print $4}' samples | sort -u | tr '\n' ' ')
[ "$(os_of $n2)" = '{"version":"2","slot":"b","previous":"1"}' ] && [ "$seen" = "done/2 " ] &&
	pass "$n2 stayed on v2 (its record at every sample: $seen)" || fail "$n2 stayed" "$(os_of $n2) seen: $seen"
[ "$(ctl node ls | awk '$1 != "NODE" {print $2}' | sort -u)" = ACTIVE ] && pass "both nodes ACTIVE after the halt" ||
	fail "undrained" "$(ctl node ls)"
