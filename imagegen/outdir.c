/* Atomic output directories (see outdir.h). An existing target is swapped
 * with renameat2(RENAME_EXCHANGE), so readers see the old image or the new
 * one and never a mix; filesystems without it get two renames. */
#define _GNU_SOURCE
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Refuses to replace anything that is not a Skiff image: -o with a wrong
 * directory must not delete someone's files. */
static int check_replaceable(const char *target, struct sk_err *err)
{
	char manifest[PATH_MAX + 32];
	struct stat st;

	if (lstat(target, &st) < 0)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "stat %s", target);
	if (!S_ISDIR(st.st_mode))
		return sk_fail(err, 0, "%s exists and is not a directory", target);
	snprintf(manifest, sizeof manifest, "%s/%s", target, MANIFEST_NAME);
	if (!is_empty_dir(target) && !fs_exists(manifest))
		return sk_fail(err, 0,
			       "%s exists and is not an image (no %s); refusing to replace it",
			       target, MANIFEST_NAME);
	return 0;
}

static int make_parents(char *path, struct sk_err *err)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		int rc = mkdir(path, 0755);
		int e = errno;
		*s = '/';
		if (rc < 0 && e != EEXIST)
			return sk_fail(err, e, "mkdir %.*s", (int)(s - path), path);
	}
	return 0;
}

int outdir_begin(struct outdir *o, const char *target, struct sk_err *err)
{
	char copy[PATH_MAX];
	size_t len = strlen(target);

	memset(o, 0, sizeof *o);
	while (len > 1 && target[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof o->target - 32)
		return sk_fail(err, 0, "invalid output directory \"%s\"", target);
	snprintf(o->target, sizeof o->target, "%.*s", (int)len, target);
	if (check_replaceable(o->target, err) < 0)
		return -1;
	snprintf(copy, sizeof copy, "%s", o->target);
	const char *base = basename(copy);
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return sk_fail(err, 0, "invalid output directory \"%s\"", target);
	snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp-XXXXXX", (int)(base - copy), o->target, base);
	if (make_parents(o->tmp, err) < 0) {
		o->tmp[0] = '\0';
		return -1;
	}
	if (!mkdtemp(o->tmp)) {
		int e = errno;
		o->tmp[0] = '\0';
		return sk_fail(err, e, "create a directory next to %s", o->target);
	}
	chmod(o->tmp, 0755); /* mkdtemp makes it 0700 */
	return 0;
}

static int swap_in(struct outdir *o, struct sk_err *err)
{
	char old[sizeof o->tmp];
	size_t n = strlen(o->tmp); /* outdir_begin left room for ".old" */

	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->target, RENAME_EXCHANGE) == 0)
		return 0; /* the old image is now at o->tmp */
	if (errno != EINVAL && errno != ENOSYS)
		return sk_fail(err, errno, "replace %s", o->target);
	memcpy(old, o->tmp, n);
	memcpy(old + n, ".old", 5);
	if (rename(o->target, old) < 0)
		return sk_fail(err, errno, "replace %s", o->target);
	if (rename(o->tmp, o->target) < 0) {
		int e = errno;
		rename(old, o->target);
		return sk_fail(err, e, "replace %s", o->target);
	}
	memcpy(o->tmp, old, sizeof old);
	return 0;
}

int outdir_commit(struct outdir *o, struct sk_err *err)
{
	struct stat st;

	if (lstat(o->target, &st) < 0) {
		if (rename(o->tmp, o->target) < 0)
			return sk_fail(err, errno, "rename %s to %s", o->tmp, o->target);
		o->tmp[0] = '\0';
		return 0;
	}
	if (swap_in(o, err) < 0)
		return -1;
	outdir_abort(o);
	return 0;
}

void outdir_abort(struct outdir *o)
{
	struct sk_err ignored;

	if (o->tmp[0])
		fs_remove_tree(o->tmp, &ignored);
	o->tmp[0] = '\0';
}
