/* Garbage collection: blobs and unpacked layers that no image ref and no
 * container (DATA/containers/<id>/image.json) references are removed, as
 * are leftovers in DATA/tmp that no live process holds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "image_internal.h"

struct keep {
	char (*hex)[65];
	size_t n, cap;
};

static int keep_add(struct keep *k, const char *digest)
{
	if (strncmp(digest, "sha256:", 7) != 0)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		void *p = realloc(k->hex, cap * sizeof *k->hex);
		if (!p)
			return -1;
		k->hex = p;
		k->cap = cap;
	}
	snprintf(k->hex[k->n++], 65, "%s", digest + 7);
	return 0;
}

static int keep_has(const struct keep *k, const char *hex)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->hex[i], hex) == 0)
			return 1;
	return 0;
}

/* Marks an image; an image whose blobs cannot be read keeps only what it names. */
static int keep_image(const struct blobstore *bs, const char *digest, struct keep *blobs,
		      struct keep *layers)
{
	struct manifest m;
	struct image_config cfg;
	int r = keep_add(blobs, digest);
	if (store_image_open(bs, digest, &m, NULL, NULL, &cfg, NULL) < 0)
		return r;
	r |= keep_add(blobs, m.config.digest);
	for (size_t i = 0; i < m.n; i++)
		r |= keep_add(blobs, m.entries[i].digest);
	for (size_t i = 0; i < cfg.n; i++)
		r |= keep_add(layers, cfg.diff_ids[i]);
	manifest_free(&m);
	image_config_free(&cfg);
	return r;
}

static int keep_containers(const struct blobstore *bs, struct keep *blobs, struct keep *layers)
{
	char dir[700], path[1400];
	snprintf(dir, sizeof dir, "%s/containers", bs->root);
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;
	while (d && (de = readdir(d))) {
		struct image_info info;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/image.json", dir, de->d_name);
		FILE *f = fopen(path, "re");
		char buf[200] = "";
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strstr(buf, "sha256:");
		if (p) {
			size_t n = strspn(p, "sha256:0123456789abcdef");
			snprintf(info.digest, sizeof info.digest, "%.*s", (int)n, p);
			r |= keep_image(bs, info.digest, blobs, layers);
		}
	}
	if (d)
		closedir(d);
	return r;
}

static uint64_t tree_size(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int sweep(const char *dir, const struct keep *k, int tree, unsigned *count, uint64_t *bytes,
		 struct sk_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "open %s", dir);
	struct dirent *de;
	char path[1400];
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || keep_has(k, de->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		*bytes += tree ? 0 : tree_size(path);
		r = remove_tree_at(AT_FDCWD, path, err);
		(*count)++;
	}
	closedir(d);
	return r;
}

static int tmp_in_use(const char *dir, const char *name)
{
	char path[1400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	const char *dash = strrchr(name, '-');
	if (strncmp(name, "layer-", 6) == 0 && dash)
		return kill(atoi(dash + 1), 0) == 0 || errno == EPERM;
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0;
}

static int sweep_tmp(const struct blobstore *bs, struct image_gc_stats *st, struct sk_err *err)
{
	char dir[700], path[1400];
	snprintf(dir, sizeof dir, "%s/tmp", bs->root);
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;
	while (d && r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || tmp_in_use(dir, de->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		r = remove_tree_at(AT_FDCWD, path, err);
		st->tmp_removed++;
	}
	if (d)
		closedir(d);
	return r;
}

int image_gc(const struct image_opts *o, struct image_gc_stats *st, struct sk_err *err)
{
	struct blobstore bs;
	struct keep blobs = {0}, layers = {0};
	struct image_info *imgs;
	size_t n;
	char dir[700];
	memset(st, 0, sizeof *st);
	if (blobstore_open(&bs, image_data_dir(o), err) < 0 || image_list(o, &imgs, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n; i++)
		r |= keep_image(&bs, imgs[i].digest, &blobs, &layers);
	free(imgs);
	r |= keep_containers(&bs, &blobs, &layers);
	if (r)
		r = sk_fail(err, ENOMEM, "gc");
	snprintf(dir, sizeof dir, "%s/blobs/sha256", bs.root);
	if (r == 0)
		r = sweep(dir, &blobs, 0, &st->blobs_removed, &st->bytes_freed, err);
	snprintf(dir, sizeof dir, "%s/layers/sha256", bs.root);
	if (r == 0)
		r = sweep(dir, &layers, 1, &st->layers_removed, &st->bytes_freed, err);
	if (r == 0)
		r = sweep_tmp(&bs, st, err);
	free(blobs.hex);
	free(layers.hex);
	return r;
}
