/* manifest.json (see manifest.h). */
#include "manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "hex.h"
#include "rootfs.h"

const char *const manifest_outputs[] = {"vmlinuz", "initramfs.img", "cmdline", NULL};

static int hash_file(const char *path, char hex[65], unsigned long long *size, struct sk_err *err)
{
	uint8_t digest[32];
	uint64_t n;

	if (fs_sha256_file(path, digest, &n, err) < 0)
		return -1;
	sk_hex(digest, sizeof digest, hex);
	*size = n;
	return 0;
}

static int add_outputs(cJSON *outputs, const char *dir, struct sk_err *err)
{
	for (const char *const *name = manifest_outputs; *name; name++) {
		char path[PATH_MAX], hex[65];
		unsigned long long size = 0;
		cJSON *o;

		snprintf(path, sizeof path, "%s/%s", dir, *name);
		if (hash_file(path, hex, &size, err) < 0)
			return -1;
		if (!(o = cJSON_AddObjectToObject(outputs, *name)) ||
		    !cJSON_AddNumberToObject(o, "size", (double)size) ||
		    !cJSON_AddStringToObject(o, "sha256", hex))
			return sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	}
	return 0;
}

static int entry_size(const struct rootfs_entry *e, unsigned long long *size, struct sk_err *err)
{
	struct stat st;

	if (!e->host_path) {
		*size = e->size;
		return 0;
	}
	if (stat(e->host_path, &st) < 0)
		return sk_fail(err, errno, "stat %s", e->host_path);
	*size = (unsigned long long)st.st_size;
	return 0;
}

/* "userland": {"size": N, "files": N, "programs": {"/sbin/init": N, ...}} */
static int add_userland(cJSON *m, const struct rootfs *fs, struct sk_err *err)
{
	cJSON *u = cJSON_AddObjectToObject(m, "userland");
	cJSON *programs = cJSON_CreateObject();
	unsigned long long total = 0, size = 0;
	size_t files = 0;
	char path[PATH_MAX];

	if (!u || !programs || !cJSON_AddItemToObject(u, "programs", programs))
		return sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	for (size_t i = 0; i < fs->n; i++) {
		const struct rootfs_entry *e = &fs->entries[i];
		if (e->type != ROOTFS_FILE || strncmp(e->path, "lib/modules/", 12) == 0)
			continue;
		if (entry_size(e, &size, err) < 0)
			return -1;
		total += size;
		files++;
		snprintf(path, sizeof path, "/%s", e->path);
		if ((e->mode & 0111) && !cJSON_AddNumberToObject(programs, path, (double)size))
			return sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	}
	if (!cJSON_AddNumberToObject(u, "size", (double)total) ||
	    !cJSON_AddNumberToObject(u, "files", (double)files))
		return sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	return 0;
}

static int render(const char *dir, const char *kernel_version, const char *const *modules,
		  size_t n_modules, const struct rootfs *fs, uint32_t epoch, char **out,
		  struct sk_err *err)
{
	cJSON *m = cJSON_CreateObject();
	cJSON *kernel = cJSON_AddObjectToObject(m, "kernel");
	cJSON *mods = cJSON_CreateStringArray(modules, (int)n_modules);
	int rc = 0;

	if (!m || !kernel || !mods || !cJSON_AddStringToObject(kernel, "version", kernel_version)) {
		cJSON_Delete(mods);
		rc = sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	} else {
		cJSON_AddItemToObject(m, "modules", mods);
		rc = add_userland(m, fs, err);
		if (rc == 0)
			rc = add_outputs(cJSON_AddObjectToObject(m, "outputs"), dir, err);
		cJSON_AddNumberToObject(m, "source_date_epoch", epoch);
	}
	if (rc == 0 && !(*out = cJSON_Print(m)))
		rc = sk_fail(err, ENOMEM, "%s", MANIFEST_NAME);
	cJSON_Delete(m);
	return rc;
}

int manifest_write(const char *dir, const char *kernel_version, const char *const *modules,
		   size_t n_modules, const struct rootfs *fs, uint32_t epoch, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	char path[PATH_MAX];

	if (render(dir, kernel_version, modules, n_modules, fs, epoch, &text, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_NAME);
	size_t len = strlen(text);
	text[len] = '\n'; /* overwrites the NUL: written by length */
	return fs_write_file(path, text, len + 1, err);
}
