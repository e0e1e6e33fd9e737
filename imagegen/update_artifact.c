/* The update artifact (see update_artifact.h). Every JSON document is
 * printed compact with keys in a fixed order, and BearSSL's ECDSA takes
 * its nonce from the key and the digest (RFC 6979), so two builds of one
 * spec with one key and SOURCE_DATE_EPOCH write the same bytes. */
#define _GNU_SOURCE
#include "update_artifact.h"

#include <bearssl.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "clock.h"
#include "fsutil.h"
#include "hex.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define DIGEST_LEN   (7 + 64 + 1)

struct blob {
	const char *media_type, *title;
	char digest[DIGEST_LEN];
	uint64_t size;
};

static void digest_of(const void *data, size_t len, char out[DIGEST_LEN])
{
	uint8_t d[32];
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, d);
	memcpy(out, "sha256:", 7);
	sk_hex(d, sizeof d, out + 7);
}

static void blob_path(const char *dir, const char *digest, char *out, size_t cap)
{
	snprintf(out, cap, "%s/update/blobs/sha256/%s", dir, digest + 7);
}

/* Stores DATA as a blob, filling in B's digest and size. */
static int put_blob(const char *dir, const void *data, size_t len, struct blob *b,
		    struct sk_err *err)
{
	char path[PATH_MAX];

	digest_of(data, len, b->digest);
	b->size = len;
	blob_path(dir, b->digest, path, sizeof path);
	return fs_write_file(path, data, len, err);
}

/* The root is too big to hold twice in memory: hashed, then copied. */
static int put_root(const struct update_input *in, struct blob *b, struct sk_err *err)
{
	char path[PATH_MAX];
	uint8_t d[32];

	if (fs_sha256_file(in->root_path, d, &b->size, err) < 0)
		return -1;
	memcpy(b->digest, "sha256:", 7);
	sk_hex(d, sizeof d, b->digest + 7);
	blob_path(in->dir, b->digest, path, sizeof path);
	return fs_copy_file(in->root_path, path, err);
}

static cJSON *descriptor(const char *media_type, const char *digest, uint64_t size)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "mediaType", media_type);
	cJSON_AddStringToObject(o, "digest", digest);
	cJSON_AddNumberToObject(o, "size", (double)size);
	return o;
}

static cJSON *sized(const struct blob *b)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "digest", b->digest);
	cJSON_AddNumberToObject(o, "size", (double)b->size);
	return o;
}

/* The signed document (contract: docs/disk.md "The update manifest"). */
static char *update_manifest(const struct update_input *in, const struct blob *uki,
			     const struct blob *root)
{
	char hex[65], created[40];
	cJSON *o = cJSON_CreateObject(), *r = sized(root), *v = cJSON_CreateObject();

	sk_rfc3339(created, sizeof created, (time_t)in->epoch, 0, 0);
	cJSON_AddNumberToObject(o, "schemaVersion", 1);
	cJSON_AddStringToObject(o, "version", in->version);
	cJSON_AddStringToObject(o, "kernel", in->kernel_version);
	cJSON_AddItemToObject(o, "uki", sized(uki));
	sk_hex(in->verity->root, 32, hex);
	cJSON_AddStringToObject(v, "rootHash", hex);
	sk_hex(in->verity->salt, 32, hex);
	cJSON_AddStringToObject(v, "salt", hex);
	cJSON_AddNumberToObject(v, "dataBlocks", (double)in->verity->data_blocks);
	cJSON_AddNumberToObject(v, "hashBlocks", (double)in->verity->hash_blocks);
	cJSON_AddItemToObject(r, "verity", v);
	cJSON_AddItemToObject(o, "root", r);
	cJSON_AddStringToObject(o, "created", created);
	cJSON_AddStringToObject(o, "key", in->key->id);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static cJSON *layer(const struct blob *b)
{
	cJSON *o = descriptor(b->media_type, b->digest, b->size), *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "org.opencontainers.image.title", b->title);
	cJSON_AddItemToObject(o, "annotations", a);
	return o;
}

