/* The container's root file system, built inside its mount namespace:
 * private propagation, rootfs bind, config mounts, /dev, pivot_root,
 * masked and read-only paths, read-only root. Destinations are joined to
 * the rootfs and may not contain ".."; symlinks inside the rootfs are
 * followed (no openat2 RESOLVE_IN_ROOT yet). */
#define _GNU_SOURCE
#include "container.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct oci_device default_devices[] = {
	{"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
	{"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
	{"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static const char *const dev_links[][2] = {
	{"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
	{"pts/ptmx", "/dev/ptmx"},
};

/* Flags a bind remount must keep because the kernel locks them. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs st;
	unsigned long f = 0;

	if (statvfs(path, &st) < 0)
		return 0;
	if (st.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (st.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

static int make_target(const char *target, int is_dir, struct sk_err *err)
{
	char parent[PATH_MAX];

	if (is_dir)
		return rt_mkdir_p(target, 0755, err);
	snprintf(parent, sizeof parent, "%s", target);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (rt_mkdir_p(parent, 0755, err) < 0)
			return -1;
	}
	int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EISDIR)
		return sk_fail(err, errno, "create %s", target);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int bind_mount(const struct container *c, const struct oci_mount *m, const char *target,
		      struct sk_err *err)
{
	char source[PATH_MAX];
	struct stat sb;

	if (rt_join(source, sizeof source, m->source[0] == '/' ? "" : c->bundle, m->source, err) <
	    0)
		return -1;
	if (stat(source, &sb) < 0)
		return sk_fail(err, errno, "source %s", source);
	if (make_target(target, S_ISDIR(sb.st_mode), err) < 0)
		return -1;
	if (mount(source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return sk_fail(err, errno, "bind %s", source);
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (!extra)
		return 0;
	unsigned long f = (locked_flags(target) & ~MS_RDONLY) | extra;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0)
		return sk_fail(err, errno, "remount %s", target);
	return 0;
}

static int fs_mount(const struct oci_mount *m, const char *target, struct sk_err *err)
{
	const char *type = m->type;

	if (strcmp(type, "cgroup") == 0)
		type = "cgroup2"; /* cgroup v2 only */
	if (make_target(target, 1, err) < 0)
		return -1;
	const char *source = m->source && *m->source ? m->source : type;
	if (mount(source, target, type, m->flags & ~MS_REMOUNT, m->data) < 0)
		return sk_fail(err, errno, "mount %s", type);
	return 0;
}

static int mount_one(const struct container *c, const struct oci_mount *m, struct sk_err *err)
{
	char target[PATH_MAX];

	if (rt_join(target, sizeof target, c->rootfs, m->dest, err) < 0)
		return -1;
	int rc = (m->flags & MS_BIND) ? bind_mount(c, m, target, err) : fs_mount(m, target, err);
	if (rc == 0 && m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		rc = sk_fail(err, errno, "set propagation");
	return rc < 0 ? sk_wrap(err, "mount %s", m->dest) : 0;
}

static int make_device(const char *rootfs, const struct oci_device *d, int in_userns,
		       struct sk_err *err)
{
	char target[PATH_MAX];
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

	if (rt_join(target, sizeof target, rootfs, d->path, err) < 0)
		return -1;
	if (in_userns) {
		/* mknod is not allowed in a user namespace: bind the host's node. */
		if (make_target(target, 0, err) < 0)
			return -1;
		if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
			return sk_fail(err, errno, "bind device %s", d->path);
		return 0;
	}
	if (make_target(target, 0, err) < 0)
		return -1;
	unlink(target);
	if (mknod(target, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
		return sk_fail(err, errno, "mknod %s", d->path);
	if (chown(target, d->uid, d->gid) < 0)
		return sk_fail(err, errno, "chown %s", d->path);
	return 0;
}

static int setup_dev(const struct container *c, int in_userns, struct sk_err *err)
{
	char target[PATH_MAX];
	size_t n = sizeof default_devices / sizeof default_devices[0];

	for (size_t i = 0; i < n; i++)
		if (make_device(c->rootfs, &default_devices[i], in_userns, err) < 0)
			return -1;
	for (int i = 0; i < c->spec.ndevices; i++)
		if (make_device(c->rootfs, &c->spec.devices[i], in_userns, err) < 0)
			return sk_wrap(err, "linux.devices[%d]", i);
	for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++) {
		if (rt_join(target, sizeof target, c->rootfs, dev_links[i][1], err) < 0)
			return -1;
		if (symlink(dev_links[i][0], target) < 0 && errno != EEXIST)
			return sk_fail(err, errno, "symlink %s", dev_links[i][1]);
	}
	return 0;
}

/* When / is the initramfs (rootfs), pivot_root is refused: move the new
 * root over / and chroot into it, as runc --no-pivot does. */
static int move_root(const char *rootfs, struct sk_err *err)
{
	if (chdir(rootfs) < 0 || mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return sk_fail(err, errno, "move the root to %s", rootfs);
	return 0;
}

static int pivot(const char *rootfs, struct sk_err *err)
{
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int new = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int rc = -1;

	if (old < 0 || new < 0)
		sk_fail(err, errno, "open %s", rootfs);
	else if (fchdir(new) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		rc = errno == EINVAL ? move_root(rootfs, err)
				     : sk_fail(err, errno, "pivot_root %s", rootfs);
	/* The old root is now stacked under the new one: detach it without
	 * propagating the unmount to the host. */
	else if (fchdir(old) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
		 umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		sk_fail(err, errno, "detach the old root");
	else
		rc = 0;
	if (old >= 0)
		close(old);
	if (new >= 0)
		close(new);
	return rc;
}

static int mask_paths(char **paths, struct sk_err *err)
{
	struct stat sb;

	for (int i = 0; paths && paths[i]; i++) {
		if (stat(paths[i], &sb) < 0)
			continue;
		int rc = S_ISDIR(sb.st_mode)
				 ? mount("tmpfs", paths[i], "tmpfs", MS_RDONLY, "size=0k")
				 : mount("/dev/null", paths[i], NULL, MS_BIND, NULL);
		if (rc < 0)
			return sk_fail(err, errno, "linux.maskedPaths[%d]: mask %s", i, paths[i]);
	}
	return 0;
}

static int readonly_path(const char *path, unsigned long rec, struct sk_err *err)
{
	if (mount(path, path, NULL, MS_BIND | rec, NULL) < 0)
		return sk_fail(err, errno, "bind %s", path);
	unsigned long f = locked_flags(path) | MS_RDONLY;
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | rec | f, NULL) < 0)
		return sk_fail(err, errno, "remount %s read-only", path);
	return 0;
}

static int readonly_paths(char **paths, struct sk_err *err)
{
	for (int i = 0; paths && paths[i]; i++) {
		if (access(paths[i], F_OK) < 0)
			continue;
		if (readonly_path(paths[i], MS_REC, err) < 0)
			return sk_wrap(err, "linux.readonlyPaths[%d]", i);
	}
	return 0;
}

int rootfs_setup(const struct container *c, int in_userns, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;
	unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation : MS_PRIVATE | MS_REC;

	if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "make / private");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "bind the rootfs %s", c->rootfs);
	for (int i = 0; i < s->nmounts; i++)
		if (mount_one(c, &s->mounts[i], err) < 0)
			return sk_wrap(err, "mounts[%d]", i);
	if (setup_dev(c, in_userns, err) < 0 || pivot(c->rootfs, err) < 0)
		return -1;
	return 0;
}

int rootfs_finish(const struct container *c, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;

	if (mask_paths(s->masked, err) < 0 || readonly_paths(s->readonly, err) < 0)
		return -1;
	if (s->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
		return sk_fail(err, errno, "root.readonly: remount / read-only");
	return 0;
}
