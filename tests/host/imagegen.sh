#!/bin/bash
# skiff-imagegen on the host: outputs, manifest, reproducibility, and a bad
# spec failing with file:line: key path and leaving nothing behind.
. "$(dirname "$0")/../lib.sh"
cd "$SKIFF_TOP"

out=$T_DIR/a
SOURCE_DATE_EPOCH=1700000000 build_image examples/minimal.yaml "$out"
for f in vmlinuz initramfs.img cmdline manifest.json; do
	check "writes $f" test -s "$out/$f"
done

# The manifest's sizes and digests are those of the files it lists.
manifest_ok=1
for f in vmlinuz initramfs.img cmdline; do
	want=$(sha256sum "$out/$f" | cut -d' ' -f1)
	size=$(stat -c %s "$out/$f")
	got=$(jq -r --arg f "$f" '.outputs[$f].sha256' "$out/manifest.json")
	gsize=$(jq -r --arg f "$f" '.outputs[$f].size' "$out/manifest.json")
	[ "$got" = "$want" ] && [ "$gsize" = "$size" ] || { manifest_ok=0; echo "  $f: manifest $got/$gsize, file $want/$size"; }
done
[ $manifest_ok = 1 ] && pass "manifest sizes and sha256 match the files" || fail "manifest" "mismatch"
kver=$(jq -r .kernel.version "$out/manifest.json")
check "manifest names the kernel" test -d "/lib/modules/$kver"
check "vmlinuz is that kernel" cmp -s "$out/vmlinuz" "/boot/vmlinuz-$kver"

# Contents: init, the modules with their dependencies, config, owners 0:0.
listing=$T_DIR/listing
zcat "$out/initramfs.img" | cpio -itv --quiet >"$listing" 2>/dev/null
names=$(zcat "$out/initramfs.img" | cpio -it --quiet 2>/dev/null)
has() { grep -qx -- "$1" <<<"$names"; }
# "link PATH" prints PATH's symlink target (cpio -itv: "... PATH -> TARGET").
link() { awk -v p="$1" '$1 ~ /^l/ && $(NF-2) == p {print $NF}' "$2"; }
check "initramfs has sbin/init, a link to the node binary" test "$(link sbin/init "$listing")" = /usr/bin/skiff
check "initramfs has /init, a link to sbin/init" test "$(link init "$listing")" = sbin/init
check "initramfs has etc/skiff/node.json" has etc/skiff/node.json
for m in $(jq -r '.modules[]' "$out/manifest.json"); do
	path=$(grep -E "(^|/)${m//_/[-_]}\.ko:" "/lib/modules/$kver/modules.dep" | cut -d: -f1)
	has "lib/modules/$kver/$path" || { fail "module $m packed" "lib/modules/$kver/$path missing"; continue; }
	pass "module $m packed"
done
deps=$(grep -E '(^|/)virtio_net\.ko:' "/lib/modules/$kver/modules.dep" | cut -d: -f2)
for d in $deps; do check "dependency $(basename "$d") packed" has "lib/modules/$kver/$d"; done
if awk '$3 != "root" && $3 != "0" || $4 != "root" && $4 != "0" {bad=1} END {exit bad}' "$listing"; then
	pass "every entry owned by 0:0"
else fail "owners" "an entry not owned by root"; fi
zcat "$out/initramfs.img" | cpio -i --quiet --to-stdout etc/skiff/node.json >"$T_DIR/node.json" 2>/dev/null
check "node.json is valid JSON with the hostname" \
	test "$(jq -r .hostname "$T_DIR/node.json")" = "$(sed -n 's/^hostname: *//p' examples/minimal.yaml)"

# Reproducible: same spec and SOURCE_DATE_EPOCH give identical bytes; the
# epoch really is what stamps the entries.
SOURCE_DATE_EPOCH=1700000000 build_image examples/minimal.yaml "$T_DIR/b"
same=1
for f in vmlinuz initramfs.img cmdline manifest.json; do cmp -s "$out/$f" "$T_DIR/b/$f" || same=0; done
[ $same = 1 ] && pass "two builds are byte-identical" || fail "reproducible" "outputs differ"
SOURCE_DATE_EPOCH=1600000000 build_image examples/minimal.yaml "$T_DIR/c"
if cmp -s "$out/initramfs.img" "$T_DIR/c/initramfs.img"; then
	fail "SOURCE_DATE_EPOCH used" "a different epoch gave the same initramfs"
else pass "SOURCE_DATE_EPOCH used"; fi

# A rebuild into an existing directory replaces it whole.
SOURCE_DATE_EPOCH=1700000000 build_image examples/debug.yaml "$T_DIR/b"
check "rebuild replaces the directory" test "$(jq -r .hostname <(zcat "$T_DIR/b/initramfs.img" |
	cpio -i --quiet --to-stdout etc/skiff/node.json 2>/dev/null))" = \
	"$(sed -n 's/^hostname: *//p' examples/debug.yaml)"

