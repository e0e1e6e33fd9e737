/* gzip output through zlib (see gzip.h). */
#include "gzip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "file.h"

#define GZIP_WINDOW_BITS 31 /* 15 plus 16: gzip wrapper */
#define GZIP_MEM_LEVEL	 9
#define OUT_CHUNK	 (1 << 16)
#define OS_UNIX		 3

struct gzip_file {
	z_stream z;
	gz_header header;
	int fd;
	char *path;
	unsigned char out[OUT_CHUNK];
};

int gzip_create(const char *path, struct gzip_file **out, struct sk_err *err)
{
	struct gzip_file *gz = calloc(1, sizeof *gz);

	if (!gz || !(gz->path = strdup(path))) {
		free(gz);
		return sk_fail(err, ENOMEM, "%s", path);
	}
	if (deflateInit2(&gz->z, Z_BEST_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(gz->path);
		free(gz);
		return sk_fail(err, ENOMEM, "%s: zlib", path);
	}
	gz->header.os = OS_UNIX; /* zlib would use the build host's */
	deflateSetHeader(&gz->z, &gz->header);
	if ((gz->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		int e = errno;
		gzip_abort(gz);
		return sk_fail(err, e, "create %s", path);
	}
	*out = gz;
	return 0;
}

static int flush_out(struct gzip_file *gz, struct sk_err *err)
{
	size_t len = OUT_CHUNK - gz->z.avail_out;
	const unsigned char *p = gz->out;

	if (sk_write_all(gz->fd, p, len) < 0)
		return sk_fail(err, errno, "write %s", gz->path);
	gz->z.next_out = gz->out;
	gz->z.avail_out = OUT_CHUNK;
	return 0;
}

static int deflate_step(struct gzip_file *gz, int flush, struct sk_err *err)
{
	int rc;

	do {
		gz->z.next_out = gz->out;
		gz->z.avail_out = OUT_CHUNK;
		rc = deflate(&gz->z, flush);
		if (rc == Z_STREAM_ERROR)
			return sk_fail(err, 0, "%s: zlib: deflate failed", gz->path);
		if (flush_out(gz, err) < 0)
			return -1;
	} while (gz->z.avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

int gzip_write(void *ctx, const void *buf, size_t len, struct sk_err *err)
{
	struct gzip_file *gz = ctx;
	const unsigned char *p = buf;

	while (len > 0) {
		uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
		gz->z.next_in = (unsigned char *)p;
		gz->z.avail_in = chunk;
		if (deflate_step(gz, Z_NO_FLUSH, err) < 0)
			return -1;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int gzip_finish(struct gzip_file *gz, struct sk_err *err)
{
	int rc = deflate_step(gz, Z_FINISH, err);

	if (rc == 0 && (fsync(gz->fd) < 0 || close(gz->fd) < 0))
		rc = sk_fail(err, errno, "write %s", gz->path);
	else if (rc == 0)
		gz->fd = -1;
	gzip_abort(gz);
	return rc;
}

void gzip_abort(struct gzip_file *gz)
{
	if (!gz)
		return;
	deflateEnd(&gz->z);
	if (gz->fd >= 0)
		close(gz->fd);
	free(gz->path);
	free(gz);
}
