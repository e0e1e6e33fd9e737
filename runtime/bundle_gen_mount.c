/* Bundle creation and removal: the container's R/W layer under
 * DATA/containers/<id>/{upper,work}, the overlay mount at BUNDLE/rootfs
 * (lowerdirs = the image's layers, topmost first), the user lookup in the
 * image's /etc/passwd and /etc/group (confined to the rootfs). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mkdir_p.h"
#include "cleanup.h"
#include "image_internal.h"
#include "json_get.h"
#include "scan.h"

static int id_ok(const char *id)
{
	size_t n = strlen(id);
	return n > 0 && n <= 128 && isalnum((unsigned char)id[0]) &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int overlay_options(const struct blobstore *bs, const struct image_config *cfg,
			   const char *cdir, char *buf, size_t cap, struct sk_err *err)
{
	size_t n = snprintf(buf, cap, "lowerdir=");
	if (cfg->n == 0)
		return sk_fail(err, 0, "image has no layers");
	for (size_t i = cfg->n; i-- > 0;) {
		char dir[700];
		struct stat st;
		snprintf(dir, sizeof dir, "%s/layers/sha256/%s", bs->root, cfg->diff_ids[i] + 7);
		if (stat(dir, &st) < 0)
			return sk_fail(err, errno, "layer %s (pull the image again)",
				       cfg->diff_ids[i]);
		n += snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", dir, i ? ":" : "");
	}
	n += snprintf(buf + n, cap > n ? cap - n : 0, ",upperdir=%s/upper,workdir=%s/work", cdir,
		      cdir);
	if (n >= cap)
		return sk_fail(err, E2BIG, "overlay options for %zu layers", cfg->n);
	if (strchr(bs->root, ',') || strchr(bs->root, ':'))
		return sk_fail(err, 0, "data directory %s: ',' and ':' cannot be used by overlay",
			       bs->root);
	return 0;
}

static int read_in_root(int rootfd, const char *path, char *buf, size_t cap)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	SK_AUTOCLOSE int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* A uid or gid between S and END: decimal digits only, below 2^32 - 1
 * ((uid_t)-1 tells setresuid "leave unchanged"). */
static int parse_id(const char *s, const char *end, unsigned *out)
{
	unsigned long long v = 0;
	if (s == end)
		return -1;
	for (const char *p = s; p < end; p++)
		if (!isdigit((unsigned char)*p) || (v = v * 10 + (*p - '0')) > 0xfffffffeULL)
			return -1;
	*out = (unsigned)v;
	return 0;
}

/* Finds `name` (field 0) in a passwd or group file; returns field `idx` of
 * its first line, which must be a valid id (never read from the next line). */
static int db_lookup(const char *text, const char *name, int idx, unsigned *out)
{
	size_t nl = strlen(name);
	for (const char *line = text; *line;) {
		const char *end = line + strcspn(line, "\n"), *f = line, *colon = NULL;
		if ((size_t)(end - line) > nl && strncmp(line, name, nl) == 0 && line[nl] == ':') {
			for (int i = 0; i < idx && f; i++) {
				colon = memchr(f, ':', end - f);
				f = colon ? colon + 1 : NULL;
			}
			colon = f ? memchr(f, ':', end - f) : NULL;
			return f ? parse_id(f, colon ? colon : end, out) : -1;
		}
		line = *end ? end + 1 : end;
	}
	return -1;
}

static int resolve_id(int rootfd, const char *file, const char *name, int field, unsigned *out,
		      struct sk_err *err)
{
	if (parse_id(name, name + strlen(name), out) == 0)
		return 0;
	SK_AUTOFREE char *buf = malloc(1 << 20);
	if (rootfd < 0 || !buf || read_in_root(rootfd, file, buf, 1 << 20) < 0 ||
	    db_lookup(buf, name, field, out) < 0)
		return sk_fail(err, 0, "user \"%.100s\": not found in the image's %s", name, file);
	return 0;
}

int bundle_resolve_user(int rootfd, const char *spec, struct bundle_user *u, struct sk_err *err)
{
	char user[256], group[256] = "";
	u->uid = u->gid = 0;
	if (!spec || !*spec)
		return 0;
	const char *p = spec;
	if (!sk_scan_until(&p, ":", user, sizeof user))
		return sk_fail(err, 0, "user \"%.100s\": expected user[:group]", spec);
	if (*p++ == ':') /* a user cut at 255 bytes ends the scan there, as sscanf's did */
		sk_scan_word(&p, group, sizeof group);
	if (resolve_id(rootfd, "/etc/passwd", user, 2, &u->uid, err) < 0)
		return -1;
	if (group[0])
		return resolve_id(rootfd, "/etc/group", group, 2, &u->gid, err);
	unsigned uid;
	if (parse_id(user, user + strlen(user), &uid) == 0)
		return 0; /* numeric uid, no group: gid 0 as Docker does */
	return resolve_id(rootfd, "/etc/passwd", user, 3, &u->gid, err);
}

