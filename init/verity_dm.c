/* dm-verity setup (see verity_dm.h): DM_DEV_CREATE, DM_TABLE_LOAD with one
 * "verity" target (format 1, 4096-byte blocks, sha256, no superblock: every
 * parameter comes from the command line, which the UKI signs into one
 * file), then DM_DEV_SUSPEND without the suspend flag, which resumes the
 * device and makes the table live. */
#include "verity_dm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "scan.h"

#define DM_CONTROL	  "/dev/mapper/control"
#define DM_BUF		  4096
#define SECTORS_PER_BLOCK 8

/* LEN lower-case hex digits at S. */
static int is_hex(const char *s, size_t len)
{
	return strspn(s, "0123456789abcdef") >= len;
}

int verity_parse(const char *text, struct verity_args *out, struct sk_err *err)
{
	const char *p = text, *salt = NULL;

	if (is_hex(p, 64) && p[64] == ':' && (p += 65) && sk_scan_ull(&p, &out->hash_start) &&
	    *p++ == ':' && sk_scan_ull(&p, &out->data_blocks) && *p++ == ':' && is_hex(p, 64) &&
	    !p[64])
		salt = p;
	if (!salt || out->data_blocks == 0 || out->hash_start < out->data_blocks)
		return sk_fail(
		    err, 0, "skiff.verity=%s: expected ROOTHASH:HASHSTART:DATABLOCKS:SALT", text);
	memcpy(out->root_hash, text, 64);
	out->root_hash[64] = '\0';
	memcpy(out->salt, salt, 64);
	out->salt[64] = '\0';
	return 0;
}

static void dm_init(struct dm_ioctl *io, size_t size, const char *name)
{
	memset(io, 0, size);
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = (uint32_t)size;
	io->data_start = sizeof *io;
	snprintf(io->name, sizeof io->name, "%s", name);
}

static int load_table(int ctl, const char *name, unsigned major, unsigned minor,
		      const struct verity_args *v, struct sk_err *err)
{
	static char buf[DM_BUF] __attribute__((aligned(8)));
	struct dm_ioctl *io = (struct dm_ioctl *)buf;
	struct dm_target_spec *t = (struct dm_target_spec *)(buf + sizeof *io);
	char *params = (char *)(t + 1);

	dm_init(io, sizeof buf, name);
	io->target_count = 1;
	io->flags = DM_READONLY_FLAG;
	t->sector_start = 0;
	t->length = v->data_blocks * SECTORS_PER_BLOCK;
	snprintf(t->target_type, sizeof t->target_type, "verity");
	snprintf(params, sizeof buf - (size_t)(params - buf),
		 "1 %u:%u %u:%u 4096 4096 %llu %llu sha256 %s %s", major, minor, major, minor,
		 v->data_blocks, v->hash_start, v->root_hash, v->salt);
	if (ioctl(ctl, DM_TABLE_LOAD, io) < 0)
		return sk_fail(err, errno, "DM_TABLE_LOAD verity");
	return 0;
}

static int make_node(const struct dm_ioctl *io, char *dev, size_t cap, struct sk_err *err)
{
	unsigned major = major(io->dev), minor = minor(io->dev);
	struct stat st;

	snprintf(dev, cap, "/dev/dm-%u", minor);
	/* devtmpfs normally has it already; a missing node is made by hand. */
	if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == io->dev)
		return 0;
	unlink(dev);
	if (mknod(dev, S_IFBLK | 0600, makedev(major, minor)) < 0)
		return sk_fail(err, errno, "mknod %s", dev);
	return 0;
}

int verity_create(const char *name, unsigned major, unsigned minor, const struct verity_args *v,
		  char *dev, size_t cap, struct sk_err *err)
{
	struct dm_ioctl io;
	SK_AUTOCLOSE int ctl = open(DM_CONTROL, O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return sk_fail(err, errno, "open %s (is dm_mod loaded?)", DM_CONTROL);
	dm_init(&io, sizeof io, name);
	if (ioctl(ctl, DM_DEV_CREATE, &io) < 0)
		return sk_fail(err, errno, "DM_DEV_CREATE %s", name);
	if (load_table(ctl, name, major, minor, v, err) < 0)
		return -1;
	dm_init(&io, sizeof io, name);
	if (ioctl(ctl, DM_DEV_SUSPEND, &io) < 0)
		return sk_fail(err, errno, "DM_DEV_SUSPEND (resume) %s", name);
	return make_node(&io, dev, cap, err);
}
