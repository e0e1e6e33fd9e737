/* The root filesystem as a list of entries (see rootfs.h). Images hold a
 * few hundred entries, so lookups are linear. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

static const char *const type_names[] = {
    [ROOTFS_DIR] = "directory",
    [ROOTFS_FILE] = "file",
    [ROOTFS_SYMLINK] = "symbolic link",
    [ROOTFS_CHARDEV] = "device",
};

static void clear_entry(struct rootfs_entry *e)
{
	free(e->path);
	free(e->host_path);
	free(e->data);
	free(e->origin);
	memset(e, 0, sizeof *e);
}

static struct rootfs_entry *find(const struct rootfs *fs, const char *path)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->entries[i].path, path) == 0)
			return &fs->entries[i];
	return NULL;
}

const struct rootfs_entry *rootfs_find(const struct rootfs *fs, const char *path)
{
	while (*path == '/')
		path++;
	return find(fs, path);
}

static struct rootfs_entry *new_slot(struct rootfs *fs, struct sk_err *err)
{
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 256;
		struct rootfs_entry *e = realloc(fs->entries, cap * sizeof *e);
		if (!e) {
			sk_fail(err, ENOMEM, "root filesystem");
			return NULL;
		}
		fs->entries = e;
		fs->cap = cap;
	}
	memset(&fs->entries[fs->n], 0, sizeof fs->entries[0]);
	return &fs->entries[fs->n++];
}

/* Returns the slot to fill for PATH, or NULL with *ERR set, or NULL with
 * *MERGED set when PATH is an existing directory. */
static struct rootfs_entry *add_entry(struct rootfs *fs, const char *path, enum rootfs_type type,
				      const char *origin, int *merged, struct sk_err *err)
{
	struct rootfs_entry *e;

	*merged = 0;
	while (*path == '/')
		path++;
	if (!*path || strlen(path) >= PATH_MAX) {
		sk_fail(err, 0, "%s: invalid image path \"/%s\"", origin, path);
		return NULL;
	}
	if ((e = find(fs, path))) {
		if (e->type == ROOTFS_DIR && type == ROOTFS_DIR) {
			*merged = 1;
			return NULL;
		}
		if (!e->weak) {
			sk_fail(err, 0, "%s: /%s is already provided by %s (a %s)", origin, path,
				e->origin, type_names[e->type]);
			return NULL;
		}
		clear_entry(e);
	} else if (!(e = new_slot(fs, err))) {
		return NULL;
	}
	e->type = type;
	e->path = strdup(path);
	e->origin = strdup(origin);
	if (!e->path || !e->origin) {
		sk_fail(err, ENOMEM, "/%s", path);
		return NULL;
	}
	return e;
}

int rootfs_add_dir(struct rootfs *fs, const char *path, unsigned mode, const char *origin,
		   struct sk_err *err)
{
	int merged;
	struct rootfs_entry *e = add_entry(fs, path, ROOTFS_DIR, origin, &merged, err);

	if (merged)
		return 0;
	if (!e)
		return -1;
	e->mode = mode;
	return 0;
}

int rootfs_add_host_file(struct rootfs *fs, const char *path, unsigned mode, const char *host_path,
			 const char *origin, struct sk_err *err)
{
	int merged;
	struct rootfs_entry *e = add_entry(fs, path, ROOTFS_FILE, origin, &merged, err);

	if (!e)
		return -1;
	e->mode = mode;
	if (!(e->host_path = strdup(host_path)))
		return sk_fail(err, ENOMEM, "%s", host_path);
	return 0;
}

int rootfs_add_data(struct rootfs *fs, const char *path, unsigned mode, const void *data,
		    size_t size, const char *origin, struct sk_err *err)
{
	int merged;
	struct rootfs_entry *e = add_entry(fs, path, ROOTFS_FILE, origin, &merged, err);

	if (!e)
		return -1;
	e->mode = mode;
	e->size = size;
	if (!(e->data = malloc(size + 1)))
		return sk_fail(err, ENOMEM, "%s", path);
	memcpy(e->data, data, size);
	e->data[size] = '\0';
	return 0;
}

int rootfs_add_symlink(struct rootfs *fs, const char *path, const char *target, const char *origin,
		       struct sk_err *err)
{
	int merged;
	struct rootfs_entry *e = add_entry(fs, path, ROOTFS_SYMLINK, origin, &merged, err);

