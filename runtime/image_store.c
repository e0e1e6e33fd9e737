/* Image refs (DATA/images/<escaped name>.json: name -> manifest digest),
 * listing, removal, lookup by short name or digest. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "image_internal.h"
#include "json_get.h"

static void ref_path(const char *data, const char *name, char *buf, size_t cap)
{
	size_t n = snprintf(buf, cap, "%s/images/", data);
	for (const char *p = name; *p && n + 8 < cap; p++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:@",
			   *p))
			buf[n++] = *p;
		else
			n += snprintf(buf + n, cap - n, "%%%02X", (unsigned char)*p);
	}
	snprintf(buf + n, cap - n, ".json");
}

int store_ref_write(const char *data, const struct image_info *info, struct sk_err *err)
{
	char path[2048];
	ref_path(data, info->name, path, sizeof path);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", info->name);
	cJSON_AddStringToObject(o, "digest", info->digest);
	cJSON_AddStringToObject(o, "config", info->config);
	cJSON_AddNumberToObject(o, "size", (double)info->size);
	cJSON_AddNumberToObject(o, "created", (double)info->created);
	int rc = json_write_file(path, o, err);
	cJSON_Delete(o);
	return rc;
}

static int ref_parse(const char *path, const char *text, struct image_info *info,
		     struct sk_err *err)
{
	cJSON *o = cJSON_Parse(text);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	const cJSON *digest = cJSON_GetObjectItemCaseSensitive(o, "digest");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(o, "config");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(o, "size");
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(o, "created");
	int r = 0;
	memset(info, 0, sizeof *info);
	if (!cJSON_IsString(name) || !cJSON_IsString(digest) ||
	    digest_check(digest->valuestring, NULL) < 0)
		r = sk_fail(err, 0, "%s: not an image ref", path);
	else {
		snprintf(info->name, sizeof info->name, "%s", name->valuestring);
		snprintf(info->digest, sizeof info->digest, "%s", digest->valuestring);
		if (cJSON_IsString(config))
			snprintf(info->config, sizeof info->config, "%s", config->valuestring);
		info->size = cJSON_IsNumber(size) ? (uint64_t)size->valuedouble : 0;
		info->created = cJSON_IsNumber(created) ? (int64_t)created->valuedouble : 0;
	}
	cJSON_Delete(o);
	return r;
}

static int ref_read_path(const char *path, struct image_info *info, struct sk_err *err)
{
	char buf[8192];
	SK_AUTOFCLOSE FILE *f = fopen(path, "re");
	if (!f)
		return sk_fail(err, errno, "%s", path);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	return ref_parse(path, buf, info, err);
}

int store_ref_read(const char *data, const char *name, struct image_info *info, struct sk_err *err)
{
	char path[2048];
	ref_path(data, name, path, sizeof path);
	return ref_read_path(path, info, err);
}

int image_list(const struct image_opts *o, struct image_info **out, size_t *n, struct sk_err *err)
{
	char dir[1024], path[2048];
	snprintf(dir, sizeof dir, "%s/images", image_data_dir(o));
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "open %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		struct image_info *v = realloc(*out, (*n + 1) * sizeof *v);
		if (!v) {
			closedir(d);
			return sk_fail(err, ENOMEM, "list images");
		}
		*out = v;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (ref_read_path(path, &v[*n], NULL) == 0)
			(*n)++;
	}
	closedir(d);
	return 0;
}

/* Accepts a full or short name (busybox, 127.0.0.1:5000/x:1) or a manifest
 * digest (or a unique prefix of its hex, at least 6 digits). */
int store_ref_lookup(const char *data, const char *arg, struct image_info *info, struct sk_err *err)
{
	struct image_ref ref;
	char name[600];
	if (image_ref_parse(arg, &ref, NULL) == 0) {
		image_ref_name(&ref, name, sizeof name);
		if (store_ref_read(data, name, info, NULL) == 0)
			return 0;
	}
	const char *hex = strncmp(arg, "sha256:", 7) == 0 ? arg + 7 : arg;
	struct image_opts o = {.data_dir = data};
	struct image_info *all;
	size_t n, found = 0;
	if (strlen(hex) >= 6 && strspn(hex, "0123456789abcdef") == strlen(hex) &&
	    image_list(&o, &all, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++)
			if (strncmp(all[i].digest + 7, hex, strlen(hex)) == 0 && found++ == 0)
				*info = all[i];
		free(all);
	}
	if (found == 1)
		return 0;
	return sk_fail(err, 0, "image %s: %s", arg, found ? "ambiguous digest" : "not found");
}

int image_remove(const struct image_opts *o, const char *arg, struct sk_err *err)
{
	struct image_info info;
	char path[2048];
	if (store_ref_lookup(image_data_dir(o), arg, &info, err) < 0)
		return -1;
	ref_path(image_data_dir(o), info.name, path, sizeof path);
	if (unlink(path) < 0)
		return sk_fail(err, errno, "remove %s", path);
	return 0;
}

int store_image_open(const struct blobstore *bs, const char *manifest_digest, struct manifest *m,
		     char **config_json, size_t *config_len, struct image_config *cfg,
		     struct sk_err *err)
{
	SK_AUTOFREE char *body = NULL;
	SK_AUTOFREE char *conf = NULL;
	size_t len, clen;
	if (blobstore_read(bs, manifest_digest, MAX_MANIFEST_BYTES, &body, &len, err) < 0 ||
	    manifest_parse(body, len, NULL, m, err) < 0)
		return -1;
	if (m->kind != MANIFEST_IMAGE ||
	    blobstore_read(bs, m->config.digest, MAX_CONFIG_BYTES, &conf, &clen, err) < 0 ||
	    image_config_parse(conf, clen, cfg, err) < 0) {
		manifest_free(m);
		return m->kind != MANIFEST_IMAGE
			   ? sk_fail(err, 0, "%s: not an image manifest", manifest_digest)
			   : -1;
	}
	if (config_json) {
		*config_json = conf;
		*config_len = clen;
		conf = NULL;
	}
	return 0;
}
