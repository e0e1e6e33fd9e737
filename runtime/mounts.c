/* The container's root file system, built inside its mount namespace:
 * private propagation, rootfs bind, config mounts, /dev, pivot_root,
 * masked and read-only paths, read-only root. Every destination is
 * resolved inside the root (pathsafe.h) and mounted onto the resulting fd,
 * so a symlink in the image cannot move a mount, mask or device node out
 * of the container. */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "container.h"
#include "pathsafe.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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
    {"/proc/self/fd", "/dev/fd"},	{"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},
};

/* Flags a bind remount must keep because the kernel locks them. */
static unsigned long locked_flags(const struct statvfs *st)
{
	unsigned long f = 0;

	if (st->f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (st->f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (st->f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st->f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

/* The open root and /proc/self/fd of the child while it builds the root
 * file system: the child is one process that does this once. */
static int root_fd = -1;
static int fd_dir = -1;

static int mount_at(const char *source, int target, const char *type, unsigned long flags,
		    const void *data)
{
	return ps_mount(fd_dir, source, -1, target, type, flags, data);
}

/* A mount hides the fd's inode: flags and propagation go to the new
 * mount, found by resolving the destination again. */
static int remount(const char *dest, unsigned long flags, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = ps_open(root_fd, dest, err);
	struct statvfs st;

	if (fd < 0)
		return -1;
	if ((flags & MS_REMOUNT) && fstatvfs(fd, &st) == 0)
		flags |= locked_flags(&st) & ~MS_RDONLY;
	if (mount_at(NULL, fd, NULL, flags, NULL) < 0)
		return sk_fail(err, errno, "%s %s",
			       flags & MS_REMOUNT ? "remount" : "set propagation of", dest);
	return 0;
}

static int bind_mount(const struct container *c, const struct oci_mount *m, struct sk_err *err)
{
	char source[PATH_MAX];
	struct stat sb;

	if (rt_join(source, sizeof source, m->source[0] == '/' ? "" : c->bundle, m->source, err) <
	    0)
		return -1;
	if (stat(source, &sb) < 0)
		return sk_fail(err, errno, "source %s", source);
	enum ps_kind kind = S_ISDIR(sb.st_mode) ? PS_DIR : PS_FILE;
	SK_AUTOCLOSE int fd = ps_mkpath(root_fd, m->dest, kind, err);
	if (fd < 0)
		return -1;
	if (mount_at(source, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return sk_fail(err, errno, "bind %s", source);
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (!extra)
		return 0;
	return remount(m->dest, MS_BIND | MS_REMOUNT | extra, err);
}

/* A user namespace without a cgroup namespace may not mount cgroup2: the
 * container's own cgroup (or the hierarchy when it has none) is bound
 * read-only instead, as runc and crun do. */
static int bind_cgroup(const struct container *c, int fd, const struct oci_mount *m,
		       struct sk_err *err)
{
	const char *source = c->cgroup[0]     ? c->cgroup
			     : cgroup2_root() ? cgroup2_root()
					      : CGROUP_ROOT;

	if (mount_at(source, fd, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "bind %s", source);
	return remount(m->dest,
		       MS_BIND | MS_REMOUNT | MS_RDONLY |
			   (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)),
		       err);
}

static int fs_mount(const struct container *c, const struct oci_mount *m, struct sk_err *err)
{
	const char *type = m->type;
	int cgroup = strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0;

	if (cgroup)
		type = "cgroup2"; /* cgroup v2 only */
	SK_AUTOCLOSE int fd = ps_mkpath(root_fd, m->dest, PS_DIR, err);
	if (fd < 0)
		return -1;
	const char *source = m->source && *m->source ? m->source : type;
	if (mount_at(source, fd, type, m->flags & ~MS_REMOUNT, m->data) == 0)
		return 0;
	if (cgroup && (errno == EPERM || errno == EBUSY) && oci_spec_ns(&c->spec, CLONE_NEWUSER) &&
	    !oci_spec_ns(&c->spec, CLONE_NEWCGROUP))
		return bind_cgroup(c, fd, m, err);
	return sk_fail(err, errno, "mount %s", type);
}

static int mount_one(const struct container *c, const struct oci_mount *m, struct sk_err *err)
{
	int rc = (m->flags & MS_BIND) ? bind_mount(c, m, err) : fs_mount(c, m, err);

	if (rc == 0 && m->propagation)
		rc = remount(m->dest, m->propagation, err);
	return rc < 0 ? sk_wrap(err, "mount %s", m->dest) : 0;
}

/* mknod is not allowed in a user namespace: bind the host's node. */
static int bind_device(const struct oci_device *d, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = ps_mkpath(root_fd, d->path, PS_FILE, err);

	if (fd < 0)
		return -1;
	if (mount_at(d->path, fd, NULL, MS_BIND, NULL) < 0)
		return sk_fail(err, errno, "bind device %s", d->path);
	return 0;
}

/* The node is made by name in its resolved parent, never through a link. */
static int make_device(const struct oci_device *d, int in_userns, struct sk_err *err)
{
	char dir[PATH_MAX];
	const char *name;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

	if (in_userns)
		return bind_device(d, err);
	if (ps_split(d->path, dir, sizeof dir, &name, err) < 0)
		return -1;
	SK_AUTOCLOSE int parent = ps_mkpath(root_fd, dir, PS_DIR, err);
	if (parent < 0)
		return -1;
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", d->path);
	if (mknodat(parent, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
		return sk_fail(err, errno, "mknod %s", d->path);
	if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sk_fail(err, errno, "chown %s", d->path);
	return 0;
}

static int dev_link(const char *target, const char *path, struct sk_err *err)
{
	char dir[PATH_MAX];
	const char *name;

	if (ps_split(path, dir, sizeof dir, &name, err) < 0)
		return -1;
	SK_AUTOCLOSE int parent = ps_mkpath(root_fd, dir, PS_DIR, err);
	if (parent < 0)
		return -1;
	if (symlinkat(target, parent, name) < 0 && errno != EEXIST)
		return sk_fail(err, errno, "symlink %s", path);
	return 0;
}

static int setup_dev(const struct container *c, int in_userns, struct sk_err *err)
{
	size_t n = sizeof default_devices / sizeof default_devices[0];

	for (size_t i = 0; i < n; i++)
		if (make_device(&default_devices[i], in_userns, err) < 0)
			return -1;
	for (int i = 0; i < c->spec.ndevices; i++)
		if (make_device(&c->spec.devices[i], in_userns, err) < 0)
			return sk_wrap(err, "linux.devices[%d]", i);
	for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
		if (dev_link(dev_links[i][0], dev_links[i][1], err) < 0)
			return -1;
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

/* A path missing from the container is skipped, as runc does; one that
 * resolves through a magic link or the like fails the container. */
static int open_existing(const char *path, int *fd, struct sk_err *err)
{
	*fd = ps_open(root_fd, path, err);
	if (*fd >= 0)
		return 1;
	return err->errnum == ENOENT ? 0 : -1;
}

static int mask_path(const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = -1;
	struct stat sb;
	int rc = open_existing(path, &fd, err);

	if (rc <= 0)
		return rc;
	if (fstat(fd, &sb) < 0)
		return sk_fail(err, errno, "stat %s", path);
	rc = S_ISDIR(sb.st_mode) ? mount_at("tmpfs", fd, "tmpfs", MS_RDONLY, "size=0k")
				 : mount_at("/dev/null", fd, NULL, MS_BIND, NULL);
	if (rc < 0)
		return sk_fail(err, errno, "mask %s", path);
	return 0;
}

static int readonly_path(const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = -1;
	int rc = open_existing(path, &fd, err);

	if (rc <= 0)
		return rc;
	if (ps_mount(fd_dir, NULL, fd, fd, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "bind %s", path);
	return remount(path, MS_BIND | MS_REMOUNT | MS_REC | MS_RDONLY, err);
}

static int protect_paths(const struct oci_spec *s, struct sk_err *err)
{
	for (int i = 0; s->masked && s->masked[i]; i++)
		if (mask_path(s->masked[i], err) < 0)
			return sk_wrap(err, "linux.maskedPaths[%d]", i);
	for (int i = 0; s->readonly && s->readonly[i]; i++)
		if (readonly_path(s->readonly[i], err) < 0)
			return sk_wrap(err, "linux.readonlyPaths[%d]", i);
	return 0;
}

static void close_fds(void)
{
	if (root_fd >= 0)
		close(root_fd);
	if (fd_dir >= 0)
		close(fd_dir);
	root_fd = fd_dir = -1;
}

/* A missing process.cwd is made (0755, inside the root), as runc and
 * crun do. */
static int make_cwd(const char *cwd, struct sk_err *err)
{
	if (strcmp(cwd, "/") == 0)
		return 0;
	int fd = ps_mkpath(root_fd, cwd, PS_DIR, err);
	if (fd < 0)
		return sk_wrap(err, "process.cwd");
	close(fd);
	return 0;
}

/* Mounts, devices and links are made through ps_* relative to the bound
 * rootfs, so a symlink in the image cannot send them to the host. */
int rootfs_setup(const struct container *c, int in_userns, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;
	unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation : MS_PRIVATE | MS_REC;

	if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "make / private");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sk_fail(err, errno, "bind the rootfs %s", c->rootfs);
	close_fds();
	if ((fd_dir = ps_fd_dir(err)) < 0)
		return -1;
	root_fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return sk_fail(err, errno, "open the rootfs %s", c->rootfs);
	for (int i = 0; i < s->nmounts; i++)
		if (mount_one(c, &s->mounts[i], err) < 0)
			return sk_wrap(err, "mounts[%d]", i);
	if (setup_dev(c, in_userns, err) < 0 || make_cwd(s->process.cwd, err) < 0 ||
	    pivot(c->rootfs, err) < 0)
		return -1;
	close(root_fd);
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return sk_fail(err, errno, "open the new root");
	return 0;
}

int rootfs_finish(const struct container *c, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;
	struct statvfs st;

	if (protect_paths(s, err) < 0)
		return -1;
	close_fds();
	if (!s->root_readonly)
		return 0;
	unsigned long f = statvfs("/", &st) == 0 ? locked_flags(&st) : 0;
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | f, NULL) < 0)
		return sk_fail(err, errno, "root.readonly: remount / read-only");
	return 0;
}
