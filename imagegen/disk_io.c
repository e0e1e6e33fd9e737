/* File helpers for the disk writers (see disk_io.h). */
#include "disk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"

#define COPY_CHUNK (1 << 20)

int pwrite_all(int fd, const void *buf, size_t len, uint64_t off, struct sk_err *err)
{
	if (sk_pwrite_all(fd, buf, len, off) < 0)
		return sk_fail(err, errno, "write at offset %llu", (unsigned long long)off);
	return 0;
}

int pread_all(int fd, void *buf, size_t len, uint64_t off, struct sk_err *err)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read at offset %llu", (unsigned long long)off);
		if (n == 0)
			return sk_fail(err, 0, "short read at offset %llu",
				       (unsigned long long)off);
		p += n, off += (uint64_t)n, len -= (size_t)n;
	}
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

int copy_range_sparse(int dst_fd, uint64_t dst_off, int src_fd, uint64_t len, struct sk_err *err)
{
	SK_AUTOFREE uint8_t *buf = malloc(COPY_CHUNK);

	if (!buf)
		return sk_fail(err, ENOMEM, "copy buffer");
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;
		if (pread_all(src_fd, buf, n, done, err) < 0)
			return -1;
		for (size_t at = 0; at < n; at += 4096) {
			size_t k = n - at < 4096 ? n - at : 4096;
			if (!all_zero(buf + at, k) &&
			    pwrite_all(dst_fd, buf + at, k, dst_off + done + at, err) < 0)
				return -1;
		}
		done += n;
	}
	return 0;
}

int file_size(int fd, uint64_t *size, struct sk_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sk_fail(err, errno, "stat");
	*size = (uint64_t)st.st_size;
	return 0;
}
