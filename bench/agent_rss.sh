#!/bin/bash
# bench/agent_rss.sh: the agent's memory on an idle node (QEMU TCG, a real
# etcd on the host, no task), for three configurations of one image:
#
#   plain          no node API, no log shipping
#   api            the node API on (its listener process)
#   api+syslog     and the node's log shipped to a collector that is away
#
# A debug image's service prints, 30 s after boot (the agent registers in
# under 10 s), each
# agent process's RSS and PSS (proportional: pages shared after fork are
# split between the processes) from /proc. SKIFF_BIN=DIR measures other
# binaries (e.g. an older build; it must understand the image's config):
# `SKIFF_BIN=OLD/build/bin bench/agent_rss.sh plain` for a build without
# the node API. Arguments: the configurations to boot (default all three).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SKIFF_LIB_HELPERS_ONLY=1 . "$top/tests/lib.sh" # etcd_start
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
BIN=${SKIFF_BIN:-$top/build/bin}
out=$top/build/bench/agent_rss
rm -rf "$out" && mkdir -p "$out"
export SKIFF_NETNS_PRIVATE=1
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
EP=http://127.0.0.1:28379

etcd_start r "$out/etcd" $EP 28380 "$out/etcd.log"
pids+=("$ETCD_PID")
PKI=$out/pki
"$top/build/bin/skiffctl" ca init --dir "$PKI" >/dev/null
"$top/build/bin/skiffctl" ca issue node node1 --dir "$PKI" >/dev/null

report='sleep 30;
for p in $(pidof skiff-agent skiff-agent-api skiff-agent-log); do
  echo "MEM $(cat /proc/$p/comm) $(grep VmRSS /proc/$p/status | tr -s " " | cut -d" " -f2) $(grep ^Pss: /proc/$p/smaps_rollup | tr -s " " | cut -d" " -f2)"; done; echo MEM-DONE'

spec() { # NAME EXTRA-CLUSTER-YAML
	cat >"$out/$1.yaml" <<SPEC
hostname: node1
debug: true
kernel:
  modules: [virtio_pci, virtio_net]
  cmdline: "console=ttyS0 panic=-1"
services:
  - {name: agent, exec: ["/usr/bin/skiff-agent"], restart: always}
  - {name: report, exec: ["/bin/sh", "-c", $(jq -Rn --arg s "$report" '$s')], restart: never}
files:
  - {path: /etc/skiff/pki/ca.crt, source: $PKI/ca.crt}
  - {path: /etc/skiff/pki/node.crt, source: $PKI/node1.crt}
  - {path: /etc/skiff/pki/node.key, source: $PKI/node1.key, mode: "0600"}
cluster:
  name: rss
  endpoints: ["http://10.0.2.2:28379"]
$2
SPEC
}
api='  api: {port: 7443, ca_file: /etc/skiff/pki/ca.crt, cert_file: /etc/skiff/pki/node.crt, key_file: /etc/skiff/pki/node.key}'
spec plain ""
spec api "$api"
spec api+syslog "$api
  syslog: {address: \"tcp://10.0.2.2:28514\"}"

printf '%-12s %-18s %9s %9s\n' config process "RSS KiB" "PSS KiB"
configs=("$@")
[ $# -gt 0 ] || configs=(plain api api+syslog)
for c in "${configs[@]}"; do
	"$top/build/bin/skiff-imagegen" build --quiet --bin "$BIN" "$out/$c.yaml" -o "$out/$c"
	"$top/qemu/run" --log "$out/$c.log" --timeout 300 --mem 512 \
		--append "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off" "$out/$c" >/dev/null 2>&1 &
	q=$!
	"$top/qemu/wait-for" "$out/$c.log" 'MEM-DONE' 280 >/dev/null || true
	kill $q 2>/dev/null
	wait $q 2>/dev/null || true
	tr -d '\r' <"$out/$c.log" | sed -n 's/^MEM //p' | awk -v c="$c" '
		{printf "%-12s %-18s %9d %9d\n", c, $1, $2, $3; r += $2; p += $3}
		END {printf "%-12s %-18s %9d %9d\n", c, "(all)", r, p}'
done
