/* Whole files (see file.h). */
#define _GNU_SOURCE
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cleanup.h"

/* Grows the buffer as the data comes (a /proc or cgroup file says size 0
 * and a pipe has none), never past MAX + 1 bytes: one more than allowed
 * is how an oversized input is seen without reading all of it. */
int sk_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct sk_err *err)
{
	SK_AUTOFREE char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		if (n == cap) {
			size_t want = cap ? cap * 2 : 4096;
			want = want > max + 1 ? max + 1 : want;
			char *p = realloc(buf, want + 1);
			if (!p)
				return sk_fail(err, ENOMEM, "read %s", name);
			buf = p;
			cap = want;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_fail(err, errno, "read %s", name);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return sk_fail(err, 0, "%s: larger than %zu bytes", name, max);
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

int sk_read_file(const char *path, size_t max, char **out, size_t *len, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	return sk_read_fd(fd, path, max, out, len, err);
}

ssize_t sk_read_small(const char *path, char *buf, size_t cap)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0 || cap == 0)
		return -1;
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

int sk_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory holding PATH to disk: a rename in it is then durable. */
static int sync_parent(const char *path, struct sk_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int n = slash ? (int)(slash - path) : 1;

	snprintf(dir, sizeof dir, "%.*s", n ? n : 1, slash ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return sk_fail(err, e, "sync %s", dir);
	}
	close(fd);
	return 0;
}

static int write_replace(const char *path, const void *data, size_t len, int durable,
			 struct sk_err *err)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid()) >= sizeof tmp)
		return sk_fail(err, ENAMETOOLONG, "write %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sk_fail(err, errno, "create %s", tmp);
	int rc = sk_write_all(fd, data, len), e = errno;
	if (rc == 0 && durable && fsync(fd) < 0)
		rc = -1, e = errno;
	if (close(fd) < 0 && rc == 0)
		rc = -1, e = errno;
	if (rc < 0) {
		unlink(tmp);
		return sk_fail(err, e, "write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sk_fail(err, e, "rename %s to %s", tmp, path);
	}
	return durable ? sync_parent(path, err) : 0;
}

int sk_write_atomic(const char *path, const void *data, size_t len, struct sk_err *err)
{
	return write_replace(path, data, len, 0, err);
}

int sk_write_durable(const char *path, const void *data, size_t len, struct sk_err *err)
{
	return write_replace(path, data, len, 1, err);
}