static char *oci_manifest(const struct update_input *in, const struct blob *config,
			  const struct blob layers[3])
{
	char created[40];
	cJSON *o = cJSON_CreateObject(), *l = cJSON_CreateArray(), *a = cJSON_CreateObject();

	sk_rfc3339(created, sizeof created, (time_t)in->epoch, 0, 0);
	cJSON_AddNumberToObject(o, "schemaVersion", 2);
	cJSON_AddStringToObject(o, "mediaType", OCI_MANIFEST);
	cJSON_AddStringToObject(o, "artifactType", UPDATE_MEDIA_MANIFEST);
	cJSON_AddItemToObject(o, "config",
			      descriptor(config->media_type, config->digest, config->size));
	for (int i = 0; i < 3; i++)
		cJSON_AddItemToArray(l, layer(&layers[i]));
	cJSON_AddItemToObject(o, "layers", l);
	cJSON_AddStringToObject(a, "org.opencontainers.image.version", in->version);
	cJSON_AddStringToObject(a, "org.opencontainers.image.created", created);
	cJSON_AddItemToObject(o, "annotations", a);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int write_index(const struct update_input *in, const struct blob *manifest,
		       struct sk_err *err)
{
	char path[PATH_MAX];
	cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateArray(), *a = cJSON_CreateObject();
	cJSON *d = descriptor(OCI_MANIFEST, manifest->digest, manifest->size);

	cJSON_AddStringToObject(a, "org.opencontainers.image.ref.name", in->version);
	cJSON_AddItemToObject(d, "annotations", a);
	cJSON_AddItemToArray(m, d);
	cJSON_AddNumberToObject(o, "schemaVersion", 2);
	cJSON_AddItemToObject(o, "manifests", m);
	SK_AUTOFREE char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return sk_fail(err, ENOMEM, "index.json");
	snprintf(path, sizeof path, "%s/update/index.json", in->dir);
	return fs_write_file(path, text, strlen(text), err);
}

static int make_dirs(const char *dir, struct sk_err *err)
{
	static const char *const sub[] = {"update", "update/blobs", "update/blobs/sha256"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof sub / sizeof *sub; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
		if (mkdir(path, 0755) < 0)
			return sk_fail(err, errno, "mkdir %s", path);
	}
	snprintf(path, sizeof path, "%s/update/oci-layout", dir);
	return fs_write_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err);
}

/* The signed config and the detached files beside the layout. */
static int write_signed(const struct update_input *in, const char *config, struct blob *cfg,
			struct blob *sig, struct sk_err *err)
{
	unsigned char s[UPDATE_SIG_MAX];
	size_t len = strlen(config), sig_len = update_key_sign(in->key, config, len, s);
	char path[PATH_MAX];

	if (sig_len == 0)
		return sk_fail(err, 0, "signing the update manifest failed");
	if (put_blob(in->dir, config, len, cfg, err) < 0 ||
	    put_blob(in->dir, s, sig_len, sig, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/update.json", in->dir);
	if (fs_write_file(path, config, len, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/update.sig", in->dir);
	return fs_write_file(path, s, sig_len, err);
}

static int write_all(const struct update_input *in, struct sk_err *err)
{
	struct blob cfg = {UPDATE_MEDIA_MANIFEST, NULL, {0}, 0}, man = {OCI_MANIFEST, NULL, {0}, 0};
	struct blob layers[3] = {{UPDATE_MEDIA_SIG, "update.sig", {0}, 0},
				 {UPDATE_MEDIA_UKI, "skiff.efi", {0}, 0},
				 {UPDATE_MEDIA_ROOT, "root.img", {0}, 0}};

	if (make_dirs(in->dir, err) < 0 ||
	    put_blob(in->dir, in->uki, in->uki_len, &layers[1], err) < 0 ||
	    put_root(in, &layers[2], err) < 0)
		return -1;
	SK_AUTOFREE char *config = update_manifest(in, &layers[1], &layers[2]);
	if (!config)
		return sk_fail(err, ENOMEM, "update manifest");
	if (write_signed(in, config, &cfg, &layers[0], err) < 0)
		return -1;
	SK_AUTOFREE char *manifest = oci_manifest(in, &cfg, layers);
	if (!manifest)
		return sk_fail(err, ENOMEM, "OCI manifest");
	if (put_blob(in->dir, manifest, strlen(manifest), &man, err) < 0)
		return -1;
	return write_index(in, &man, err);
}

int update_artifact_write(const struct update_input *in, struct sk_err *err)
{
	return write_all(in, err) < 0 ? sk_wrap(err, "update artifact") : 0;
}
