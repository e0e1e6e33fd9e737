#!/bin/bash
# Registry auth and transport: bearer tokens (against a small Python fake
# registry with a token endpoint — a fake, not docker-registry), basic
# auth (docker-registry with an htpasswd file), a download cut in the
# middle that is resumed and never used half-done, chunked manifests,
# and HTTPS verified against a CA bundle.
. "$(dirname "$0")/../lib.sh"
. "$SKIFF_TOP/tests/fixtures/image_env.sh"
cd "$T_DIR" || exit 1

python3 - <<'PY'
import io, os, tarfile
with tarfile.open("l.tar", "w") as t:
    data = os.urandom(200000)
    ti = tarfile.TarInfo("big.bin"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
PY
$MKLAYOUT L v1 l.tar
layer=$(jq -r '.layers[0].digest' "L/blobs/sha256/$(tag_digest L v1 | cut -d: -f2)")

# Bearer-token flow (fake registry), with credentials for the token endpoint.
$FAKE_REGISTRY L 5081 fake1.log --token alice:s3cret --chunked &
T_PIDS+=($!)
wait_port 5081 || { echo "FAIL: fake registry did not start"; exit 1; }
O=(--insecure-registry 127.0.0.1:5081)
if "$RT" pull -q --data "$T_DIR/d1" "${O[@]}" --creds alice:s3cret 127.0.0.1:5081/x/y:v1 >/dev/null 2>bearer.err; then
	pass "bearer token auth"
	check "token endpoint got basic credentials" grep -q "^GET /token.* 200 .*auth=Basic" fake1.log
	check "manifest fetched with the bearer token" grep -q "^GET /v2/x/y/manifests/v1 200 .*auth=Bearer" fake1.log
	check "chunked manifest decoded" test -e "$T_DIR/d1/blobs/sha256/$(tag_digest L v1 | cut -d: -f2)"
else
	fail "bearer token auth" "$(cat bearer.err)"
fi
if "$RT" pull -q --data "$T_DIR/d1b" "${O[@]}" --creds alice:wrong 127.0.0.1:5081/x/y:v1 >/dev/null 2>bad.err; then
	fail "bearer: wrong credentials are refused" "pull succeeded"
else
	check "bearer: wrong credentials are refused" grep -q "token from .*HTTP 401" bad.err
fi
# Credentials from a docker-style config.json.
printf '{"auths":{"127.0.0.1:5081":{"auth":"%s"}}}' "$(printf alice:s3cret | base64)" >auth.json
check "credentials from --auth-file" "$RT" pull -q --data "$T_DIR/d1c" "${O[@]}" --auth-file auth.json 127.0.0.1:5081/x/y:v1
check "credentials from SKIFF_REGISTRY_CREDS" env SKIFF_REGISTRY_CREDS=alice:s3cret "$RT" pull -q --data "$T_DIR/d1d" "${O[@]}" 127.0.0.1:5081/x/y:v1

# A blob download cut in the middle is not used, then resumed with Range.
$FAKE_REGISTRY L 5082 fake2.log --truncate-once &
T_PIDS+=($!)
wait_port 5082 || { echo "FAIL: fake registry did not start"; exit 1; }
D=$T_DIR/d2
if "$RT" pull -q --data "$D" --insecure-registry 127.0.0.1:5082 127.0.0.1:5082/x/y:v1 >/dev/null 2>cut.err; then
	fail "truncated download fails" "pull succeeded"
else
	check "truncated download fails" grep -q "connection closed in the body" cut.err
	check "truncated blob is not in the store" test ! -e "$D/blobs/sha256/${layer#sha256:}"
	check "truncated blob left as a partial file" test -s "$D/tmp/${layer#sha256:}.partial"
	check "nothing unpacked from a truncated blob" test -z "$(ls -A "$D/layers/sha256")"
fi
if "$RT" pull -q --data "$D" --insecure-registry 127.0.0.1:5082 127.0.0.1:5082/x/y:v1 >/dev/null 2>resume.err; then
	check "second pull resumes with a Range request" grep -q "blobs/$layer 206 range=bytes=[1-9]" fake2.log
	check "resumed blob verified and stored" test "$(sha256sum <"$D/blobs/sha256/${layer#sha256:}" | cut -d' ' -f1)" = "${layer#sha256:}"
	check "partial file gone after the resume" test ! -e "$D/tmp/${layer#sha256:}.partial"
else
	fail "second pull resumes with a Range request" "$(cat resume.err)"
fi

# Basic auth: docker-registry with a bcrypt htpasswd file.
if command -v htpasswd >/dev/null; then
	htpasswd -Bbc htpasswd bob pw >/dev/null 2>&1
	start_registry "$T_DIR/reg" 5083 "auth:
  htpasswd:
    realm: skiff
    path: $T_DIR/htpasswd"
	skopeo copy -q --dest-tls-verify=false --dest-creds bob:pw oci:L:v1 docker://127.0.0.1:5083/b/c:v1 >skopeo.log 2>&1 ||
		echo "FAIL: push to htpasswd registry: $(cat skopeo.log)"
	R=(--insecure-registry 127.0.0.1:5083)
	check "basic auth with --creds" "$RT" pull -q --data "$T_DIR/d3" "${R[@]}" --creds bob:pw 127.0.0.1:5083/b/c:v1
	if "$RT" pull -q --data "$T_DIR/d3b" "${R[@]}" 127.0.0.1:5083/b/c:v1 >/dev/null 2>nocreds.err; then
		fail "basic auth without credentials fails" "pull succeeded"
	else
		check "basic auth without credentials fails" grep -q "no credentials" nocreds.err
	fi
else
	fail "basic auth" "htpasswd (apache2-utils) is not installed"
fi

# HTTPS: docker-registry with a certificate for localhost.
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1
start_registry "$T_DIR/regtls" 5084 "  tls:
    certificate: $T_DIR/cert.pem
    key: $T_DIR/key.pem"
skopeo copy -q --dest-tls-verify=false oci:L:v1 docker://localhost:5084/t/u:v1 >skopeo2.log 2>&1 ||
	echo "FAIL: push to TLS registry: $(cat skopeo2.log)"
if "$RT" pull -q --data "$T_DIR/d4" --ca-file cert.pem localhost:5084/t/u:v1 >/dev/null 2>tls.err; then
	pass "HTTPS pull verified against a CA bundle"
else
	fail "HTTPS pull verified against a CA bundle" "$(cat tls.err)"
fi
if "$RT" pull -q --data "$T_DIR/d5" localhost:5084/t/u:v1 >/dev/null 2>untrusted.err; then
	fail "HTTPS: an untrusted certificate is refused" "pull succeeded"
else
	check "HTTPS: an untrusted certificate is refused" grep -q "TLS: certificate not trusted" untrusted.err
fi
