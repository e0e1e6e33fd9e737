/* Partition lookup (see disk_find.h): by PARTUUID every whole disk's GPT
 * is read for the GUID, then the partition with that number is found in
 * sysfs; by PARTLABEL the kernel's uevent names it (PARTNAME=). Block
 * drivers probe asynchronously, so the scan repeats until it shows up. */
#include "disk_find.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "hex.h"
#include "log.h"
#include "scan.h"
#include "clock.h"

#define SYS_BLOCK "/sys/class/block"
#define POLL_MS	  50
#define GPT_BUF	  (128 * 256)

static void dirp_close(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The kernel reports PARTN and PARTNAME in a partition's uevent but not
 * its GUID, so the GPT of each whole disk is read here. */
static int guid_bytes(const char *text, unsigned char out[16])
{
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	int i = 0;

	for (const char *p = text; *p && i < 16; p++) {
		if (*p == '-')
			continue;
		int hi = sk_hex_digit(p[0]), lo = sk_hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[order[i++]] = (unsigned char)(hi << 4 | lo);
		p++;
	}
	return i == 16 ? 0 : -1;
}

static unsigned long long read_ull(const char *dir, const char *name, const char *file)
{
	char path[300], text[32];

	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	return sk_read_small(path, text, sizeof text) >= 0 ? strtoull(text, NULL, 10) : 0;
}

/* Partition number of GUID on disk NAME, 0 if none. */
static unsigned gpt_lookup(const char *name, const unsigned char guid[16])
{
	static unsigned char buf[GPT_BUF];
	char dev[300];
	unsigned long long sector = read_ull(SYS_BLOCK, name, "queue/logical_block_size");
	SK_AUTOCLOSE int fd = -1;

	snprintf(dev, sizeof dev, "/dev/%s", name);
	if (!sector || (fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0 ||
	    pread(fd, buf, 92, (off_t)sector) != 92 || memcmp(buf, "EFI PART", 8) != 0)
		return 0;
	uint64_t lba;
	uint32_t count, size;
	memcpy(&lba, buf + 72, 8), memcpy(&count, buf + 80, 4), memcpy(&size, buf + 84, 4);
	if (size < 128 || (uint64_t)count * size > sizeof buf ||
	    pread(fd, buf, (size_t)count * size, (off_t)(lba * sector)) != (ssize_t)(count * size))
		return 0;
	for (uint32_t i = 0; i < count; i++)
		if (memcmp(buf + (size_t)i * size + 16, guid, 16) == 0)
			return i + 1;
	return 0;
}

static int fill_dev(const char *dir, const char *name, struct block_dev *out)
{
	char path[300], text[32];
	const char *p = text;
	unsigned long long major, minor;

	snprintf(out->name, sizeof out->name, "%.63s", name);
	out->size = read_ull(dir, name, "size") * 512;
	snprintf(path, sizeof path, "%s/%s/dev", dir, name);
	if (sk_read_small(path, text, sizeof text) < 0 || !sk_scan_ull(&p, &major) || *p++ != ':' ||
	    !sk_scan_ull(&p, &minor))
		return 0;
	out->major = (unsigned)major, out->minor = (unsigned)minor;
	return 1;
}

static int find_partition(const char *disk, unsigned number, struct block_dev *out)
{
	char dir[300];
	__attribute__((cleanup(dirp_close))) DIR *d = NULL;
	struct dirent *e;

	snprintf(dir, sizeof dir, SYS_BLOCK "/%s", disk);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && read_ull(dir, e->d_name, "partition") == number)
			return fill_dev(dir, e->d_name, out);
	return 0;
}

/* The first partition whose GPT name is LABEL. */
static int scan_label(const char *label, struct block_dev *out)
{
	__attribute__((cleanup(dirp_close))) DIR *d = opendir(SYS_BLOCK);
	struct dirent *e;
	char path[300], uevent[1024], want[128];

	snprintf(want, sizeof want, "\nPARTNAME=%s\n", label);
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, SYS_BLOCK "/%s/uevent", e->d_name);
		uevent[0] = '\n';
		if (e->d_name[0] == '.' || sk_read_small(path, uevent + 1, sizeof uevent - 1) < 0)
			continue;
		if (strstr(uevent, want) && fill_dev(SYS_BLOCK, e->d_name, out))
			return 1;
	}
	return 0;
}

static int scan(const unsigned char guid[16], struct block_dev *out)
{
	__attribute__((cleanup(dirp_close))) DIR *d = opendir(SYS_BLOCK);
	struct dirent *e;
	char path[300];
	unsigned n;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, SYS_BLOCK "/%s/partition", e->d_name);
		if (e->d_name[0] == '.' || access(path, F_OK) == 0)
			continue;
		if ((n = gpt_lookup(e->d_name, guid)) && find_partition(e->d_name, n, out))
			return 1;
	}
	return 0;
}

static int valid_label(const char *label)
{
	size_t n = strlen(label);

	return n > 0 && n <= 36 && strcspn(label, "\n/") == n;
}

int disk_find(const char *spec, unsigned timeout_ms, struct block_dev *out, struct sk_err *err)
{
	struct timespec tick = {0, POLL_MS * 1000000L};
	long long until = sk_now_ms() + timeout_ms;
	const char *label = strncmp(spec, "PARTLABEL=", 10) == 0 ? spec + 10 : NULL;
	unsigned char guid[16];

	if (label ? !valid_label(label)
		  : strncmp(spec, "PARTUUID=", 9) != 0 || strlen(spec + 9) != 36 ||
			guid_bytes(spec + 9, guid) < 0)
		return sk_fail(err, 0, "%s: expected PARTUUID=<guid> or PARTLABEL=<name>", spec);
	for (;;) {
		if (label ? scan_label(label, out) : scan(guid, out))
			return 0;
		if (sk_now_ms() >= until)
			return sk_fail(err, ENODEV, "no partition with %s after %u ms", spec,
				       timeout_ms);
		nanosleep(&tick, NULL);
	}
}
