#!/bin/bash
# The main job: build a node image, boot it under QEMU (TCG, in a network
# namespace holding only loopback), show its console until it is ready,
# then shut it down with the ACPI power button and report the timings.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/demo
rm -rf "$out/console.log" "$out/mon.sock"
mkdir -p "$out"

echo "== building the node image from examples/minimal.yaml"
build/bin/skiff-imagegen build examples/minimal.yaml -o "$out/image"

echo "== booting it (console below)"
qemu/run --log "$out/console.log" --monitor "$out/mon.sock" --timeout 300 "$out/image" &
qemu=$!
tail -n +1 -F "$out/console.log" 2>/dev/null &
tailer=$!
trap 'kill $tailer $qemu 2>/dev/null || true' EXIT
qemu/wait-for "$out/console.log" 'init: ready$' 120 >/dev/null
sleep 1
echo "== node is ready; pressing the power button"
printf 'system_powerdown\n' | socat - "unix-connect:$out/mon.sock" >/dev/null
wait $qemu || true
sleep 0.3
ms() { tr -d '\r' <"$out/console.log" | grep -E -m1 -- "$1" | sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1.\2/p'; }
echo "== init: ready at $(ms 'init: ready$') s after kernel start; powered off at $(ms 'init: shutdown: power off') s"