struct bundle_job {
	const struct image_opts *o;
	const struct bundle_opts *b;
	struct blobstore bs;
	struct image_info info;
	struct manifest m;
	struct image_config cfg;
	char *config_json;
	size_t config_len;
	char cdir[700];
	char rootfs[1100];
	int mounted;
	int created; /* cdir is ours to remove on failure */
};

static int make_rw_layer(struct bundle_job *j, const char *id, struct sk_err *err)
{
	char path[800];
	if (mkdir(j->cdir, 0700) < 0)
		return sk_fail(err, errno, "container %s", id);
	j->created = 1;
	snprintf(path, sizeof path, "%s/upper", j->cdir);
	if (mkdir(path, 0755) < 0)
		return sk_fail(err, errno, "mkdir %s", path);
	snprintf(path, sizeof path, "%s/work", j->cdir);
	if (mkdir(path, 0700) < 0)
		return sk_fail(err, errno, "mkdir %s", path);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "digest", j->info.digest);
	cJSON_AddStringToObject(doc, "image", j->info.name);
	snprintf(path, sizeof path, "%s/image.json", j->cdir);
	int r = json_write_file(path, doc, err);
	cJSON_Delete(doc);
	return r;
}

static int mount_rootfs(struct bundle_job *j, struct sk_err *err)
{
	char opts[4096];
	if (overlay_options(&j->bs, &j->cfg, j->cdir, opts, sizeof opts, err) < 0)
		return -1;
	if (mkdir(j->rootfs, 0755) < 0 && errno != EEXIST)
		return sk_fail(err, errno, "mkdir %s", j->rootfs);
	if (mount("overlay", j->rootfs, "overlay", 0, opts) < 0)
		return sk_fail(err, errno, "mount overlay at %s", j->rootfs);
	j->mounted = 1;
	return 0;
}

static int write_config(struct bundle_job *j, const char *bundle_dir, struct sk_err *err)
{
	struct bundle_user u;
	char path[1100];
	SK_AUTOCLOSE int rootfd =
	    j->mounted ? open(j->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	cJSON *img = cJSON_ParseWithLength(j->config_json, j->config_len);
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(img, "config"), "User");
	const char *spec = j->b->user ? j->b->user : cJSON_IsString(user) ? user->valuestring : "";
	cJSON *doc = NULL;
	int r = bundle_resolve_user(rootfd, spec, &u, err);
	if (r == 0 && !(doc = bundle_config(img, j->b, &u, &j->info, err)))
		r = -1;
	snprintf(path, sizeof path, "%s/config.json", bundle_dir);
	if (r == 0)
		r = json_write_file(path, doc, err);
	cJSON_Delete(doc);
	cJSON_Delete(img);
	return r;
}

static int bundle_steps(struct bundle_job *j, const char *id, const char *bundle_dir,
			struct sk_err *err)
{
	if (make_rw_layer(j, id, err) < 0 || sk_mkdir_p(bundle_dir, 0711, err) < 0)
		return -1;
	if (!j->b->no_mount && mount_rootfs(j, err) < 0)
		return -1;
	return write_config(j, bundle_dir, err);
}

int image_bundle_create(const struct image_opts *o, const char *ref, const char *id,
			const char *bundle_dir, const struct bundle_opts *b, struct sk_err *err)
{
	static const struct bundle_opts none;
	struct bundle_job j = {.o = o, .b = b ? b : &none};
	if (!id_ok(id))
		return sk_fail(err, 0, "container id \"%.100s\": letters, digits, _ . - only", id);
	if (blobstore_open(&j.bs, image_data_dir(o), err) < 0 ||
	    store_ref_lookup(j.bs.root, ref, &j.info, err) < 0 ||
	    store_image_open(&j.bs, j.info.digest, &j.m, &j.config_json, &j.config_len, &j.cfg,
			     err) < 0)
		return sk_wrap(err, "bundle %s", id);
	snprintf(j.cdir, sizeof j.cdir, "%s/containers/%s", j.bs.root, id);
	snprintf(j.rootfs, sizeof j.rootfs, "%s/rootfs", bundle_dir);
	int r = bundle_steps(&j, id, bundle_dir, err);
	if (r < 0 && j.mounted)
		umount2(j.rootfs, MNT_DETACH);
	if (r < 0 && j.created)
		remove_tree_at(AT_FDCWD, j.cdir, NULL);
	manifest_free(&j.m);
	image_config_free(&j.cfg);
	free(j.config_json);
	return r < 0 ? sk_wrap(err, "bundle %s", id) : 0;
}

int image_bundle_remove(const struct image_opts *o, const char *id, const char *bundle_dir,
			struct sk_err *err)
{
	char path[1100];
	if (!id_ok(id))
		return sk_fail(err, 0, "container id \"%.100s\": letters, digits, _ . - only", id);
	snprintf(path, sizeof path, "%s/rootfs", bundle_dir);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return sk_fail(err, errno, "unmount %s", path);
	rmdir(path);
	snprintf(path, sizeof path, "%s/config.json", bundle_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/containers/%s", image_data_dir(o), id);
	if (remove_tree_at(AT_FDCWD, path, err) < 0)
		return sk_wrap(err, "remove container %s", id);
	return 0;
}
