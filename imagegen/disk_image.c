/* The disk image (see disk_image.h): root filesystem first (its size and verity
 * root hash go on the command line), then the UKI, then the layout, then
 * every partition written into a fresh sparse disk.raw. */
#define _GNU_SOURCE
#include "disk_image.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "disk_io.h"
#include "disk_layout.h"
#include "ext4.h"
#include "file.h"
#include "fat.h"
#include "fsutil.h"
#include "kernel.h"
#include "os_release.h"
#include "squashfs.h"
#include "uki.h"
#include "update_artifact.h"
#include "verity_tree.h"

#define MIB (1ull << 20)
/* The largest input the UKI or the seed reads whole (kernel, initramfs). */
#define INPUT_MAX (1ull << 30)

extern char **environ;

/* What init needs to find and check the root (DISK_MODULES), and, on an
 * image that takes updates, what the agent needs to mount the ESP: vfat
 * with Debian's default codepage (437) and iocharset (ascii). */
#define DISK_MODULES   "virtio_pci,virtio_blk,dm_verity,squashfs"
#define UPDATE_MODULES "vfat,nls_cp437,nls_ascii"

static int add_list(struct kernel *k, const char *list, struct sk_err *err)
{
	char name[64];

	for (const char *p = list; *p; p += *p == ',') {
		size_t len = strcspn(p, ",");
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		p += len;
		if (kernel_has_module(k, name) && kernel_add_module(k, name, err) < 0)
			return sk_wrap(err, "disk modules");
	}
	return 0;
}

int disk_add_modules(struct kernel *k, int updates, struct sk_err *err)
{
	if (add_list(k, DISK_MODULES, err) < 0)
		return -1;
	return updates ? add_list(k, UPDATE_MODULES, err) : 0;
}

static int seed_from_spec(const char *path, uint8_t seed[32], struct sk_err *err)
{
	SK_AUTOFREE char *data = NULL;
	size_t len;
	br_sha256_context s;

	if (sk_read_file(path, INPUT_MAX, &data, &len, err) < 0)
		return -1;
	br_sha256_init(&s);
	br_sha256_update(&s, data, len);
	br_sha256_out(&s, seed);
	return 0;
}

/* squashfs with its hash tree appended, in WORK/root.img. */
static int build_root(const struct disk_input *in, const char *work, struct disk_layout *l,
		      struct sk_err *err)
{
	char stage[PATH_MAX + 16], img[PATH_MAX + 16];
	SK_AUTOCLOSE int fd = -1;
	uint64_t size;

	snprintf(stage, sizeof stage, "%s/stage", work);
	snprintf(img, sizeof img, "%s/root.img", work);
	if (squashfs_write(in->fs, stage, img, in->epoch, err) < 0)
		return -1;
	if ((fd = open(img, O_RDWR | O_CLOEXEC)) < 0)
		return sk_fail(err, errno, "open %s", img);
	if (file_size(fd, &size, err) < 0)
		return -1;
	l->verity.data_blocks = (size + VERITY_BLOCK - 1) / VERITY_BLOCK;
	l->squashfs_bytes = size;
	if (l->verity.data_blocks < 2 ||
	    ftruncate(fd, (off_t)(l->verity.data_blocks * VERITY_BLOCK)) < 0)
		return sk_fail(err, errno, "%s: too small or cannot pad", img);
	if (verity_build(fd, 0, &l->verity, err) < 0)
		return -1;
	l->root_bytes = (l->verity.data_blocks + l->verity.hash_blocks) * VERITY_BLOCK;
	return 0;
}

