#!/bin/bash
# The signed update artifact skiff-imagegen writes beside a disk image
# (docs/disk.md "The update artifact"): openssl verifies the signature,
# every digest matches its blob and the disk (the UKI on the ESP, the bytes
# of root A), skopeo pushes it to a real registry, rebuilds are identical
# (the ECDSA nonce is RFC 6979's), and bad keys are refused by name.
. "$(dirname "$0")/../lib.sh"

cd "$T_DIR" || exit 1
openssl ecparam -name prime256v1 -genkey -out sec1.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out pk8.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null
openssl ecparam -name secp384r1 -genkey -out p384.pem 2>/dev/null
openssl pkey -in sec1.pem -pubout -out sec1.pub 2>/dev/null
openssl pkey -in pk8.pem -pubout -out pk8.pub 2>/dev/null
echo "not a key" >garbage.pem

spec() { # spec FILE KEYLINES...: a disk image spec with an update section
	local f=$1
	shift
	{
		printf 'hostname: upd\nversion: "3"\ndebug: true\ndisk:\n  size_mib: 320\n  data_mib: 16\nupdate:\n'
		printf '  %s\n' "$@"
	} >"$f"
}
spec good.yaml "signing_key: sec1.pem" "health_timeout_s: 120"
SOURCE_DATE_EPOCH=1700000000 build_image good.yaml a
u=a/update
blob() { echo "$u/blobs/sha256/${1#sha256:}"; }
man=$(blob "$(jq -r '.manifests[0].digest' $u/index.json)")

check "writes an OCI layout" test "$(jq -r .imageLayoutVersion $u/oci-layout)" = 1.0.0
check "index.json: one manifest tagged with the version" \
	test "$(jq -r '[.manifests | length, .[0].annotations["org.opencontainers.image.ref.name"]] | join(" ")' $u/index.json)" = "1 3"
check "openssl verifies update.sig over update.json" \
	openssl dgst -sha256 -verify sec1.pub -signature a/update.sig a/update.json
