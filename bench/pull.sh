#!/bin/bash
# bench/pull.sh [ITERATIONS]: pull + unpack of a multi-layer image from a
# local docker-registry on loopback: `skiff-runtime pull` beside
# `skopeo copy docker://… oci:…` + `umoci unpack`, fresh stores each
# iteration; prints each time, the medians and the ratio. Runs in a
# network namespace of its own holding only loopback.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${SKIFF_BENCH_NETNS:-}" ]; then
	exec unshare -n -- env SKIFF_BENCH_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
N=${1:-5}
RT=${SKIFF_RUNTIME:-$top/build/bin/skiff-runtime}
W=$(mktemp -d /tmp/skiff-bench-pull.XXXXXX)
PORT=5091
REG=127.0.0.1:$PORT
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$W"' EXIT

# Image: 4 layers — busybox, 2000 small files, 40 MiB of random data, a
# layer deleting some files.
L=$W/layout
b=$W/bundle
umoci init --layout "$L" && umoci new --image "$L:base"
umoci unpack --image "$L:base" "$b" >/dev/null
mkdir -p "$b/rootfs/bin" && cp /bin/busybox "$b/rootfs/bin/"
umoci repack --image "$L:t" "$b" >/dev/null && rm -rf "$b"
umoci unpack --image "$L:t" "$b" >/dev/null
mkdir -p "$b/rootfs/small"
for i in $(seq 2000); do echo "file $i" >"$b/rootfs/small/f$i"; done
umoci repack --image "$L:t" "$b" >/dev/null && rm -rf "$b"
umoci unpack --image "$L:t" "$b" >/dev/null
head -c $((40 << 20)) /dev/urandom >"$b/rootfs/big.bin"
umoci repack --image "$L:t" "$b" >/dev/null && rm -rf "$b"
umoci unpack --image "$L:t" "$b" >/dev/null
rm -f "$b"/rootfs/small/f1??
umoci repack --image "$L:t" "$b" >/dev/null && rm -rf "$b"

mkdir -p "$W/reg"
cat >"$W/reg.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $W/reg
http:
  addr: $REG
YML
docker-registry serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false "oci:$L:t" "docker://$REG/bench/img:t"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
skiff=() anchor=()
for i in $(seq "$N"); do
	rm -rf "$W/d" "$W/o" "$W/u"
	sync
	t0=$(now)
	"$RT" pull -q --data "$W/d" --insecure-registry $REG $REG/bench/img:t >/dev/null
	t1=$(now)
	skopeo copy -q --src-tls-verify=false "docker://$REG/bench/img:t" "oci:$W/o:t" >/dev/null
	umoci unpack --image "$W/o:t" "$W/u" >/dev/null
	t2=$(now)
	skiff+=($(((t1 - t0) / 1000000)))
	anchor+=($(((t2 - t1) / 1000000)))
	echo "iteration $i: skiff-runtime pull ${skiff[-1]} ms, skopeo copy + umoci unpack ${anchor[-1]} ms"
done
ms=$(printf '%s\n' "${skiff[@]}" | median)
ma=$(printf '%s\n' "${anchor[@]}" | median)
size=$(du -sb "$W/d/blobs" | cut -f1)
echo "image: 4 layers, $((size / 1024)) KiB compressed; $N iterations"
echo "median: skiff-runtime pull $ms ms; skopeo copy + umoci unpack $ma ms; ratio $(awk -v a="$ma" -v s="$ms" 'BEGIN {printf "%.2f", a / s}')x"
