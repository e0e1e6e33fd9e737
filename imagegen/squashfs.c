/* squashfs root (see squashfs.h). The staging tree holds directories,
 * files and symbolic links with their final modes; device nodes (which a
 * build without root cannot create) go to mksquashfs as pseudo-file
 * definitions, and -all-root / -all-time / -mkfs-time fix owners and
 * times, so the output depends only on the entries and the epoch. */
#define _GNU_SOURCE
#include "squashfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

#define MKSQUASHFS "mksquashfs"

extern char **environ;

static int join(char *out, size_t cap, const char *dir, const char *name, struct sk_err *err)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? sk_fail(err, ENAMETOOLONG, "%s/%s", dir, name) : 0;
}

static int stage_entry(const char *root, const struct rootfs_entry *e, FILE *pseudo,
		       struct sk_err *err)
{
	char path[PATH_MAX];

	if (join(path, sizeof path, root, e->path, err) < 0)
		return -1;
	switch (e->type) {
	case ROOTFS_DIR:
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return sk_fail(err, errno, "mkdir %s", path);
		return 0;
	case ROOTFS_FILE:
		if (e->host_path ? fs_copy_file(e->host_path, path, err) < 0
				 : fs_write_file(path, e->data, e->size, err) < 0)
			return -1;
		if (chmod(path, e->mode & 07777) < 0)
			return sk_fail(err, errno, "chmod %s", path);
		return 0;
	case ROOTFS_SYMLINK:
		if (symlink(e->data, path) < 0)
			return sk_fail(err, errno, "symlink %s", path);
		return 0;
	case ROOTFS_CHARDEV:
		fprintf(pseudo, "%s c %o 0 0 %u %u\n", e->path, e->mode & 07777, e->major,
			e->minor);
		return 0;
	}
	return sk_fail(err, 0, "%s: unknown entry type", e->path);
}

/* Directories get their modes last, so that read-only ones can be filled. */
static int stage_tree(const struct rootfs *fs, const char *root, FILE *pseudo, struct sk_err *err)
{
	char path[PATH_MAX];

	if (mkdir(root, 0700) < 0)
		return sk_fail(err, errno, "mkdir %s", root);
	for (size_t i = 0; i < fs->n; i++)
		if (stage_entry(root, &fs->entries[i], pseudo, err) < 0)
			return -1;
	/* Mount points for the disk boot (init mounts a tmpfs on /var). */
	if (join(path, sizeof path, root, "var", err) < 0)
		return -1;
	if (!rootfs_find(fs, "var") && mkdir(path, 0755) < 0)
		return sk_fail(err, errno, "mkdir %s", path);
	for (size_t i = fs->n; i-- > 0;) {
		const struct rootfs_entry *e = &fs->entries[i];
		if (join(path, sizeof path, root, e->path, err) < 0)
			return -1;
		if (e->type == ROOTFS_DIR && chmod(path, e->mode & 07777) < 0)
			return sk_fail(err, errno, "chmod %s", path);
	}
	return chmod(root, 0755) < 0 ? sk_fail(err, errno, "chmod %s", root) : 0;
}

/* mksquashfs refuses SOURCE_DATE_EPOCH together with -mkfs-time/-all-time,
 * which say the same thing explicitly. */
static char **env_without_epoch(char **out, size_t cap)
{
	size_t n = 0;

	for (char **e = environ; *e && n + 1 < cap; e++)
		if (strncmp(*e, "SOURCE_DATE_EPOCH=", 18) != 0)
			out[n++] = *e;
	out[n] = NULL;
	return out;
}

static int run_mksquashfs(const char *root, const char *pseudo, const char *out, uint32_t epoch,
			  struct sk_err *err)
{
	char when[16];
	char *env[256];
	pid_t pid;
	int status, rc;

	snprintf(when, sizeof when, "%u", epoch);
	char *argv[] = {
	    MKSQUASHFS,	     (char *)root, (char *)out,	   "-comp", "zstd",	    "-noappend",
	    "-all-root",     "-no-xattrs", "-mkfs-time",   when,    "-all-time",    when,
	    "-reproducible", "-quiet",	   "-no-progress", "-pf",   (char *)pseudo, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, MKSQUASHFS, &fa, NULL, argv, env_without_epoch(env, 256));
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return sk_fail(err, rc, "running %s (apt-get install squashfs-tools)", MKSQUASHFS);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sk_fail(err, errno, "waiting for %s", MKSQUASHFS);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_fail(err, 0, "%s failed (status %d)", MKSQUASHFS, status);
	return 0;
}

int squashfs_write(const struct rootfs *fs, const char *work_dir, const char *out, uint32_t epoch,
		   struct sk_err *err)
{
	char root[PATH_MAX], pseudo_path[PATH_MAX];
	SK_AUTOFCLOSE FILE *pseudo = NULL;
	struct sk_err ignored;
	int rc;

	if (mkdir(work_dir, 0700) < 0)
		return sk_fail(err, errno, "mkdir %s", work_dir);
	if (join(root, sizeof root, work_dir, "root", err) < 0 ||
	    join(pseudo_path, sizeof pseudo_path, work_dir, "pseudo", err) < 0)
		return -1;
	if (!(pseudo = fopen(pseudo_path, "we")))
		rc = sk_fail(err, errno, "create %s", pseudo_path);
	else
		rc = stage_tree(fs, root, pseudo, err);
	if (pseudo && fclose(pseudo) != 0 && rc == 0)
		rc = sk_fail(err, errno, "write %s", pseudo_path);
	pseudo = NULL;
	if (rc == 0)
		rc = run_mksquashfs(root, pseudo_path, out, epoch, err);
	fs_remove_tree(work_dir, &ignored);
	return rc < 0 ? sk_wrap(err, "squashfs") : 0;
}