bad=0
for f in $u/blobs/sha256/*; do [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] || bad=1; done
check "every blob is named by its sha256" test $bad = 0
check "manifest: OCI image manifest with artifactType" \
	test "$(jq -r '[.mediaType, .artifactType] | join(" ")' "$man")" = \
	"application/vnd.oci.image.manifest.v1+json application/vnd.skiff.update.v1+json"
check "config blob is update.json" cmp -s "$(blob "$(jq -r .config.digest "$man")")" a/update.json
check "layers: signature, UKI, root" test "$(jq -r '[.layers[].mediaType] | join(" ")' "$man")" = \
	"application/vnd.skiff.update.signature.v1 application/vnd.skiff.update.uki.v1 application/vnd.skiff.update.root.v1"
check "signature layer is update.sig" cmp -s "$(blob "$(jq -r '.layers[0].digest' "$man")")" a/update.sig
j() { jq -r "$1" a/update.json; }
check "update.json: version, kernel, schema" \
	test "$(j '[.schemaVersion, .version, .kernel] | join(" ")')" = "1 3 $(jq -r .kernel.version a/manifest.json)"
check "update.json: created from SOURCE_DATE_EPOCH" test "$(j .created)" = 2023-11-14T22:13:20Z
check "update.json: key id is sha256 of openssl's SPKI DER" \
	test "$(j .key)" = "sha256:$(openssl pkey -pubin -in sec1.pub -outform DER | sha256sum | cut -d' ' -f1)"

# The blobs are the very bytes of the disk: slot A's UKI and root A.
dd if=a/disk.raw of=esp.img bs=1M skip=1 count=$(($(jq '.partitions[0].size' a/disk.json) >> 20)) status=none
mcopy -n -i esp.img ::/EFI/Linux/skiff-a.efi uki.efi 2>/dev/null
check "the UKI layer is the ESP's skiff-a.efi" cmp -s "$(blob "$(jq -r '.layers[1].digest' "$man")")" uki.efi
check "update.json's uki digest and size" test "$(j '.uki.digest + " " + (.uki.size|tostring)')" = \
	"sha256:$(sha256sum <uki.efi | cut -d' ' -f1) $(stat -c %s uki.efi)"
root=$(blob "$(j .root.digest)")
size=$(stat -c %s "$root")
check "root size is (dataBlocks + hashBlocks) * 4096" test "$size" = "$(j '(.root.verity.dataBlocks + .root.verity.hashBlocks) * 4096')"
check "root size in update.json and the layer agree" test "$(j .root.size)-$(jq -r '.layers[2].size' "$man")" = "$size-$size"
dd if=a/disk.raw of=slot-a.img bs=4096 skip=$(($(jq '.partitions[1].offset' a/disk.json) / 4096)) count=$((size / 4096)) status=none
check "the root layer is slot A's bytes" cmp -s "$root" slot-a.img
check "root verity matches disk.json" test "$(j '[.root.verity.rootHash, .root.verity.salt] | join(" ")')" = \
	"$(jq -r '[.verity.root_hash, .verity.salt] | join(" ")' a/disk.json)"
check "veritysetup verifies the root layer with update.json's parameters" veritysetup verify --no-superblock \
	--hash-offset=$(($(j .root.verity.dataBlocks) * 4096)) --data-blocks="$(j .root.verity.dataBlocks)" \
	--salt="$(j .root.verity.salt)" "$root" "$root" "$(j .root.verity.rootHash)"

# The image trusts the key and tells the agent about it.
mkdir rootfs && (cd rootfs && gzip -dc ../a/initramfs.img 2>/dev/null | cpio -id --quiet 2>/dev/null || cpio -id --quiet <../a/initramfs.img 2>/dev/null)
check "the image carries /etc/skiff/update.pub (the signing key's public half)" cmp -s rootfs/etc/skiff/update.pub sec1.pub
check "node.json: update.public_key and health_timeout_s" \
	test "$(jq -c .update rootfs/etc/skiff/node.json)" = '{"public_key":"/etc/skiff/update.pub","health_timeout_s":120}'
check "os-release: VERSION_ID and IMAGE_VERSION" bash -c "grep -qx VERSION_ID=3 rootfs/etc/os-release && grep -qx IMAGE_VERSION=3 rootfs/etc/os-release"

# A real registry takes it, media types intact.
registry_start "$T_DIR" 5917
T_PIDS+=($!)
setup "registry up" until_true 20 curl -sf http://127.0.0.1:5917/v2/
if skopeo copy --dest-tls-verify=false "oci:$u:3" docker://127.0.0.1:5917/skiff/update:3 >skopeo.log 2>&1; then
	pass "skopeo pushes the artifact to docker-registry"
else
	fail "skopeo pushes the artifact to docker-registry" "$(tail -n3 skopeo.log)"
fi
skopeo inspect --tls-verify=false --raw docker://127.0.0.1:5917/skiff/update:3 >pushed.json 2>>skopeo.log
check "the registry serves the manifest byte for byte" cmp -s pushed.json "$man"
check "skopeo inspect --raw shows the update media types" test \
	"$(jq -r '[.config.mediaType, .layers[].mediaType] | join(" ")' pushed.json)" = \
	"application/vnd.skiff.update.v1+json application/vnd.skiff.update.signature.v1 application/vnd.skiff.update.uki.v1 application/vnd.skiff.update.root.v1"

sleep 1.1 # another wall clock must not matter
SOURCE_DATE_EPOCH=1700000000 build_image good.yaml b
check "rebuild: identical artifact, signature included (RFC 6979)" diff -r a/update b/update
check "rebuild: identical update.json and update.sig" bash -c "cmp a/update.json b/update.json && cmp a/update.sig b/update.sig"

# Keys that cannot sign an update are refused, naming the spec line and file.
refused() { # refused NAME SPEC PATTERN
	if "$IMAGEGEN" build "$2" -o "out-$2" >"$2.log" 2>&1; then
		fail "$1" "built"
	else
		check "$1" grep -q -- "$3" "$2.log"
	fi
}
spec missing.yaml "signing_key: nokey.pem"
refused "a missing key file is refused" missing.yaml "missing.yaml:8: update.signing_key: .*nokey.pem: No such file"
spec garbage.yaml "signing_key: garbage.pem"
refused "a file that is no PEM key is refused" garbage.yaml "garbage.yaml:8: update.signing_key: .*garbage.pem: not PEM (no PRIVATE KEY block)"
spec rsa.yaml "signing_key: rsa.pem"
refused "an RSA key is refused" rsa.yaml "rsa.yaml:8: update.signing_key: .*rsa.pem: an RSA key (updates are signed with EC P-256)"
spec p384.yaml "signing_key: p384.pem"
refused "a P-384 key is refused" p384.yaml "p384.yaml:8: update.signing_key: .*p384.pem: EC curve .* is not P-256"
spec pub.yaml "public_key: rsa.pem"
refused "a public_key that is no public key is refused" pub.yaml "pub.yaml:8: update.public_key: .*rsa.pem: not PEM (no PUBLIC KEY block)"
openssl pkey -in rsa.pem -pubout -out rsa.pub 2>/dev/null
spec rsapub.yaml "public_key: rsa.pub"
refused "an RSA public key is refused" rsapub.yaml "rsapub.yaml:8: update.public_key: .*rsa.pub: not an EC P-256 public key"
spec mismatch.yaml "signing_key: pk8.pem" "public_key: sec1.pub"
refused "PKCS#8 key read; a public_key of another key is refused" mismatch.yaml \
	"mismatch.yaml:9: update.public_key: .*sec1.pub is not the public half of update.signing_key"
