/* Resolution of container paths inside the container's root (see
 * pathsafe.h), as runc and crun do it. The kernel's RESOLVE_IN_ROOT is
 * race-free; the fallback walk reads each symlink itself and resolves its
 * target against the root, so it is safe as long as nothing renames
 * directories of the rootfs while the container is being set up. Creation
 * always goes through the walk and the result is then opened again with
 * ps_open, so a mount target still comes from the kernel's resolution. */
#define _GNU_SOURCE
#include "pathsafe.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

enum { MAX_LINKS = 40, OPENAT2_RETRIES = 32 };
enum walk_mode { WALK_LOOKUP, WALK_CREATE_DIR, WALK_CREATE_FILE };

struct walk {
	int root;
	struct stat root_st;
	int cur; /* owned */
	int links;
	enum walk_mode mode;
	char todo[PATH_MAX]; /* what is left to resolve */
};

static int openat2_state = -1; /* -1 unknown, 0 absent or disabled, 1 works */

static int open_in_root(int root, const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	if (openat2_state < 0) {
		const char *off = getenv("SKIFF_RUNTIME_NO_OPENAT2");
		openat2_state = !(off && *off && strcmp(off, "0") != 0);
	}
	if (!openat2_state)
		return errno = ENOSYS, -1;
	/* EAGAIN: a rename raced with a ".." lookup; the kernel asks to retry. */
	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		long fd = syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN) {
			if (fd < 0 && errno == ENOSYS)
				openat2_state = 0;
			return (int)fd;
		}
	}
	return -1;
}

static int set_cur(struct walk *w, int fd)
{
	if (fd < 0)
		return -1;
	close(w->cur);
	w->cur = fd;
	return 0;
}

/* todo = TARGET "/" REST: a symlink's target replaces its component. */
static int follow_link(struct walk *w, int link_fd, const char *rest)
{
	char target[PATH_MAX], next[PATH_MAX];

	if (++w->links > MAX_LINKS)
		return errno = ELOOP, -1;
	ssize_t n = readlinkat(link_fd, "", target, sizeof target - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	if (target[0] == '/' && set_cur(w, fcntl(w->root, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	int len = snprintf(next, sizeof next, "%s/%s", target, rest);
	if (len < 0 || (size_t)len >= sizeof next)
		return errno = ENAMETOOLONG, -1;
	memcpy(w->todo, next, (size_t)len + 1);
	return 0;
}

static int walk_up(struct walk *w)
{
	struct stat st;

	if (fstat(w->cur, &st) < 0)
		return -1;
	if (st.st_dev == w->root_st.st_dev && st.st_ino == w->root_st.st_ino)
		return 0; /* ".." of the root is the root */
	return set_cur(w, openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
}

static int create_component(struct walk *w, const char *name, int last)
{
	if (!last || w->mode == WALK_CREATE_DIR)
		return mkdirat(w->cur, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	int fd = openat(w->cur, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

static int open_component(struct walk *w, const char *name, int last)
{
	int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || w->mode == WALK_LOOKUP)
		return fd;
	if (create_component(w, name, last) < 0)
		return -1;
	return openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* One component; returns 1 when a symlink was spliced into todo. */
static int walk_one(struct walk *w, const char *name, const char *rest, int last)
{
	struct stat st;

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0)
		return walk_up(w);
	SK_AUTOCLOSE int fd = open_component(w, name, last);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode))
		return follow_link(w, fd, rest) < 0 ? -1 : 1;
	if (!last && !S_ISDIR(st.st_mode))
		return errno = ENOTDIR, -1;
	set_cur(w, fd);
	fd = -1;
	return 0;
}

static int walk(struct walk *w)
{
	char *p = w->todo;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		char *name = p;
		p += strcspn(p, "/");
		if (*p)
			*p++ = '\0';
		int rc = walk_one(w, name, p, p[strspn(p, "/")] == '\0');
		if (rc < 0)
			return -1;
		if (rc == 1)
			p = w->todo;
	}
}

/* The fallback resolution, creating missing components unless LOOKUP. */
static int walk_in_root(int root, const char *path, enum walk_mode mode)
{
	struct walk w = {.root = root, .cur = -1, .mode = mode};

	if (strlen(path) >= sizeof w.todo)
		return errno = ENAMETOOLONG, -1;
	strcpy(w.todo, path);
	if (fstat(root, &w.root_st) < 0)
		return -1;
	w.cur = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (w.cur < 0)
		return -1;
	if (walk(&w) < 0) {
		int e = errno;
		close(w.cur);
		return errno = e, -1;
	}
	return w.cur;
}

int ps_open(int root_fd, const char *path, struct sk_err *err)
{
	int fd = open_in_root(root_fd, path);

	if (fd < 0 && errno == ENOSYS)
		fd = walk_in_root(root_fd, path, WALK_LOOKUP);
	if (fd < 0)
		return sk_fail(err, errno, "resolve %s in the container root", path);
	return fd;
}

int ps_mkpath(int root_fd, const char *path, enum ps_kind kind, struct sk_err *err)
{
	int fd = ps_open(root_fd, path, err);

	if (fd >= 0 || err->errnum != ENOENT)
		return fd;
	fd = walk_in_root(root_fd, path, kind == PS_DIR ? WALK_CREATE_DIR : WALK_CREATE_FILE);
	if (fd < 0)
		return sk_fail(err, errno, "create %s in the container root", path);
	close(fd);
	return ps_open(root_fd, path, err);
}

int ps_split(const char *path, char *dir, size_t size, const char **base, struct sk_err *err)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return sk_fail(err, EINVAL, "%s: the last component must be a name", path);
	if (n >= size)
		return sk_fail(err, ENAMETOOLONG, "%s", path);
	memcpy(dir, path, n);
	dir[n] = '\0';
	*base = name;
	return 0;
}

int ps_fd_dir(struct sk_err *err)
{
	int fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sk_fail(err, errno, "open /proc/self/fd");
	return fd;
}

/* mount(2) takes paths: the fds are named relative to FD_DIR as the
 * working directory, and the previous one is restored. */
int ps_mount(int fd_dir, const char *source, int source_fd, int target_fd, const char *type,
	     unsigned long flags, const void *data)
{
	char src[16], dst[16];
	SK_AUTOCLOSE int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	snprintf(dst, sizeof dst, "%d", target_fd);
	if (source_fd >= 0) {
		snprintf(src, sizeof src, "%d", source_fd);
		source = src;
	}
	if (cwd < 0 || fchdir(fd_dir) < 0)
		return -1;
	int rc = mount(source, dst, type, flags, data);
	int e = errno;
	if (fchdir(cwd) < 0)
		return -1;
	errno = e;
	return rc;
}