# A bad spec: exit 2, file:line: key path, and no output at all.
bad=$T_DIR/bad
"$IMAGEGEN" build examples/bad.yaml -o "$bad" >"$T_DIR/bad.out" 2>"$T_DIR/bad.err"
rc=$?
check "bad spec exits 2" test $rc = 2
if grep -qE "examples/bad\.yaml:7: kernel\.modules\[2\]: no module \"virtio_blkk\" in $kver" "$T_DIR/bad.err"; then
	pass "bad spec error names file, line and key path"
else fail "bad spec message" "$(cat "$T_DIR/bad.err")"; fi
check "bad spec writes no output" test ! -e "$bad"
check "bad spec leaves no temporary directory" test -z "$(ls -A "$T_DIR" | grep -v -e '^[abc]$' -e '^bad\.' -e '^listing$' -e '^node\.json$' -e '^imagegen\.log$')"

# A bad spec over an existing image keeps the old image.
before=$(cat "$T_DIR/c"/* | sha256sum)
"$IMAGEGEN" build examples/bad.yaml -o "$T_DIR/c" >/dev/null 2>&1
check "a failed build keeps the previous image" test "$(cat "$T_DIR/c"/* | sha256sum)" = "$before"

# One node binary, and links for only the roles an image uses.
roles() { grep -E '^usr/bin/skiff' <<<"$1" | sort | tr '\n' ' '; }
check "minimal image: the node binary, no agent, runtime or netcfg link" \
	test "$(roles "$names")" = "usr/bin/skiff "
check "  the packed binary is build/bin/skiff" cmp -s \
	<(zcat "$out/initramfs.img" | cpio -i --quiet --to-stdout usr/bin/skiff 2>/dev/null) "$SKIFF_BIN/skiff"
printf 'hostname: net\nnetwork:\n  interfaces:\n    - match: {name: eth0}\n      dhcp: true\n' >"$T_DIR/net.yaml"
build_image "$T_DIR/net.yaml" "$T_DIR/net"
check "networked image without a cluster: only the netcfg link" \
	test "$(roles "$(zcat "$T_DIR/net/initramfs.img" | cpio -it --quiet 2>/dev/null)")" = "usr/bin/skiff usr/bin/skiff-netcfg "
build_image examples/node.yaml "$T_DIR/node"
node_list=$(zcat "$T_DIR/node/initramfs.img" | cpio -it --quiet 2>/dev/null)
check "cluster node image: the node binary and the agent, netcfg, runtime links" \
	test "$(roles "$node_list")" = "usr/bin/skiff usr/bin/skiff-agent usr/bin/skiff-netcfg usr/bin/skiff-runtime "

# A normal node holds no busybox applet but udhcpc: its programs are
# Skiff's and /bin/udhcpc, which is busybox built with udhcpc alone (it is
# udhcpc under any name), and no link leads to a busybox.
node_listing=$(zcat "$T_DIR/node/initramfs.img" | cpio -itv --quiet 2>/dev/null)
programs=$(awk '$1 ~ /^-..x/ {print $NF}' <<<"$node_listing" | sort | tr '\n' ' ')
want="bin/udhcpc usr/bin/skiff "
[ "$programs" = "$want" ] && pass "cluster node image's programs are Skiff's and udhcpc" ||
	fail "cluster node image's programs" "got '$programs', want '$want'"
links=$(awk '$1 ~ /^l/ {print $(NF-2) "->" $NF}' <<<"$node_listing" | sort | tr '\n' ' ')
want="init->sbin/init sbin/init->/usr/bin/skiff usr/bin/skiff-agent->skiff usr/bin/skiff-netcfg->skiff usr/bin/skiff-runtime->skiff "
[ "$links" = "$want" ] && pass "cluster node image's links are the node roles, no applet" ||
	fail "cluster node image's links are the node roles" "got '$links', want '$want'"
zcat "$T_DIR/node/initramfs.img" | (cd "$T_DIR" && cpio -i --quiet --to-stdout bin/udhcpc >udhcpc-packed 2>/dev/null)
check "node's /bin/udhcpc is the udhcpc build" cmp -s "$T_DIR/udhcpc-packed" "$SKIFF_BIN/udhcpc"
cp "$SKIFF_BIN/udhcpc" "$T_DIR/ls" && chmod +x "$T_DIR/ls"
out_ls=$("$T_DIR/ls" -q -n -t 1 -T 1 -i nosuchif0 2>&1)
[[ $out_ls == *"udhcpc: "* ]] && pass "the udhcpc build is udhcpc under any name (one applet)" ||
	fail "the udhcpc build holds one applet" "as 'ls' it said: $out_ls"
size=$(stat -c %s "$SKIFF_BIN/udhcpc")
echo "  udhcpc: $size bytes"

# The manifest's userland: every file but the kernel modules, uncompressed.
want_total=$(awk '$1 ~ /^-/ && $NF !~ /^lib\/modules\// {s += $5} END {print s}' <<<"$node_listing")
got_total=$(jq -r .userland.size "$T_DIR/node/manifest.json")
[ "$got_total" = "$want_total" ] && pass "manifest userland size is the initramfs files but modules ($got_total bytes)" ||
	fail "manifest userland size" "manifest $got_total, initramfs $want_total"
got_node=$(jq -r '.userland.programs["/usr/bin/skiff"]' "$T_DIR/node/manifest.json")
check "manifest lists each program's size" test "$got_node" = "$(stat -c %s "$SKIFF_BIN/skiff")"

# kernel.profile: micro reads Skiff's kernels (--kernels, laid out like an
# installed Debian kernel); its built-in modules are accepted and packed
# as nothing. A fake tree stands in for build/kernel here.
fake=$T_DIR/kernels/micro
mkdir -p "$fake/boot" "$fake/lib/modules/9.9.9-skiff-micro"
echo not-really-a-kernel >"$fake/boot/vmlinuz-9.9.9-skiff-micro"
: >"$fake/lib/modules/9.9.9-skiff-micro/modules.dep"
printf 'kernel/drivers/net/virtio_net.ko\nkernel/net/bridge/bridge.ko\n' >"$fake/lib/modules/9.9.9-skiff-micro/modules.builtin"
printf 'kernel:\n  profile: micro\n  modules: [virtio_net, bridge]\n' >"$T_DIR/micro.yaml"
if "$IMAGEGEN" build "$T_DIR/micro.yaml" -o "$T_DIR/micro" --kernels "$T_DIR/kernels" >"$T_DIR/micro.log" 2>&1; then
	pass "micro profile builds from --kernels"
else fail "micro profile builds from --kernels" "$(cat "$T_DIR/micro.log")"; fi
check "micro image's kernel is the newest *-skiff-micro" test "$(jq -r .kernel.version "$T_DIR/micro/manifest.json")" = 9.9.9-skiff-micro
check "micro image packs no module" test "$(jq '.modules | length' "$T_DIR/micro/manifest.json")" = 0
check "micro image's vmlinuz is that kernel" cmp -s "$T_DIR/micro/vmlinuz" "$fake/boot/vmlinuz-9.9.9-skiff-micro"
# The micro image's initramfs is a plain cpio archive (no gzip to unpack
# at boot) holding what the gzip-compressed one of the same spec holds.
check "micro image's initramfs is not compressed" cpio -i --quiet --to-stdout etc/skiff/node.json <"$T_DIR/micro/initramfs.img"
printf 'kernel:\n  profile: micro\n  compression: gzip\n  modules: [virtio_net, bridge]\n' >"$T_DIR/micro-gz.yaml"
"$IMAGEGEN" build "$T_DIR/micro-gz.yaml" -o "$T_DIR/micro-gz" --kernels "$T_DIR/kernels" >/dev/null 2>&1
check "kernel.compression: gzip compresses it" test "$(head -c2 "$T_DIR/micro-gz/initramfs.img" | od -An -tx1 | tr -d ' ')" = 1f8b
check "  with the same files" cmp -s <(cpio -it --quiet <"$T_DIR/micro/initramfs.img" 2>/dev/null) \
	<(zcat "$T_DIR/micro-gz/initramfs.img" | cpio -it --quiet 2>/dev/null)
printf 'kernel:\n  profile: micro\n  modules: [veth]\n' >"$T_DIR/micro-bad.yaml"
"$IMAGEGEN" build "$T_DIR/micro-bad.yaml" -o "$T_DIR/micro-bad" --kernels "$T_DIR/kernels" >/dev/null 2>"$T_DIR/micro-bad.err"
check "a module the micro kernel lacks is a spec error (exit 2)" test $? = 2
check "  naming the line and key" grep -q 'micro-bad.yaml:3: kernel.modules\[0\]: no module "veth" in 9.9.9-skiff-micro' "$T_DIR/micro-bad.err"
"$IMAGEGEN" build "$T_DIR/micro.yaml" -o "$T_DIR/micro-none" --kernels "$T_DIR/nowhere" >/dev/null 2>"$T_DIR/micro-none.err"
check "no micro kernel built is a spec error (exit 2)" test $? = 2
check "  saying how to build one" grep -q 'micro.yaml:2: kernel.profile: no kernel found .*make kernel' "$T_DIR/micro-none.err"
