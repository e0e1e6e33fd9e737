/* Root filesystem -> cpio newc -> gzip or the file itself (see initramfs.h). */
#include "initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpio.h"
#include "file.h"
#include "gzip.h"

#define READ_CHUNK (1 << 16)

static const unsigned type_bits[] = {
    [ROOTFS_DIR] = S_IFDIR,
    [ROOTFS_FILE] = S_IFREG,
    [ROOTFS_SYMLINK] = S_IFLNK,
    [ROOTFS_CHARDEV] = S_IFCHR,
};

/* Streams a host file whose size may not change while it is read. */
static int write_host_file(struct cpio *c, const struct rootfs_entry *e, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(e->host_path, O_RDONLY | O_CLOEXEC);
	SK_AUTOFREE char *buf = malloc(READ_CHUNK);
	struct cpio_entry ce = {.name = e->path, .mode = S_IFREG | e->mode};
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return sk_fail(err, errno, "open %s", e->host_path);
	if (!buf)
		return sk_fail(err, ENOMEM, "%s", e->host_path);
	if (fstat(fd, &st) < 0)
		return sk_fail(err, errno, "stat %s", e->host_path);
	if (!S_ISREG(st.st_mode) || st.st_size > UINT32_MAX)
		return sk_fail(err, 0, "%s: not a regular file under 4 GiB", e->host_path);
	ce.size = (uint32_t)st.st_size;
	if (cpio_begin(c, &ce, err) < 0)
		return -1;
	while ((n = read(fd, buf, READ_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read %s", e->host_path);
		if (cpio_data(c, buf, (size_t)n, err) < 0)
			return sk_wrap(err, "%s changed while being read", e->host_path);
	}
	if (cpio_end(c, err) < 0)
		return sk_wrap(err, "%s changed while being read", e->host_path);
	return 0;
}

static int write_entry(struct cpio *c, const struct rootfs_entry *e, struct sk_err *err)
{
	struct cpio_entry ce = {
	    .name = e->path,
	    .mode = type_bits[e->type] | e->mode,
	    .size = e->data ? (uint32_t)e->size : 0,
	    .rdev_major = e->major,
	    .rdev_minor = e->minor,
	};

	if (e->type == ROOTFS_FILE && e->host_path)
		return write_host_file(c, e, err);
	if (e->size > UINT32_MAX)
		return sk_fail(err, EFBIG, "/%s", e->path);
	if (cpio_begin(c, &ce, err) < 0 || (e->data && cpio_data(c, e->data, e->size, err) < 0))
		return -1;
	return cpio_end(c, err);
}

static int write_all_entries(struct cpio *c, const struct rootfs *fs, struct sk_err *err)
{
	for (size_t i = 0; i < fs->n; i++)
		if (write_entry(c, &fs->entries[i], err) < 0)
			return -1;
	return cpio_trailer(c, err);
}

/* The uncompressed archive's sink: the file itself. */
struct plain_file {
	int fd;
	const char *path;
};

static int plain_write(void *ctx, const void *buf, size_t len, struct sk_err *err)
{
	struct plain_file *f = ctx;

	if (sk_write_all(f->fd, buf, len) < 0)
		return sk_fail(err, errno, "write %s", f->path);
	return 0;
}

static int write_plain(const struct rootfs *fs, const char *path, uint32_t mtime,
		       struct sk_err *err)
{
	struct plain_file f = {.path = path};
	struct cpio c;

	if ((f.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return sk_fail(err, errno, "create %s", path);
	cpio_init(&c, plain_write, &f, mtime);
	int rc = write_all_entries(&c, fs, err);
	if (close(f.fd) < 0 && rc == 0)
		rc = sk_fail(err, errno, "write %s", path);
	if (rc < 0)
		unlink(path);
	return rc;
}

int initramfs_write(const struct rootfs *fs, const char *path, int gzip, uint32_t mtime,
		    struct sk_err *err)
{
	struct gzip_file *gz;
	struct cpio c;

	if (!gzip)
		return write_plain(fs, path, mtime, err);
	if (gzip_create(path, &gz, err) < 0)
		return -1;
	cpio_init(&c, gzip_write, gz, mtime);
	if (write_all_entries(&c, fs, err) < 0) {
		gzip_abort(gz);
		return -1;
	}
	return gzip_finish(gz, err);
}
