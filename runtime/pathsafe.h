/* Paths inside a container's root resolved without leaving it: a symlink
 * in an image (absolute, a ../../ chain, or a /proc magic link) must not
 * point a mount, a mask or a device node at the host. */
#ifndef RT_PATHSAFE_H
#define RT_PATHSAFE_H

#include "err.h"

#include <stddef.h>

enum ps_kind {
	PS_DIR,	 /* missing last component: a directory */
	PS_FILE, /* missing last component: an empty file */
};

/* An O_PATH fd for PATH resolved as if ROOT_FD were "/": ".." stops at the
 * root, absolute symlinks restart at it, a trailing symlink is followed.
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) where the kernel has it
 * (5.6+), else a component-by-component O_NOFOLLOW walk; the environment
 * variable SKIFF_RUNTIME_NO_OPENAT2=1 forces the walk (for tests). Fails
 * with err->errnum ENOENT when something on the path is missing. */
int ps_open(int root_fd, const char *path, struct sk_err *err);

/* ps_open, creating what is missing the same way (0755 directories, the
 * last component as KIND), including the targets of dangling symlinks. */
int ps_mkpath(int root_fd, const char *path, enum ps_kind kind, struct sk_err *err);

/* Splits PATH into the directory part (into DIR) and its last component,
 * which must be a plain name. */
int ps_split(const char *path, char *dir, size_t size, const char **base, struct sk_err *err);

/* An fd of the /proc/self/fd directory, opened while /proc is the
 * runtime's, so that ps_mount works after pivot_root whether or not the
 * container mounts /proc. */
int ps_fd_dir(struct sk_err *err);

/* mount(2) onto TARGET_FD (and from SOURCE_FD unless it is -1, else from
 * SOURCE) through the fd's magic link in FD_DIR. Returns -1 with errno. */
int ps_mount(int fd_dir, const char *source, int source_fd, int target_fd, const char *type,
	     unsigned long flags, const void *data);

#endif
