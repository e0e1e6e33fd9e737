/* The boot disk as an update writes it: its partitions found by GPT name
 * (root-a, root-b, esp: docs/disk.md), a root slot written and read back
 * from the device, and the UKIs on the ESP, named by slot as
 * systemd-boot's boot counting expects (skiff-b+1-0.efi on trial,
 * skiff-b.efi once good). The ESP is mounted only while it is changed,
 * and every change is synced before it is unmounted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <bearssl.h>

#include "cleanup.h"
#include "file.h"
#include "hex.h"
#include "mkdir_p.h"
#include "update_internal.h"

#define CHUNK (1 << 20)

struct part {
	char name[64];	/* kernel name: vda2 */
	char label[64]; /* GPT name */
	char disk[64];	/* parent disk: vda */
	uint64_t size;
};

static int part_read(const char *name, struct part *p)
{
	SK_AUTOFREE char *uevent = NULL;
	char path[300], link[PATH_MAX], size[32];
	struct sk_err err = {0};
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/block/%s/uevent", name);
	if (sk_read_file(path, 4096, &uevent, NULL, &err) < 0)
		return -1;
	const char *l = strstr(uevent, "PARTNAME=");
	if (!l)
		return -1;
	l += 9;
	if (strlen(name) >= sizeof p->name)
		return -1;
	snprintf(p->label, sizeof p->label, "%.*s", (int)strcspn(l, "\n"), l);
	strcpy(p->name, name);
	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	if (!realpath(path, link))
		return -1;
	snprintf(p->disk, sizeof p->disk, "%s", basename(dirname(link)));
	snprintf(path, sizeof path, "/sys/class/block/%s/size", name);
	if (!(f = fopen(path, "re")))
		return -1;
	if (!fgets(size, sizeof size, f))
		size[0] = '\0';
	fclose(f);
	p->size = strtoull(size, NULL, 10) * 512;
	return 0;
}

static void take(struct update_disk *d, const struct part *p, const char *disk)
{
	if (strcmp(p->disk, disk))
		return;
	if (!strcmp(p->label, "esp"))
		snprintf(d->esp, sizeof d->esp, "/dev/%s", p->name);
	for (int s = 0; s < 2; s++)
		if (!strncmp(p->label, "root-", 5) && p->label[5] == 'a' + s && !p->label[6]) {
			snprintf(d->root[s], sizeof d->root[s], "/dev/%s", p->name);
			d->root_size[s] = p->size;
		}
}

/* The disk is the one holding a partition named root-a; two such disks
 * would leave it unclear which one booted, and that is refused. */
int update_disk_find(struct update_disk *d, struct sk_err *err)
{
	struct part parts[64];
	char disk[64] = "";
	size_t n = 0;
	struct dirent *e;
	DIR *dh = opendir("/sys/class/block");

	memset(d, 0, sizeof *d);
	if (!dh)
		return sk_fail(err, errno, "/sys/class/block");
	while ((e = readdir(dh)) && n < sizeof parts / sizeof *parts)
		if (e->d_name[0] != '.' && part_read(e->d_name, &parts[n]) == 0)
			n++;
	closedir(dh);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(parts[i].label, "root-a"))
			continue;
		if (disk[0])
			return sk_fail(err, 0, "disks %s and %s both have a partition named root-a",
				       disk, parts[i].disk);
		snprintf(disk, sizeof disk, "%s", parts[i].disk);
	}
	for (size_t i = 0; i < n; i++)
		take(d, &parts[i], disk);
	if (!d->root[0][0] || !d->root[1][0] || !d->esp[0])
		return sk_fail(err, 0,
			       "no disk with partitions named root-a, root-b and esp (not booted "
			       "from a Skiff disk image?)");
	return 0;
}

/* ---- the ESP ---- */

static int esp_mount(const struct update_disk *d, int ro, struct sk_err *err)
{
	if (sk_mkdir_p(UPDATE_ESP_MOUNT, 0700, err) < 0)
		return -1;
	if (mount(d->esp, UPDATE_ESP_MOUNT, "vfat",
		  (ro ? MS_RDONLY : 0) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "umask=077") < 0)
		return sk_fail(err, errno, "mount the EFI system partition %s", d->esp);
	return 0;
}