	if (!e)
		return -1;
	e->mode = 0777;
	e->size = strlen(target);
	if (!(e->data = strdup(target)))
		return sk_fail(err, ENOMEM, "%s", path);
	return 0;
}

int rootfs_add_chardev(struct rootfs *fs, const char *path, unsigned mode, unsigned major,
		       unsigned minor, const char *origin, struct sk_err *err)
{
	int merged;
	struct rootfs_entry *e = add_entry(fs, path, ROOTFS_CHARDEV, origin, &merged, err);

	if (!e)
		return -1;
	e->mode = mode;
	e->major = major;
	e->minor = minor;
	return 0;
}

static int add_tree_entry(struct rootfs *fs, const char *host, const char *image,
			  const char *origin, struct sk_err *err);

static int add_tree_dir(struct rootfs *fs, const char *host, const char *image, const char *origin,
			struct sk_err *err)
{
	DIR *d = opendir(host);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return sk_fail(err, errno, "%s: open %s", origin, host);
	while (rc == 0 && (de = readdir(d))) {
		char h[PATH_MAX], i[PATH_MAX];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".gitkeep") == 0)
			continue;
		if ((size_t)snprintf(h, sizeof h, "%s/%s", host, de->d_name) >= sizeof h ||
		    (size_t)snprintf(i, sizeof i, "%s/%s", image, de->d_name) >= sizeof i)
			rc = sk_fail(err, ENAMETOOLONG, "%s: %s/%s", origin, host, de->d_name);
		else
			rc = add_tree_entry(fs, h, i, origin, err);
	}
	closedir(d);
	return rc;
}

static int add_tree_entry(struct rootfs *fs, const char *host, const char *image,
			  const char *origin, struct sk_err *err)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int rc;

	if (lstat(host, &st) < 0)
		return sk_fail(err, errno, "%s: stat %s", origin, host);
	if (S_ISDIR(st.st_mode)) {
		if (rootfs_add_dir(fs, image, 0755, origin, err) < 0)
			return -1;
		return add_tree_dir(fs, host, image, origin, err);
	}
	if (S_ISREG(st.st_mode))
		rc = rootfs_add_host_file(fs, image, st.st_mode & 0111 ? 0755 : 0644, host, origin,
					  err);
	else if (S_ISLNK(st.st_mode) && (n = readlink(host, target, sizeof target - 1)) >= 0) {
		target[n] = '\0';
		rc = rootfs_add_symlink(fs, image, target, origin, err);
	} else
		return sk_fail(err, 0, "%s: %s: not a directory, file or symbolic link", origin,
			       host);
	if (rc == 0)
		find(fs, image + 1)->weak = 1;
	return rc;
}

int rootfs_add_tree(struct rootfs *fs, const char *dir, const char *origin, struct sk_err *err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return sk_fail(err, errno, "%s: %s", origin, dir);
	if (!S_ISDIR(st.st_mode))
		return sk_fail(err, ENOTDIR, "%s: %s", origin, dir);
	return add_tree_dir(fs, dir, "", origin, err);
}

static int add_parents(struct rootfs *fs, size_t i, struct sk_err *err)
{
	char path[PATH_MAX];
	char *slash;

	snprintf(path, sizeof path, "%s", fs->entries[i].path);
	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		const struct rootfs_entry *p = find(fs, path);
		if (p && p->type != ROOTFS_DIR)
			return sk_fail(err, 0, "%s: /%s is inside /%s, a %s from %s",
				       fs->entries[i].origin, fs->entries[i].path, path,
				       type_names[p->type], p->origin);
		if (!p && rootfs_add_dir(fs, path, 0755, "skiff-imagegen", err) < 0)
			return -1;
		*slash = '/';
	}
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct rootfs_entry *)a)->path,
		      ((const struct rootfs_entry *)b)->path);
}

int rootfs_finish(struct rootfs *fs, struct sk_err *err)
{
	for (size_t i = 0; i < fs->n; i++)
		if (add_parents(fs, i, err) < 0)
			return -1;
	qsort(fs->entries, fs->n, sizeof *fs->entries, compare_entries);
	return 0;
}

void rootfs_free(struct rootfs *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		clear_entry(&fs->entries[i]);
	free(fs->entries);
	memset(fs, 0, sizeof *fs);
}
