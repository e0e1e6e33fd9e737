/* Manifests (OCI and Docker v2 schema 2), indexes / manifest lists with
 * platform selection, and the parts of image configs the puller needs.
 * Everything here is untrusted input: sizes and types are checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "image_internal.h"
#include "scan.h"

#define MT_OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

const char manifest_accept[] =
    MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST;

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
	if (!src)
		src = "";
	if (strlen(src) >= cap)
		return -1;
	strcpy(dst, src);
	return 0;
}

static int platform_parse(const cJSON *p, struct descriptor *d)
{
	if (!p)
		return 0;
	if (!cJSON_IsObject(p))
		return -1;
	return copy_field(d->os, sizeof d->os, json_str(p, "os")) |
	       copy_field(d->arch, sizeof d->arch, json_str(p, "architecture")) |
	       copy_field(d->variant, sizeof d->variant, json_str(p, "variant"));
}

static int descriptor_parse(const cJSON *o, const char *where, struct descriptor *d,
			    struct sk_err *err)
{
	memset(d, 0, sizeof *d);
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(o, "size");
	const char *digest = json_str(o, "digest");
	if (!cJSON_IsObject(o) || !digest || !cJSON_IsNumber(size))
		return sk_fail(err, 0, "%s: not a descriptor (digest, size)", where);
	if (size->valuedouble < 0 || size->valuedouble > 1e15 ||
	    size->valuedouble != (double)(int64_t)size->valuedouble)
		return sk_fail(err, 0, "%s: bad size", where);
	d->size = (int64_t)size->valuedouble;
	if (copy_field(d->digest, sizeof d->digest, digest) < 0 || digest_check(digest, err) < 0)
		return sk_fail(err, 0, "%s: bad digest \"%.100s\"", where, digest);
	if (copy_field(d->media_type, sizeof d->media_type, json_str(o, "mediaType")) < 0 ||
	    platform_parse(cJSON_GetObjectItemCaseSensitive(o, "platform"), d) < 0)
		return sk_fail(err, 0, "%s: bad mediaType or platform", where);
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(o, "annotations");
	const char *ref = ann ? json_str(ann, "org.opencontainers.image.ref.name") : NULL;
	if (copy_field(d->ref_name, sizeof d->ref_name, ref) < 0)
		return sk_fail(err, 0, "%s: ref.name annotation too long", where);
	return 0;
}

static int entries_parse(const cJSON *arr, const char *key, struct manifest *m, struct sk_err *err)
{
	int n = cJSON_GetArraySize(arr);
	if (!cJSON_IsArray(arr) || n > MAX_LAYERS)
		return sk_fail(err, 0, "manifest: \"%s\" missing or longer than %d", key,
			       MAX_LAYERS);
	m->entries = calloc(n ? n : 1, sizeof *m->entries);
	if (!m->entries)
		return sk_fail(err, 0, "out of memory");
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		char where[64];
		snprintf(where, sizeof where, "manifest: %s[%d]", key, i);
		if (descriptor_parse(e, where, &m->entries[i++], err) < 0)
			return -1;
		m->n = i;
	}
	return 0;
}

static const char *kind_of(const cJSON *root, const char *content_type)
{
	const char *mt = json_str(root, "mediaType");
	if (!mt || !*mt)
		mt = content_type;
	if (mt && *mt)
		return mt;
	/* OCI allows mediaType to be absent: guess from the shape. */
	return cJSON_GetObjectItemCaseSensitive(root, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
}

static int manifest_fill(const cJSON *root, const char *mt, struct manifest *m, struct sk_err *err)
{
	if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0) {
		m->kind = MANIFEST_INDEX;
		return entries_parse(cJSON_GetObjectItemCaseSensitive(root, "manifests"),
				     "manifests", m, err);
	}
	if (strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0)
		return sk_fail(err, 0, "manifest: unsupported media type \"%.100s\"", mt);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "schemaVersion");
	if (!cJSON_IsNumber(ver) || ver->valueint != 2)
		return sk_fail(err, 0, "manifest: schemaVersion is not 2");
	m->kind = MANIFEST_IMAGE;
	if (descriptor_parse(cJSON_GetObjectItemCaseSensitive(root, "config"), "manifest: config",
			     &m->config, err) < 0)
		return -1;
	return entries_parse(cJSON_GetObjectItemCaseSensitive(root, "layers"), "layers", m, err);
}

int manifest_parse(const char *body, size_t len, const char *content_type, struct manifest *m,
		   struct sk_err *err)
{
	memset(m, 0, sizeof *m);
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return sk_fail(err, 0, "manifest: not a JSON object");
	}
	int r = manifest_fill(root, kind_of(root, content_type), m, err);
	cJSON_Delete(root);
	if (r < 0)
		manifest_free(m);
	return r;
}

void manifest_free(struct manifest *m)
{
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}

int manifest_select(const struct manifest *index, const char *platform, struct descriptor *out,
		    struct sk_err *err)
{
	char os[32] = "", arch[32] = "", variant[32] = "";
	if (!platform)
		platform = "linux/amd64";
	const char *p = platform;
	if (!sk_scan_until(&p, "/", os, sizeof os) || *p++ != '/' ||
	    !sk_scan_until(&p, "/", arch, sizeof arch))
		return sk_fail(err, 0, "platform \"%.60s\": expected os/arch[/variant]", platform);
	if (*p++ == '/') /* an arch cut at 31 bytes ends the scan there, as sscanf's did */
		sk_scan_word(&p, variant, sizeof variant);
	for (size_t i = 0; i < index->n; i++) {
		const struct descriptor *d = &index->entries[i];
		if (strcmp(d->os, os) != 0 || strcmp(d->arch, arch) != 0)
			continue;
		if (variant[0] && strcmp(d->variant, variant) != 0)
			continue;
		*out = *d;
		return 0;
	}
	return sk_fail(err, 0, "no manifest for platform %s among %zu", platform, index->n);
}

enum layer_compression layer_compression_of(const char *mt)
{
	static const char *const gzip[] = {"application/vnd.oci.image.layer.v1.tar+gzip",
					   "application/vnd.docker.image.rootfs.diff.tar.gzip"};
	if (strcmp(mt, "application/vnd.oci.image.layer.v1.tar") == 0)
		return LAYER_TAR;
	for (size_t i = 0; i < 2; i++)
		if (strcmp(mt, gzip[i]) == 0)
			return LAYER_GZIP;
	if (strstr(mt, "zstd"))
		return LAYER_ZSTD;
	return LAYER_UNKNOWN;
}

int image_config_parse(const char *body, size_t len, struct image_config *c, struct sk_err *err)
{
	memset(c, 0, sizeof *c);
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(root, "rootfs");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	int n = cJSON_GetArraySize(ids);
	if (!cJSON_IsArray(ids) || n > MAX_LAYERS ||
	    !(c->diff_ids = calloc(n + 1, sizeof(char *)))) {
		cJSON_Delete(root);
		return sk_fail(err, 0, "image config: rootfs.diff_ids missing or too long");
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, ids)
	{
		if (!cJSON_IsString(e) || digest_check(e->valuestring, err) < 0) {
			cJSON_Delete(root);
			image_config_free(c);
			return sk_fail(err, 0, "image config: rootfs.diff_ids[%zu]: bad digest",
				       c->n);
		}
		c->diff_ids[c->n++] = strdup(e->valuestring);
	}
	cJSON_Delete(root);
	return 0;
}

void image_config_free(struct image_config *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->diff_ids[i]);
	free(c->diff_ids);
	c->diff_ids = NULL;
	c->n = 0;
}