static int build_uki(const struct disk_input *in, const struct disk_layout *l, uint8_t **uki,
		     size_t *uki_len, struct sk_err *err)
{
	SK_AUTOFREE char *stub = NULL, *kernel = NULL, *initrd = NULL;
	size_t stub_len, kernel_len, initrd_len;
	char cmdline[DISK_CMDLINE_MAX], osrel[OS_RELEASE_MAX];
	const char *modules = in->updates ? DISK_MODULES "," UPDATE_MODULES : DISK_MODULES;

	if (sk_read_file(UKI_STUB_PATH, INPUT_MAX, &stub, &stub_len, err) < 0)
		return sk_wrap(err, "EFI stub (apt-get install systemd-boot-efi)");
	if (sk_read_file(in->kernel_path, INPUT_MAX, &kernel, &kernel_len, err) < 0 ||
	    sk_read_file(in->initramfs_path, INPUT_MAX, &initrd, &initrd_len, err) < 0)
		return -1;
	if (disk_cmdline(l, in->cmdline, modules, cmdline, sizeof cmdline, err) < 0)
		return -1;
	size_t n = os_release_render(in->version, osrel);
	struct uki_section s[] = {
	    {".osrel", (const uint8_t *)osrel, n},
	    {".cmdline", (const uint8_t *)cmdline, strlen(cmdline)},
	    {".uname", (const uint8_t *)in->kernel_version, strlen(in->kernel_version)},
	    {".initrd", (const uint8_t *)initrd, initrd_len},
	    {".linux", (const uint8_t *)kernel, kernel_len},
	};
	return uki_build((const uint8_t *)stub, stub_len, s, sizeof s / sizeof *s, uki, uki_len,
			 err);
}

/* systemd-boot on the removable-media path, no menu, and slot A's UKI as
 * a type #2 entry (docs/disk.md "Boot selection"). */
static int write_esp(int fd, const struct disk_input *in, const struct disk_layout *l,
		     const uint8_t *uki, size_t uki_len, struct sk_err *err)
{
	static const char loader_conf[] = "timeout 0\neditor no\n";
	const struct gpt_part *p = &l->parts[PART_ESP];
	SK_AUTOFREE char *boot = NULL;
	size_t boot_len;

	if (sk_read_file(SD_BOOT_PATH, INPUT_MAX, &boot, &boot_len, err) < 0)
		return sk_wrap(err, "systemd-boot (apt-get install systemd-boot-efi)");
	struct fat_file f[] = {
	    {"EFI/BOOT/BOOTX64.EFI", (const uint8_t *)boot, boot_len},
	    {"loader/loader.conf", (const uint8_t *)loader_conf, sizeof loader_conf - 1},
	    {ESP_UKI_A, uki, uki_len},
	};
	struct fat_volume v = {
	    .offset = p->first_lba * GPT_SECTOR,
	    .bytes = (p->last_lba - p->first_lba + 1) * GPT_SECTOR,
	    .hidden_sectors = (uint32_t)p->first_lba,
	    .volume_id = l->esp_volume_id,
	    .label = "ESP",
	    .mtime = in->epoch,
	};
	return fat_write(fd, &v, f, sizeof f / sizeof *f, err);
}

static int write_roots(int fd, const char *work, const struct disk_layout *l, struct sk_err *err)
{
	char img[PATH_MAX + 16];
	SK_AUTOCLOSE int src = -1;

	snprintf(img, sizeof img, "%s/root.img", work);
	if ((src = open(img, O_RDONLY | O_CLOEXEC)) < 0)
		return sk_fail(err, errno, "open %s", img);
	if (copy_range_sparse(fd, l->parts[PART_ROOT_A].first_lba * GPT_SECTOR, src, l->root_bytes,
			      err) < 0 ||
	    copy_range_sparse(fd, l->parts[PART_ROOT_B].first_lba * GPT_SECTOR, src, l->root_bytes,
			      err) < 0)
		return sk_wrap(err, "root partitions");
	return 0;
}