/* Syncs and unmounts; a failure after a change is the change's failure. */
static int esp_unmount(int rc, struct sk_err *err)
{
	sync();
	if (umount(UPDATE_ESP_MOUNT) < 0 && rc == 0)
		return sk_fail(err, errno, "unmount %s", UPDATE_ESP_MOUNT);
	return rc;
}

#define ESP_LINUX UPDATE_ESP_MOUNT "/EFI/Linux"

/* skiff-SLOT.efi or skiff-SLOT+N[-M].efi (boot counting), or the
 * temporary name an interrupted write left. */
static int slot_entry(const char *name, const char *slot)
{
	size_t n = strlen(name);

	if (strncmp(name, "skiff-", 6) || strncmp(name + 6, slot, 1))
		return 0;
	if (name[7] == '.' || name[7] == '+')
		return (n > 4 && !strcmp(name + n - 4, ".efi")) ||
		       (n > 8 && !strcmp(name + n - 8, ".efi.tmp"));
	return 0;
}

/* Calls FN for every entry of SLOT in \EFI\Linux. */
static int slot_entries(const char *slot, int (*fn)(const char *name, void *ctx), void *ctx,
			struct sk_err *err)
{
	struct dirent *e;
	DIR *dh = opendir(ESP_LINUX);
	int rc = 0;

	if (!dh)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "%s", ESP_LINUX);
	while (rc == 0 && (e = readdir(dh)))
		if (slot_entry(e->d_name, slot))
			rc = fn(e->d_name, ctx);
	closedir(dh);
	return rc < 0 ? sk_fail(err, errno, "%s", ESP_LINUX) : 0;
}

static int add_size(const char *name, void *ctx)
{
	char path[400];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", ESP_LINUX, name);
	if (stat(path, &st) == 0)
		*(uint64_t *)ctx += (uint64_t)st.st_size;
	return 0;
}

int update_esp_room(const struct update_disk *d, const char *slot, uint64_t *out,
		    struct sk_err *err)
{
	struct statvfs vfs;
	uint64_t old = 0;
	int rc;

	if (esp_mount(d, 1, err) < 0)
		return -1;
	rc = statvfs(UPDATE_ESP_MOUNT, &vfs) < 0 ? sk_fail(err, errno, "statvfs the ESP") : 0;
	if (rc == 0)
		rc = slot_entries(slot, add_size, &old, err);
	if (rc == 0) {
		/* the last cluster of a file is partly slack: keep one spare */
		*out = (uint64_t)vfs.f_bavail * vfs.f_frsize + old;
		*out = *out > vfs.f_frsize ? *out - vfs.f_frsize : 0;
	}
	return esp_unmount(rc, err);
}

