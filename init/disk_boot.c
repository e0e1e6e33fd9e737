/* The disk boot (see disk_boot.h). */
#include "disk_boot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "disk_find.h"
#include "log.h"
#include "root_slot.h"
#include "trial.h"
#include "verity_dm.h"

#define NEW_ROOT	   "/newroot"
#define FIND_TIMEOUT_MS	   10000
#define CHECK_CHUNK	   (64 * 1024)
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)

static const char *const moved[] = {"/dev", "/proc", "/sys", "/run", "/tmp"};

static int root_is_squashfs(void)
{
	struct statfs s;

	return statfs("/", &s) == 0 && s.f_type == SQUASHFS_MAGIC;
}

/* Reads the whole verity device once, so that a bad block stops the boot
 * here with a clear message instead of failing some later read. */
static int check_all(const char *dev, struct sk_err *err)
{
	static char buf[CHECK_CHUNK];
	SK_AUTOCLOSE int fd = open(dev, O_RDONLY | O_CLOEXEC);
	unsigned long long done = 0;
	ssize_t n;

	if (fd < 0)
		return sk_fail(err, errno, "open %s", dev);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		done += (unsigned long long)n;
	if (n < 0)
		return sk_fail(
		    err, errno,
		    "root filesystem failed verification: dm-verity read error near byte "
		    "%llu of %s",
		    done, dev);
	logmsg("root: verified %llu bytes", done);
	return 0;
}

/* /run/skiff/boot (moved into the new root with /run): what booted, for
 * the agent and for the trial watchdog of the second stage. */
static void write_boot_state(char slot, const char *version, const struct verity_args *v)
{
	char text[160];
	int n = snprintf(text, sizeof text, "slot=%c\nversion=%s\nroot_hash=%s\n", slot, version,
			 v->root_hash);
	SK_AUTOCLOSE int fd = -1;

	if (mkdir("/run/skiff", 0755) < 0 && errno != EEXIST)
		logwarn("mkdir /run/skiff: %s", strerror(errno));
	fd = open(BOOT_STATE_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n)
		logwarn("writing %s: %s", BOOT_STATE_PATH, strerror(errno));
}

static int open_root(const struct node_config *cfg, const char *root, const char *verity, char *dev,
		     size_t cap, struct sk_err *err)
{
	struct verity_args v;
	struct block_dev part;
	char slot = 0;

	if (verity_parse(verity, &v, err) < 0)
		return -1;
	if (strcmp(root, "slot") == 0 ? root_slot_pick(&v, FIND_TIMEOUT_MS, &part, &slot, err) < 0
				      : disk_find(root, FIND_TIMEOUT_MS, &part, err) < 0)
		return -1;
	if ((unsigned long long)part.size < (v.hash_start + 1) * 4096ull)
		return sk_fail(err, 0, "%s is smaller than its hash tree offset", part.name);
	if (verity_create("skiff-root", part.major, part.minor, &v, dev, cap, err) < 0)
		return sk_wrap(err, "dm-verity on %s", part.name);
	logmsg("root: dm-verity on %s as %s (root hash %.16s...)", part.name, dev, v.root_hash);
	if (check_all(dev, err) < 0)
		return -1;
	if (slot)
		write_boot_state(slot, cfg->version, &v);
	return 0;
}

static int switch_root(struct sk_err *err)
{
	char target[64];

	for (size_t i = 0; i < sizeof moved / sizeof *moved; i++) {
		snprintf(target, sizeof target, NEW_ROOT "%s", moved[i]);
		if (mount(moved[i], target, NULL, MS_MOVE, NULL) < 0)
			return sk_fail(err, errno, "move %s to %s", moved[i], target);
	}
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return sk_fail(err, errno, "switching root to " NEW_ROOT);
	logmsg("root: switched, executing /sbin/init");
	execl("/sbin/init", "/sbin/init", (char *)NULL);
	return sk_fail(err, errno, "exec /sbin/init on the new root");
}

static int stage_root(const struct node_config *cfg, const char *root, const char *verity,
		      struct sk_err *err)
{
	char dev[64];

	if (!verity)
		return sk_fail(err, 0,
			       "skiff.root= without skiff.verity=: refusing an unverified root");
	if (open_root(cfg, root, verity, dev, sizeof dev, err) < 0)
		return -1;
	if (mkdir(NEW_ROOT, 0755) < 0 && errno != EEXIST)
		return sk_fail(err, errno, "mkdir " NEW_ROOT);
	if (mount(dev, NEW_ROOT, "squashfs", MS_RDONLY | MS_NODEV, NULL) < 0)
		return sk_fail(err, errno,
			       errno == EIO ? "root filesystem failed verification: mount %s"
					    : "mount squashfs %s",
			       dev);
	logmsg("root: mounted %s read-only", dev);
	return switch_root(err);
}

static int grow_data(const struct block_dev *part, struct sk_err *err)
{
	struct statfs before, after;
	SK_AUTOCLOSE int fd = open(DISK_DATA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t blocks;

	if (fd < 0 || fstatfs(fd, &before) < 0)
		return sk_fail(err, errno, DISK_DATA_DIR);
	blocks = part->size / (uint64_t)before.f_bsize;
	if (ioctl(fd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
		return sk_fail(err, errno, "growing " DISK_DATA_DIR " to %llu blocks",
			       (unsigned long long)blocks);
	if (fstatfs(fd, &after) == 0 && after.f_blocks != before.f_blocks)
		logmsg("data: grew %s from %llu to %llu MiB", DISK_DATA_DIR,
		       (unsigned long long)before.f_blocks * before.f_bsize >> 20,
		       (unsigned long long)after.f_blocks * after.f_bsize >> 20);
	return 0;
}

static int stage_data(const char *data, struct sk_err *err)
{
	struct block_dev part;
	char dev[80];

	if (mount("var", "/var", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return sk_fail(err, errno, "mount tmpfs on /var");
	if (mkdir("/var/lib", 0755) < 0 || mkdir(DISK_DATA_DIR, 0755) < 0)
		return sk_fail(err, errno, "mkdir " DISK_DATA_DIR);
	if (!data)
		return 0;
	if (disk_find(data, FIND_TIMEOUT_MS, &part, err) < 0)
		return sk_wrap(err, "data partition");
	snprintf(dev, sizeof dev, "/dev/%s", part.name);
	if (mount(dev, DISK_DATA_DIR, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0)
		return sk_fail(err, errno, "mount %s on " DISK_DATA_DIR, dev);
	logmsg("data: mounted %s on %s", dev, DISK_DATA_DIR);
	if (grow_data(&part, err) < 0)
		logwarn("data: %s", err->msg);
	trial_arm(sk_now_ms());
	return 0;
}

int disk_boot(const struct node_config *cfg, const struct cmdline_arg *args, size_t n,
	      struct sk_err *err)
{
	const char *root = cmdline_get(args, n, "skiff.root");

	if (!root)
		return 0;
	if (!root_is_squashfs())
		return stage_root(cfg, root, cmdline_get(args, n, "skiff.verity"), err);
	return stage_data(cmdline_get(args, n, "skiff.data"), err);
}

void disk_teardown(void)
{
	if (umount2(DISK_DATA_DIR, 0) == 0)
		logmsg("shutdown: unmounted %s", DISK_DATA_DIR);
	else if (errno != EINVAL && errno != ENOENT)
		logwarn("shutdown: unmount %s: %s", DISK_DATA_DIR, strerror(errno));
	umount2("/var", MNT_DETACH);
}