static int write_data(int fd, const char *work, const struct disk_input *in,
		      const struct disk_layout *l, struct sk_err *err)
{
	char img[PATH_MAX + 16];
	SK_AUTOCLOSE int src = -1;
	struct ext4_params p = {
	    .bytes = (uint64_t)in->disk->data_mib * MIB, .label = "skiff-data", .now = in->epoch};

	memcpy(p.uuid, l->data_fs_uuid, 16);
	memcpy(p.hash_seed, l->data_hash_seed, 16);
	snprintf(img, sizeof img, "%s/data.img", work);
	if ((src = open(img, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return sk_fail(err, errno, "create %s", img);
	if (ftruncate(src, (off_t)p.bytes) < 0)
		return sk_fail(err, errno, "size %s", img);
	if (ext4_write(img, &p, err) < 0)
		return -1;
	return copy_range_sparse(fd, l->parts[PART_DATA].first_lba * GPT_SECTOR, src, p.bytes, err);
}

static int write_raw(const struct disk_input *in, const char *work, const struct disk_layout *l,
		     const uint8_t *uki, size_t uki_len, struct sk_err *err)
{
	char path[PATH_MAX];
	SK_AUTOCLOSE int fd = -1;

	snprintf(path, sizeof path, "%s/disk.raw", in->dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return sk_fail(err, errno, "create %s", path);
	if (ftruncate(fd, (off_t)(l->disk_sectors * GPT_SECTOR)) < 0)
		return sk_fail(err, errno, "size %s", path);
	if (gpt_write(fd, l->disk_sectors, &l->disk_guid, l->parts, PART_COUNT, err) < 0 ||
	    write_esp(fd, in, l, uki, uki_len, err) < 0 || write_roots(fd, work, l, err) < 0 ||
	    write_data(fd, work, in, l, err) < 0)
		return sk_wrap(err, "%s", path);
	if (fsync(fd) < 0)
		return sk_fail(err, errno, "fsync %s", path);
	return 0;
}

static int run_qemu_img(const char *dir, struct sk_err *err)
{
	char raw[PATH_MAX], qcow[PATH_MAX];
	pid_t pid;
	int status, rc;

	snprintf(raw, sizeof raw, "%s/disk.raw", dir);
	snprintf(qcow, sizeof qcow, "%s/disk.qcow2", dir);
	char *argv[] = {"qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow, NULL};
	if ((rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ)) != 0)
		return sk_fail(err, rc, "running qemu-img (apt-get install qemu-utils)");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sk_fail(err, errno, "waiting for qemu-img");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_fail(err, 0, "qemu-img convert failed (status %d)", status);
	return 0;
}

/* The update carries the very bytes written to the ESP and to root A. */
static int write_update(const struct disk_input *in, const char *work, const struct disk_layout *l,
			const uint8_t *uki, size_t uki_len, struct sk_err *err)
{
	char root[PATH_MAX + 16];
	struct update_input u = {
	    .dir = in->dir,
	    .version = in->version,
	    .kernel_version = in->kernel_version,
	    .uki = uki,
	    .uki_len = uki_len,
	    .root_path = root,
	    .verity = &l->verity,
	    .epoch = in->epoch,
	    .key = in->key,
	};

	snprintf(root, sizeof root, "%s/root.img", work);
	return update_artifact_write(&u, err);
}

static int build_in(const struct disk_input *in, const char *work, struct sk_err *err)
{
	struct disk_layout l = {0};
	SK_AUTOFREE uint8_t *uki = NULL;
	size_t uki_len;
	uint8_t seed[32];

	if (seed_from_spec(in->spec_path, seed, err) < 0)
		return -1;
	disk_identities(&l, seed);
	if (build_root(in, work, &l, err) < 0 || build_uki(in, &l, &uki, &uki_len, err) < 0)
		return -1;
	if (disk_plan(&l, in->disk, uki_len, err) < 0)
		return -1;
	if (write_raw(in, work, &l, uki, uki_len, err) < 0)
		return -1;
	if (in->disk->qcow2 && run_qemu_img(in->dir, err) < 0)
		return -1;
	if (in->key && write_update(in, work, &l, uki, uki_len, err) < 0)
		return -1;
	return disk_write_json(in->dir, &l, uki_len, err);
}

int disk_build(const struct disk_input *in, struct sk_err *err)
{
	char work[PATH_MAX];
	struct sk_err ignored;
	int rc;

	snprintf(work, sizeof work, "%s/.disk-work", in->dir);
	if (mkdir(work, 0700) < 0)
		return sk_fail(err, errno, "mkdir %s", work);
	rc = build_in(in, work, err);
	fs_remove_tree(work, &ignored);
	return rc < 0 ? sk_wrap(err, "disk image") : 0;
}
