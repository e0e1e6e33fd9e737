#!/bin/bash
# Pull from a real docker-registry on loopback: OCI and Docker schema 2
# manifests, an index with several platforms, verified blobs, layer
# sharing, whiteouts and opaque dirs in the overlay view, a tampered blob,
# images / rmi / gc, and a bundle whose rootfs runs busybox.
. "$(dirname "$0")/../lib.sh"
. "$SKIFF_TOP/tests/fixtures/image_env.sh"
cd "$T_DIR" || exit 1
PORT=5071
REG=127.0.0.1:$PORT
D=$T_DIR/data
OPTS=(--data "$D" --insecure-registry "$REG")

make_umoci_images L || { echo "FAIL: umoci images"; exit 1; }
# v3: v2 plus a hand-made layer with an opaque directory.
python3 - <<'PY'
import io, tarfile
with tarfile.open("opq.tar", "w") as t:
    for name, data in (("dir/opq/.wh..wh..opq", b""), ("dir/opq/new", b"new\n")):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
PY
$MKLAYOUT L v3 --base v2 opq.tar --cmd /bin/sh
# multi: an OCI index naming v1 as linux/amd64 and v2 as linux/arm64.
idx=$(jq -c --arg a "$(tag_digest L v1)" --arg b "$(tag_digest L v2)" -n \
	--argjson sa "$(stat -c %s L/blobs/sha256/$(tag_digest L v1 | cut -d: -f2))" \
	--argjson sb "$(stat -c %s L/blobs/sha256/$(tag_digest L v2 | cut -d: -f2))" \
	'{schemaVersion:2, mediaType:"application/vnd.oci.image.index.v1+json", manifests:[
	  {mediaType:"application/vnd.oci.image.manifest.v1+json", digest:$a, size:$sa, platform:{os:"linux",architecture:"amd64"}},
	  {mediaType:"application/vnd.oci.image.manifest.v1+json", digest:$b, size:$sb, platform:{os:"linux",architecture:"arm64",variant:"v8"}}]}')
printf '%s' "$idx" >idx.json
idig=sha256:$(sha256sum idx.json | cut -d' ' -f1)
cp idx.json "L/blobs/sha256/${idig#sha256:}"
jq --arg d "$idig" --argjson s "$(stat -c %s idx.json)" \
	'.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json", digest:$d, size:$s, annotations:{"org.opencontainers.image.ref.name":"multi"}}]' \
	L/index.json >L/index.new && mv L/index.new L/index.json

start_registry "$T_DIR/reg" $PORT
push L:v1 $REG/test/img:v1
push L:v2 $REG/test/img:v2
push L:v3 $REG/test/img:v3
push L:v1 $REG/test/docker:v1 --format v2s2
push L:multi $REG/test/multi:latest --all

# OCI manifest, anonymous.
if out=$("$RT" pull "${OPTS[@]}" $REG/test/img:v1 2>pull1.err); then
	check "pull OCI image" test "$out" = "$REG/test/img:v1 $(tag_digest L v1)"
else
	fail "pull OCI image" "$(cat pull1.err)"
fi
check "every stored blob matches its digest" blobs_verified "$D"
check "one layer unpacked for v1" test "$(ls "$D/layers/sha256" | wc -l)" -eq 1

# Layer sharing: v2's base layer is v1's and is not unpacked again.
"$RT" pull "${OPTS[@]}" $REG/test/img:v2 >/dev/null 2>pull2.err
check "v2 reuses v1's unpacked layer" grep -q "already unpacked" pull2.err
check "v2 adds exactly one layer" test "$(ls "$D/layers/sha256" | wc -l)" -eq 2
check "v2 unpacks one layer only" test "$(grep -c '^unpacking' pull2.err)" -eq 1

# Whiteouts and opaque directories in the overlay view, through a bundle.
"$RT" pull -q "${OPTS[@]}" $REG/test/img:v3 >/dev/null 2>pull3.err || fail "pull v3" "$(cat pull3.err)"
if "$RT" bundle --data "$D" --user nobody $REG/test/img:v3 c1 "$T_DIR/b1" >bundle.err 2>&1; then
	R=$T_DIR/b1/rootfs
	check "whiteout hides a file deleted in an upper layer" test ! -e "$R/del.txt"
	check "upper layer's change is visible" grep -qx v2 "$R/keep.txt"
	check "opaque dir hides lower entries" test "$(ls "$R/dir/opq")" = new
	check "busybox runs in the rootfs" test "$(chroot "$R" /bin/busybox echo ok 2>&1)" = ok
	echo rw >"$R/written"
	check "writes land in the container's upper dir" test -f "$D/containers/c1/upper/written"
	check "config.json root is rootfs" test "$(jq -r .root.path "$T_DIR/b1/config.json")" = rootfs
	check "config.json user resolved in the image's /etc/passwd" test "$(jq -c .process.user "$T_DIR/b1/config.json")" = '{"uid":65534,"gid":65534}'
	check "config.json args from the image Cmd" test "$(jq -c .process.args "$T_DIR/b1/config.json")" = '["/bin/sh"]'
	"$RT" bundle --remove --data "$D" c1 "$T_DIR/b1"
	check "bundle --remove unmounts and drops the R/W layer" test ! -e "$D/containers/c1" -a ! -e "$R/keep.txt"