static int remove_entry(const char *name, void *ctx)
{
	char path[400];

	snprintf(path, sizeof path, "%s/%s", ESP_LINUX, name);
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int sync_dir(const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return sk_fail(err, errno, "sync %s", path);
	return 0;
}

int update_esp_remove(const struct update_disk *d, const char *slot, struct sk_err *err)
{
	int rc;

	if (esp_mount(d, 0, err) < 0)
		return -1;
	rc = slot_entries(slot, remove_entry, NULL, err);
	if (rc == 0 && access(ESP_LINUX, F_OK) == 0)
		rc = sync_dir(ESP_LINUX, err);
	return esp_unmount(rc, err);
}

static int copy_file(const char *from, const char *to, struct sk_err *err)
{
	SK_AUTOCLOSE int in = open(from, O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int out = -1;
	SK_AUTOFREE char *buf = malloc(CHUNK);
	ssize_t n;

	if (in < 0)
		return sk_fail(err, errno, "open %s", from);
	if (!buf)
		return sk_fail(err, ENOMEM, "copy %s", from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return sk_fail(err, errno, "create %s", to);
	while ((n = read(in, buf, CHUNK)) > 0)
		if (sk_write_all(out, buf, (size_t)n) < 0)
			return sk_fail(err, errno, "write %s", to);
	if (n < 0)
		return sk_fail(err, errno, "read %s", from);
	if (fsync(out) < 0)
		return sk_fail(err, errno, "sync %s", to);
	return 0;
}

static int esp_write(const char *slot, const char *path, struct sk_err *err)
{
	char tmp[300], final[300];

	snprintf(tmp, sizeof tmp, "%s/skiff-%s+1-0.efi.tmp", ESP_LINUX, slot);
	snprintf(final, sizeof final, "%s/skiff-%s+1-0.efi", ESP_LINUX, slot);
	if (sk_mkdir_p(ESP_LINUX, 0700, err) < 0 || copy_file(path, tmp, err) < 0)
		return -1;
	if (rename(tmp, final) < 0)
		return sk_fail(err, errno, "rename %s to %s", tmp, final);
	return sync_dir(ESP_LINUX, err);
}

int update_esp_write(const struct update_disk *d, const char *slot, const char *path,
		     struct sk_err *err)
{
	if (esp_mount(d, 0, err) < 0)
		return -1;
	return esp_unmount(esp_write(slot, path, err), err);
}

static int find_trial(const char *name, void *ctx)
{
	if (name[7] == '+' && strcmp(name + strlen(name) - 4, ".tmp"))
		snprintf(ctx, 64, "%s", name);
	return 0;
}

static int mark_good(const char *slot, struct sk_err *err)
{
	char name[64] = "", from[400], to[400];

	if (slot_entries(slot, find_trial, name, err) < 0)
		return -1;
	snprintf(to, sizeof to, "%s/skiff-%s.efi", ESP_LINUX, slot);
	if (!name[0])
		return access(to, F_OK) == 0
			   ? 0
			   : sk_fail(err, 0, "no boot entry skiff-%s*.efi on the ESP", slot);
	snprintf(from, sizeof from, "%s/%s", ESP_LINUX, name);
	if (rename(from, to) < 0)
		return sk_fail(err, errno, "rename %s to %s", from, to);
	return sync_dir(ESP_LINUX, err);
}

int update_esp_mark_good(const struct update_disk *d, const char *slot, struct sk_err *err)
{
	if (esp_mount(d, 0, err) < 0)
		return -1;
	return esp_unmount(mark_good(slot, err), err);
}

/* ---- a root slot ---- */

static int copy_to_device(int in, int out, const char *dev, uint64_t size, struct sk_err *err)
{
	SK_AUTOFREE char *buf = malloc(CHUNK);
	uint64_t done = 0;

	if (!buf)
		return sk_fail(err, ENOMEM, "write %s", dev);
	while (done < size) {
		size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		ssize_t n = read(in, buf, want);
		if (n <= 0)
			return sk_fail(err, n < 0 ? errno : 0, "read the root image");
		if (sk_pwrite_all(out, buf, (size_t)n, done) < 0)
			return sk_fail(err, errno, "write %s", dev);
		done += (uint64_t)n;
	}
	if (fsync(out) < 0)
		return sk_fail(err, errno, "sync %s", dev);
	return 0;
}

/* SIZE bytes of DEV read from the device itself (its cached pages are
 * dropped first), hashed. */
static int device_digest(int fd, const char *dev, uint64_t size, char out[UPDATE_DIGEST_LEN + 1],
			 struct sk_err *err)
{
	SK_AUTOFREE char *buf = malloc(CHUNK);
	unsigned char sum[32];
	br_sha256_context sc;
	uint64_t done = 0;

	if (!buf)
		return sk_fail(err, ENOMEM, "read %s", dev);
	if (ioctl(fd, BLKFLSBUF, 0) < 0)
		return sk_fail(err, errno, "flush the buffers of %s", dev);
	br_sha256_init(&sc);
	while (done < size) {
		size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)done);
		if (n <= 0)
			return sk_fail(err, n < 0 ? errno : 0, "read back %s", dev);
		br_sha256_update(&sc, buf, (size_t)n);
		done += (uint64_t)n;
	}
	br_sha256_out(&sc, sum);
	memcpy(out, "sha256:", 7);
	sk_hex(sum, sizeof sum, out + 7);
	return 0;
}

int update_slot_write(const char *dev, const char *path, uint64_t size, const char *digest,
		      struct sk_err *err)
{
	SK_AUTOCLOSE int in = open(path, O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int out = open(dev, O_RDWR | O_CLOEXEC | O_EXCL);
	char got[UPDATE_DIGEST_LEN + 1];

	if (in < 0)
		return sk_fail(err, errno, "open %s", path);
	if (out < 0)
		return sk_fail(err, errno, "open %s", dev);
	if (copy_to_device(in, out, dev, size, err) < 0 ||
	    device_digest(out, dev, size, got, err) < 0)
		return -1;
	if (strcmp(got, digest))
		return sk_fail(err, 0, "%s reads back as %s, not %s as written", dev, got, digest);
	return 0;
}
