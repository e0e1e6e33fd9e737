/* Small file-system helpers for the build host (see fsutil.h). */
#define _GNU_SOURCE
#include "fsutil.h"

#include <bearssl.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"

#define COPY_CHUNK (1 << 16)

static int close_synced(int *fd, const char *path, struct sk_err *err)
{
	int rc = fsync(*fd);

	rc = close(*fd) < 0 ? -1 : rc;
	*fd = -1;
	if (rc < 0)
		return sk_fail(err, errno, "write %s", path);
	return 0;
}

int fs_write_file(const char *path, const void *data, size_t len, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return sk_fail(err, errno, "create %s", path);
	if (sk_write_all(fd, data, len) < 0)
		return sk_fail(err, errno, "write %s", path);
	return close_synced(&fd, path, err);
}

int fs_copy_file(const char *from, const char *to, struct sk_err *err)
{
	SK_AUTOCLOSE int in = open(from, O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int out = -1;
	SK_AUTOFREE char *buf = malloc(COPY_CHUNK);
	ssize_t n;

	if (in < 0)
		return sk_fail(err, errno, "open %s", from);
	if (!buf)
		return sk_fail(err, ENOMEM, "copy %s", from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return sk_fail(err, errno, "create %s", to);
	while ((n = read(in, buf, COPY_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read %s", from);
		if (sk_write_all(out, buf, (size_t)n) < 0)
			return sk_fail(err, errno, "write %s", to);
	}
	return close_synced(&out, to, err);
}

int fs_sha256_file(const char *path, uint8_t digest[32], uint64_t *size, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	SK_AUTOFREE unsigned char *buf = malloc(COPY_CHUNK);
	br_sha256_context s;
	ssize_t n;

	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	if (!buf)
		return sk_fail(err, ENOMEM, "%s", path);
	br_sha256_init(&s);
	*size = 0;
	while ((n = read(fd, buf, COPY_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read %s", path);
		br_sha256_update(&s, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	br_sha256_out(&s, digest);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

int fs_remove_tree(const char *path, struct sk_err *err)
{
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", path);
	return 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
