#!/bin/bash
# bench/exec.sh [N]: how long `skiffctl task exec` takes on a booted node
# (QEMU TCG, reached through qemu/run --fwd), N rounds (default 20),
# interleaved, beside the floor of any node API call:
#
#   curl GET /v1/node   OpenSSL's client: TCP + TLS handshake with client
#                       certificate + one request (the transport floor)
#   exec: first output  from starting `skiffctl task exec T -- echo hi` to
#                       its first byte on stdout (etcd lookups, TLS, the
#                       upgrade, joining the container, the command)
#   exec: exit          the same command to skiffctl's exit
#   logs --tail 1       `skiffctl task logs T --tail 1`, for comparison
#
# Prints medians and ratios to the floor. Runs in a network namespace of
# its own holding only loopback (etcd, the registry and QEMU's forwards).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SKIFF_LIB_HELPERS_ONLY=1 . "$top/tests/lib.sh" # the test image
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
N=${1:-20}
BIN=${SKIFF_BIN:-$top/build/bin}
out=$top/build/bench/exec
rm -rf "$out" && mkdir -p "$out"
export SKIFF_NETNS_PRIVATE=1
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
EP=http://127.0.0.1:27379 REG=27500 API=27443

etcd_start b "$out/etcd" $EP 27380 "$out/etcd.log"
pids+=("$ETCD_PID")
d=$out/img-src
busybox_root "$d" sh sleep echo true
registry_start "$d" $REG
pids+=($!)
image_push "$d" 127.0.0.1:$REG/busybox:latest || { echo "exec.sh: test image: $(tail -3 "$d"/*.log)" >&2; exit 1; }

PKI=$out/pki
CTL="$BIN/skiffctl --endpoints $EP --cluster bench --api-cacert $PKI/ca.crt --api-cert $PKI/op.crt --api-key $PKI/op.key"
$CTL ca init --dir "$PKI" >/dev/null
$CTL ca issue node node1 --dir "$PKI" >/dev/null
$CTL ca issue operator op --dir "$PKI" >/dev/null
cat >"$out/spec.yaml" <<SPEC
hostname: node1
kernel:
  modules: [virtio_pci, virtio_net, overlay, bridge, veth, nf_tables, nft_chain_nat, nft_nat, nft_masq, nft_fib_ipv4]
  cmdline: "console=ttyS0 panic=-1"
services:
  - {name: agent, exec: ["/usr/bin/skiff-agent"], restart: always}
files:
  - {path: /etc/skiff/pki/ca.crt, source: $PKI/ca.crt}
  - {path: /etc/skiff/pki/node.crt, source: $PKI/node1.crt}
  - {path: /etc/skiff/pki/node.key, source: $PKI/node1.key, mode: "0600"}
cluster:
  name: bench
  endpoints: ["http://10.0.2.2:27379"]
  insecure_registries: ["10.0.2.2:$REG"]
  api: {port: 7443, ca_file: /etc/skiff/pki/ca.crt, cert_file: /etc/skiff/pki/node.crt, key_file: /etc/skiff/pki/node.key}
SPEC
"$BIN/skiff-imagegen" build --quiet "$out/spec.yaml" -o "$out/img"
"$top/qemu/run" --log "$out/node.log" --timeout 900 --mem 512 --fwd $API:7443 \
	--append "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:off" "$out/img" >/dev/null 2>&1 &
pids+=($!)
"$top/qemu/wait-for" "$out/node.log" 'agent: registered as' 240 >/dev/null
$CTL scheduler --id b >"$out/scheduler.log" 2>&1 &
pids+=($!)
cat >"$out/td.json" <<EOT
{"family":"bench","containerDefinitions":[{"name":"main","image":"10.0.2.2:$REG/busybox:latest",
 "memory":32,"command":["/bin/sh","-c","trap 'exit 0' TERM; while :; do sleep 1; done"]}]}
EOT
$CTL taskdef register "$out/td.json" >/dev/null
task=$($CTL task run bench)
for _ in $(seq 240); do $CTL task ls | grep -q "$task.*RUNNING" && break; sleep 0.5; done
ADDR="--addr 127.0.0.1:$API"

# ms ARGS...: milliseconds from start to the first stdout byte and to exit.
cat >"$out/ms.py" <<'EOF'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
p.stdout.read(1)
t1 = time.monotonic()
p.stdout.read()
p.wait()
t2 = time.monotonic()
print("%d %d" % ((t1 - t0) * 1000, (t2 - t0) * 1000))
EOF
ms() { python3 "$out/ms.py" "$@"; }
: >"$out/curl" >"$out/first" >"$out/exit" >"$out/logs"
for i in $(seq "$N"); do
	ms curl -sk --cert "$PKI/op.crt" --key "$PKI/op.key" https://127.0.0.1:$API/v1/node | cut -d' ' -f2 >>"$out/curl"
	read -r f e < <(ms $CTL task exec $task $ADDR -- echo hi)
	echo "$f" >>"$out/first"
	echo "$e" >>"$out/exit"
	ms $CTL task logs $task $ADDR --tail 1 | cut -d' ' -f2 >>"$out/logs"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
c=$(median "$out/curl")
printf '%-44s %8s %8s\n' "node API on a QEMU (TCG) node, $N runs" "median" "x floor"
for k in curl first exit logs; do
	case $k in
	curl) name="curl GET /v1/node (floor)" ;;
	first) name="skiffctl task exec -- echo: first output" ;;
	exit) name="skiffctl task exec -- echo: exit" ;;
	logs) name="skiffctl task logs --tail 1" ;;
	esac
	m=$(median "$out/$k")
	awk -v n="$name" -v m="$m" -v c="$c" 'BEGIN {printf "%-44s %5d ms %7.2fx\n", n, m, m / c}'
done
