/* The root filesystem of an image as a list of entries (directories,
 * files from the host or from memory, symbolic links, device nodes), each
 * remembering what put it there so that a conflict can be explained. */
#ifndef SK_IMAGEGEN_ROOTFS_H
#define SK_IMAGEGEN_ROOTFS_H

#include <stddef.h>

#include "err.h"

enum rootfs_type { ROOTFS_DIR, ROOTFS_FILE, ROOTFS_SYMLINK, ROOTFS_CHARDEV };

struct rootfs_entry {
	char *path; /* relative to /, e.g. "sbin/init" */
	enum rootfs_type type;
	unsigned mode;	 /* permission bits */
	char *host_path; /* FILE: copied from here, or else */
	char *data;	 /* FILE: these bytes; SYMLINK: the target */
	size_t size;
	unsigned major, minor; /* CHARDEV */
	char *origin;	       /* "skiff-imagegen", "rootfs skeleton", "spec.yaml:9: files[0]" */
	int weak;	       /* may be replaced by a later entry (skeleton files) */
};

struct rootfs {
	struct rootfs_entry *entries;
	size_t n, cap;
};

/* PATH may start with '/'. Adding a path twice fails naming both origins,
 * except that directories merge and weak entries are replaced. */
int rootfs_add_dir(struct rootfs *fs, const char *path, unsigned mode, const char *origin,
		   struct sk_err *err);
int rootfs_add_host_file(struct rootfs *fs, const char *path, unsigned mode, const char *host_path,
			 const char *origin, struct sk_err *err);
int rootfs_add_data(struct rootfs *fs, const char *path, unsigned mode, const void *data,
		    size_t size, const char *origin, struct sk_err *err);
int rootfs_add_symlink(struct rootfs *fs, const char *path, const char *target, const char *origin,
		       struct sk_err *err);
int rootfs_add_chardev(struct rootfs *fs, const char *path, unsigned mode, unsigned major,
		       unsigned minor, const char *origin, struct sk_err *err);
/* Adds everything below host directory DIR as weak entries; file modes
 * become 0755 or 0644 (as git stores them) so the host's umask does not
 * leak into the image. */
int rootfs_add_tree(struct rootfs *fs, const char *dir, const char *origin, struct sk_err *err);

const struct rootfs_entry *rootfs_find(const struct rootfs *fs, const char *path);
/* Adds missing parent directories (0755) and sorts entries by path, so
 * that every directory precedes its contents. */
int rootfs_finish(struct rootfs *fs, struct sk_err *err);
void rootfs_free(struct rootfs *fs);

#endif
