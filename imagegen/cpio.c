/* cpio "newc" writer (see cpio.h): a 110-byte ASCII header, the name, and
 * the data, each padded to 4 bytes. */
#include "cpio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define HEADER_LEN   110
#define NAME_MAX_LEN 4096

void cpio_init(struct cpio *c, cpio_sink *write, void *ctx, uint32_t mtime)
{
	memset(c, 0, sizeof *c);
	c->write = write;
	c->ctx = ctx;
	c->mtime = mtime;
	c->next_ino = 1;
}

static int emit(struct cpio *c, const void *buf, size_t len, struct sk_err *err)
{
	if (c->write(c->ctx, buf, len, err) < 0)
		return -1;
	c->offset += len;
	return 0;
}

static int pad(struct cpio *c, struct sk_err *err)
{
	static const char zeros[4];

	return emit(c, zeros, (4 - c->offset % 4) % 4, err);
}

static int header(struct cpio *c, const char *name, uint32_t ino, uint32_t mode, uint32_t nlink,
		  uint32_t mtime, const struct cpio_entry *e, struct sk_err *err)
{
	char h[HEADER_LEN + 1];
	size_t namesize = strlen(name) + 1;

	if (namesize > NAME_MAX_LEN)
		return sk_fail(err, ENAMETOOLONG, "cpio: %s", name);
	snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ino,
		 mode, 0u, 0u, nlink, mtime, e->size, 0u, 0u, e->rdev_major, e->rdev_minor,
		 namesize, 0u);
	if (emit(c, h, HEADER_LEN, err) < 0 || emit(c, name, namesize, err) < 0)
		return -1;
	return pad(c, err);
}

int cpio_begin(struct cpio *c, const struct cpio_entry *e, struct sk_err *err)
{
	uint32_t nlink = S_ISDIR(e->mode) ? 2 : 1;

	if (c->data_left)
		return sk_fail(err, EINVAL, "cpio: entry %s begun before the last one ended",
			       e->name);
	if (header(c, e->name, c->next_ino++, e->mode, nlink, c->mtime, e, err) < 0)
		return -1;
	c->data_left = e->size;
	return 0;
}

int cpio_data(struct cpio *c, const void *buf, size_t len, struct sk_err *err)
{
	if (len > c->data_left)
		return sk_fail(err, EINVAL, "cpio: more data than the entry's size");
	c->data_left -= len;
	return emit(c, buf, len, err);
}

int cpio_end(struct cpio *c, struct sk_err *err)
{
	if (c->data_left)
		return sk_fail(err, EINVAL, "cpio: %llu bytes of data missing",
			       (unsigned long long)c->data_left);
	return pad(c, err);
}

int cpio_trailer(struct cpio *c, struct sk_err *err)
{
	static const struct cpio_entry trailer = {.name = "TRAILER!!!"};

	if (header(c, trailer.name, 0, 0, 1, 0, &trailer, err) < 0)
		return -1;
	/* The kernel reads the archive in 512-byte blocks, as cpio writes them. */
	while (c->offset % 512)
		if (emit(c, "", 1, err) < 0)
			return -1;
	return 0;
}
