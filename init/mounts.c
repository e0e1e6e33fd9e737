/* Early mounts and cgroup2 delegation (see mounts.h). */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

struct mount_point {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

#define NOSUID_NODEV (MS_NOSUID | MS_NODEV)

/* Order matters: parents before children. */
static const struct mount_point mount_table[] = {
    {"proc", "/proc", "proc", NOSUID_NODEV | MS_NOEXEC, NULL},
    {"sysfs", "/sys", "sysfs", NOSUID_NODEV | MS_NOEXEC, NULL},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666"},
    {"shm", "/dev/shm", "tmpfs", NOSUID_NODEV, "mode=1777"},
    {"run", "/run", "tmpfs", NOSUID_NODEV, "mode=0755"},
    {"tmp", "/tmp", "tmpfs", NOSUID_NODEV, "mode=1777"},
    {"cgroup2", CGROUP_ROOT, "cgroup2", NOSUID_NODEV | MS_NOEXEC, "nsdelegate"},
};
#define N_MOUNTS (sizeof mount_table / sizeof *mount_table)

static const char *const controllers[] = {"cpu", "memory", "pids", "io"};

/* After a disk boot's switch of root the moved mounts are already there;
 * mounting a second tmpfs or devpts over them would hide them. */
static int is_mountpoint(const char *path)
{
	struct stat st, parent;
	char up[128];

	snprintf(up, sizeof up, "%s/..", path);
	return stat(path, &st) == 0 && stat(up, &parent) == 0 && st.st_dev != parent.st_dev;
}

static int mount_one(const struct mount_point *m, struct sk_err *err)
{
	if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
		return sk_fail(err, errno, "mkdir %s", m->target);
	if (is_mountpoint(m->target))
		return 0;
	if (mount(m->source, m->target, m->type, m->flags, m->data) == 0)
		return 1;
	/* Already mounted (e.g. devtmpfs by the kernel): fine. */
	if (errno == EBUSY)
		return 0;
	return sk_fail(err, errno, "mount %s on %s", m->type, m->target);
}

static int write_file(const char *path, const char *text)
{
	SK_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		return -1;
	return 0;
}

/* Enables each controller on its own: one unknown name would make the
 * kernel reject a combined write. Appends the enabled names to LIST. */
static void enable_controllers(const char *dir, char *list, size_t cap)
{
	char path[128], op[16];

	snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
	for (size_t i = 0; i < sizeof controllers / sizeof *controllers; i++) {
		snprintf(op, sizeof op, "+%s", controllers[i]);
		if (write_file(path, op) < 0) {
			if (list)
				logwarn("cgroup2 controller %s unavailable: %s", controllers[i],
					strerror(errno));
			continue;
		}
		if (list)
			snprintf(list + strlen(list), cap - strlen(list), "%s%s", *list ? " " : "",
				 controllers[i]);
	}
}

static void setup_cgroups(void)
{
	char list[64] = "";

	enable_controllers(CGROUP_ROOT, list, sizeof list);
	logmsg("mounted cgroup2 (%s)", list);
	/* Services live below /services so that the root cgroup keeps only
	 * init; controllers must be enabled at every level on the way down. */
	if (mkdir(CGROUP_SERVICES, 0755) < 0 && errno != EEXIST) {
		logwarn("mkdir %s: %s", CGROUP_SERVICES, strerror(errno));
		return;
	}
	enable_controllers(CGROUP_SERVICES, NULL, 0);
}

int mounts_setup(struct sk_err *err)
{
	for (size_t i = 0; i < N_MOUNTS; i++) {
		const struct mount_point *m = &mount_table[i];
		int r = mount_one(m, err);
		if (r < 0)
			return -1;
		if (strcmp(m->type, "cgroup2") == 0)
			setup_cgroups();
		else
			logmsg("mounted %s%s", m->target, r ? "" : " (already mounted)");
	}
	return 0;
}

void mounts_teardown(void)
{
	for (size_t i = N_MOUNTS; i-- > 0;) {
		/* Busy mounts (/dev holds the console) stay; the kernel copes. */
		if (umount2(mount_table[i].target, 0) == 0)
			logmsg("shutdown: unmounted %s", mount_table[i].target);
		else if (errno != EBUSY && errno != EINVAL)
			logwarn("shutdown: unmount %s: %s", mount_table[i].target, strerror(errno));
	}
}