else
	fail "bundle" "$(cat bundle.err)"
fi
"$RT" bundle --data "$D" --no-mount --user 1000:1000 --env GREETING=override --entrypoint /bin/echo \
	$REG/test/img:v1 c2 "$T_DIR/b2" -- a b >b2.err 2>&1 || fail "bundle overrides" "$(cat b2.err)"
check "bundle: entrypoint and args override" test "$(jq -c .process.args "$T_DIR/b2/config.json")" = '["/bin/echo","a","b"]'
check "bundle: env override" jq -e '.process.env | index("GREETING=override")' "$T_DIR/b2/config.json"
check "bundle: WorkingDir from the image" test "$(jq -r .process.cwd "$T_DIR/b2/config.json")" = /dir
"$RT" bundle --remove --data "$D" c2 "$T_DIR/b2"

# Docker v2 schema 2.
if out=$("$RT" pull -q "${OPTS[@]}" $REG/test/docker:v1 2>docker.err); then
	mt=$(jq -r .mediaType "$D/blobs/sha256/${out##*sha256:}")
	check "pull Docker schema 2 manifest" test "$mt" = application/vnd.docker.distribution.manifest.v2+json
else
	fail "pull Docker schema 2 manifest" "$(cat docker.err)"
fi

# Index: linux/amd64 by default, another platform on request.
out=$("$RT" pull -q "${OPTS[@]}" $REG/test/multi 2>multi.err)
check "index: default platform linux/amd64" test "${out##* }" = "$(tag_digest L v1)"
out=$("$RT" pull -q "${OPTS[@]}" --platform linux/arm64/v8 $REG/test/multi 2>>multi.err)
check "index: --platform linux/arm64/v8" test "${out##* }" = "$(tag_digest L v2)"
if "$RT" pull -q "${OPTS[@]}" --platform linux/s390x $REG/test/multi >/dev/null 2>s390.err; then
	fail "index: missing platform is an error" "was accepted"
else
	check "index: missing platform is an error" grep -q "no manifest for platform linux/s390x" s390.err
fi

# Plain HTTP only for registries configured insecure.
if "$RT" pull -q --data "$T_DIR/d_secure" --timeout 5 $REG/test/img:v1 >/dev/null 2>secure.err; then
	fail "no plain HTTP unless --insecure-registry" "pull succeeded"
else
	pass "no plain HTTP unless --insecure-registry"
fi

# images, rmi, gc (the two multi pulls share one ref).
"$RT" images --data "$D" >images.out
check "images lists pulled refs" grep -q "^$REG/test/img:v2 " images.out
check "images -q prints names" test "$("$RT" images -q --data "$D" | wc -l)" -eq 5
"$RT" rmi --data "$D" $REG/test/img:v3 $REG/test/multi:latest $REG/test/docker:v1 test/nothing 2>rmi.err
check "rmi of an unknown image fails" grep -q "image test/nothing: not found" rmi.err
"$RT" rmi --data "$D" $REG/test/img:v1
gc=$("$RT" gc --data "$D")
check "gc removes the opaque layer no image uses" test ! -e "$D/layers/sha256/$(sha256sum opq.tar | cut -d' ' -f1)"
check "gc keeps v2's layers" test "$(ls "$D/layers/sha256" | wc -l)" -eq 2
"$RT" rmi --data "$D" $REG/test/img:v2
"$RT" gc --data "$D" >/dev/null
check "gc after removing every image empties the store" test -z "$(ls -A "$D/blobs/sha256")$(ls -A "$D/layers/sha256")"

# A tampered blob in the registry is refused and not stored.
layer=$(jq -r '.layers[0].digest' "L/blobs/sha256/$(tag_digest L v1 | cut -d: -f2)")
hex=${layer#sha256:}
f=$T_DIR/reg/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
printf 'XXXX' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
if "$RT" pull -q --data "$T_DIR/d_tamper" --insecure-registry $REG $REG/test/img:v1 >/dev/null 2>tamper.err; then
	fail "tampered blob is rejected" "pull succeeded"
else
	check "tampered blob is rejected" grep -q "$layer: content has digest" tamper.err
	check "tampered blob is not stored" test ! -e "$T_DIR/d_tamper/blobs/sha256/$hex" -a ! -e "$T_DIR/d_tamper/tmp/$hex.partial"
	check "nothing unpacked from a tampered image" test -z "$(ls "$T_DIR/d_tamper/layers/sha256")"
fi
