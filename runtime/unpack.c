/* Safe layer unpacking. libarchive only parses the tar stream (we inflate
 * gzip ourselves so that the uncompressed bytes can be hashed into the
 * diff ID); every write is done here, relative to the layer's directory
 * fd, walking each path component with O_NOFOLLOW so that no entry can
 * reach outside the layer through "..", an absolute name, a symlink or a
 * hardlink. Whiteouts become overlayfs whiteouts (0/0 char devices) and
 * opaque markers (trusted.overlay.opaque=y). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "cleanup.h"
#include "file.h"
#include "image_internal.h"
#include "image_worker.h"
#include <bearssl.h>

#define BLOCK (128 * 1024)

struct unpacker {
	const struct unpack_opts *o;
	int root;
	uint64_t entries, bytes;
	/* input: the blob, inflated when gzip */
	int fd;
	int gzip, in_eof, z_done, z_ready;
	z_stream z;
	br_sha256_context diff;
	unsigned char in[BLOCK], out[BLOCK];
	struct sk_err *err;
	int failed; /* err was set by a read callback */
};

static int reject(struct unpacker *u, const char *entry, const char *why)
{
	return sk_fail(u->err, 0, "layer %s: entry \"%.300s\": %s", u->o->layer_digest, entry, why);
}

/* ---- input ---- */

static ssize_t read_raw(struct unpacker *u, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(u->fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

static ssize_t inflate_some(struct unpacker *u)
{
	while (!u->z_done) {
		if (u->z.avail_in == 0 && !u->in_eof) {
			ssize_t n = read_raw(u, u->in, sizeof u->in);
			if (n < 0)
				return -1;
			u->in_eof = n == 0;
			u->z.next_in = u->in;
			u->z.avail_in = n;
		}
		u->z.next_out = u->out;
		u->z.avail_out = sizeof u->out;
		int r = inflate(&u->z, Z_NO_FLUSH);
		size_t got = sizeof u->out - u->z.avail_out;
		if (r == Z_STREAM_END) {
			/* another gzip member may follow */
			if (u->z.avail_in == 0 && !u->in_eof) {
				ssize_t n = read_raw(u, u->in, sizeof u->in);
				if (n < 0)
					return -1;
				u->in_eof = n == 0;
				u->z.next_in = u->in;
				u->z.avail_in = n;
			}
			if (u->z.avail_in == 0)
				u->z_done = 1;
			else if (inflateReset(&u->z) != Z_OK)
				return -2;
		} else if (r != Z_OK && !(r == Z_BUF_ERROR && !u->in_eof)) {
			errno = EINVAL;
			return -2;
		}
		if (got > 0)
			return (ssize_t)got;
		if (u->in_eof && r == Z_BUF_ERROR)
			return -2;
	}
	return 0;
}

static ssize_t next_block(struct unpacker *u, const void **buf)
{
	ssize_t n;
	if (u->gzip) {
		n = inflate_some(u);
	} else {
		n = read_raw(u, u->out, sizeof u->out);
	}
	if (n == -2) {
		sk_fail(u->err, 0, "layer %s: corrupt or truncated gzip stream",
			u->o->layer_digest);
		u->failed = 1;
		return -1;
	}
	if (n < 0) {
		sk_fail(u->err, errno, "layer %s: read", u->o->layer_digest);
		u->failed = 1;
		return -1;
	}
	br_sha256_update(&u->diff, u->out, n);
	*buf = u->out;
	return n;
}

static la_ssize_t archive_read_cb(struct archive *a, void *ctx, const void **buf)
{
	return next_block(ctx, buf);
}

static int detect_format(struct unpacker *u)
{
	unsigned char magic[4] = {0};
	ssize_t n = pread(u->fd, magic, sizeof magic, 0);
	if (n < 0)
		return sk_fail(u->err, errno, "layer %s: read", u->o->layer_digest);
	if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return sk_fail(u->err, 0, "layer %s: zstd-compressed layers are not supported",
			       u->o->layer_digest);
	u->gzip = n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	if (u->gzip) {
		if (inflateInit2(&u->z, 16 + MAX_WBITS) != Z_OK)
			return sk_fail(u->err, ENOMEM, "inflate");
		u->z_ready = 1;
	}
	return 0;
}

/* ---- confined paths ---- */

/* Normalises an entry name into `out` ("a/b/c"): strips "./" and
 * trailing '/', refuses absolute names and "..". */
static int clean_name(struct unpacker *u, const char *name, char *out, size_t cap)
{
	if (!name || !*name)
		return reject(u, "", "empty name");
	if (name[0] == '/')
		return reject(u, name, "absolute path");
	size_t n = 0;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return reject(u, name, "path leaves the layer (..)");
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n + len + 2 > cap)
				return reject(u, name, "path too long");
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		p += *p == '/';
	}
	out[n] = '\0';
	return 0;
}

/* Opens the directory holding `path` (its last component excluded),
 * creating missing directories when `create`; never follows a symlink.
 * *base points at the last component. */
static int open_parent(struct unpacker *u, const char *entry, char *path, int create,
		       const char **base)
{
	int fd = dup(u->root);
	char *p = path;
	for (char *slash; fd >= 0 && (slash = strchr(p, '/')); p = slash + 1) {
		*slash = '\0';
		int next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create && mkdirat(fd, p, 0755) == 0)
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		*slash = '/';
		close(fd);
		fd = next;
		if (fd < 0 && (e == ELOOP || e == ENOTDIR))
			return reject(u, entry, "path goes through a symlink or a non-directory");
		if (fd < 0)
			return sk_fail(u->err, e, "layer %s: entry \"%.300s\"", u->o->layer_digest,
				       entry);
	}
	if (fd < 0)
		return sk_fail(u->err, errno, "dup");
	*base = p;
	return fd;
}

static int clear_target(struct unpacker *u, int dirfd, const char *base, int keep_dir)
{
	struct stat st;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sk_fail(u->err, errno, "stat %s", base);
	if (keep_dir && S_ISDIR(st.st_mode))
		return 1;
	return remove_tree_at(dirfd, base, u->err);
}

/* ---- entries ---- */

static void apply_xattrs(int fd, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* trusted.* (overlay's own attributes) must never come from a layer */
		if (strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0)
			fsetxattr(fd, name, value, size, 0);
	}
}

static int set_meta_fd(struct unpacker *u, int fd, struct archive_entry *e, const char *entry)
{
	if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0 ||
	    fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return sk_fail(u->err, errno, "layer %s: entry \"%.300s\": owner or mode",
			       u->o->layer_digest, entry);
	apply_xattrs(fd, e);
	return 0;
}

static int write_data(struct unpacker *u, struct archive *a, int fd, struct archive_entry *e,
		      const char *entry)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int64_t size = archive_entry_size(e);
	int r;
	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (int64_t)(off + len) > size)
			return reject(u, entry, "data beyond the entry's size");
		if (sk_pwrite_all(fd, buf, len, (uint64_t)off) < 0)
			return sk_fail(u->err, errno, "layer %s: write \"%.300s\"",
				       u->o->layer_digest, entry);
	}
	if (r != ARCHIVE_EOF)
		return u->failed ? -1 : reject(u, entry, archive_error_string(a));
	if (ftruncate(fd, size) < 0)
		return sk_fail(u->err, errno, "truncate");
	return 0;
}

static int make_file(struct unpacker *u, struct archive *a, int dirfd, const char *base,
		     struct archive_entry *e, const char *entry)
{
	if (clear_target(u, dirfd, base, 0) < 0)
		return -1;
	SK_AUTOCLOSE int fd =
	    openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sk_fail(u->err, errno, "layer %s: create \"%.300s\"", u->o->layer_digest,
			       entry);
	if (write_data(u, a, fd, e, entry) < 0 || set_meta_fd(u, fd, e, entry) < 0)
		return -1;
	struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
	futimens(fd, ts);
	return 0;
}

static int make_dir(struct unpacker *u, int dirfd, const char *base, struct archive_entry *e,
		    const char *entry)
{
	int r = clear_target(u, dirfd, base, 1);
	if (r < 0)
		return -1;
	if (r == 0 && mkdirat(dirfd, base, 0700) < 0)
		return sk_fail(u->err, errno, "layer %s: mkdir \"%.300s\"", u->o->layer_digest,
			       entry);
	SK_AUTOCLOSE int fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sk_fail(u->err, errno, "layer %s: open \"%.300s\"", u->o->layer_digest,
			       entry);
	return set_meta_fd(u, fd, e, entry);
}

static int make_symlink(struct unpacker *u, int dirfd, const char *base, struct archive_entry *e,
			const char *entry)
{
	const char *target = archive_entry_symlink(e);
	if (!target || !*target)
		return reject(u, entry, "symlink without a target");
	if (clear_target(u, dirfd, base, 0) < 0)
		return -1;
	/* The target is stored, never followed: later entries cannot pass through it. */
	if (symlinkat(target, dirfd, base) < 0 ||
	    fchownat(dirfd, base, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) <
		0)
		return sk_fail(u->err, errno, "layer %s: symlink \"%.300s\"", u->o->layer_digest,
			       entry);
	struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
	utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int make_hardlink(struct unpacker *u, int dirfd, const char *base, const char *link,
			 const char *entry)
{
	char target[PATH_MAX];
	const char *tbase;
	if (clean_name(u, link, target, sizeof target) < 0)
		return sk_wrap(u->err, "hardlink target of \"%.300s\"", entry);
	if (!*target)
		return reject(u, entry, "hardlink to the layer root");
	int tdir = open_parent(u, link, target, 0, &tbase);
	if (tdir < 0)
		return sk_wrap(u->err, "hardlink target of \"%.300s\"", entry);
	int r = clear_target(u, dirfd, base, 0);
	if (r >= 0 && linkat(tdir, tbase, dirfd, base, 0) < 0) {
		int e = errno;
		r = e == ENOENT ? reject(u, entry, "hardlink target is not in this layer")
				: sk_fail(u->err, e, "layer %s: link \"%.300s\"",
					  u->o->layer_digest, entry);
	}
	close(tdir);
	return r < 0 ? -1 : 0;
}

static int make_node(struct unpacker *u, int dirfd, const char *base, struct archive_entry *e,
		     const char *entry)
{
	mode_t type = archive_entry_filetype(e);
	if (type != AE_IFIFO && !u->o->allow_devices)
		return reject(u, entry, "device nodes are not allowed");
	if (clear_target(u, dirfd, base, 0) < 0)
		return -1;
	dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
	if (mknodat(dirfd, base, type | (archive_entry_perm(e) & 07777), dev) < 0 ||
	    fchownat(dirfd, base, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) <
		0)
		return sk_fail(u->err, errno, "layer %s: mknod \"%.300s\"", u->o->layer_digest,
			       entry);
	return 0;
}

/* DIR is the entry's directory relative to the layer ("" for its root):
 * in the image worker the runtime marks it opaque (a trusted.* attribute
 * needs CAP_SYS_ADMIN, which the worker does not keep). */
static int make_whiteout(struct unpacker *u, int dirfd, const char *dir, const char *base,
			 const char *entry)
{
	const char *victim = base + 4;
	if (strcmp(base, ".wh..wh..opq") == 0) {
		if (image_worker_fd() >= 0)
			return image_worker_send(WMSG_OPAQUE, dir, strlen(dir) + 1) < 0
				   ? sk_fail(u->err, errno, "layer %s: opaque marker",
					     u->o->layer_digest)
				   : 0;
		if (fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return sk_fail(u->err, errno, "layer %s: opaque marker \"%.300s\"",
				       u->o->layer_digest, entry);
		return 0;
	}
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return 0; /* other AUFS metadata carries nothing for overlay */
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return reject(u, entry, "bad whiteout name");
	if (clear_target(u, dirfd, victim, 0) < 0)
		return -1;
	if (mknodat(dirfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
		return sk_fail(u->err, errno, "layer %s: whiteout \"%.300s\"", u->o->layer_digest,
			       entry);
	return 0;
}

static int check_bounds(struct unpacker *u, struct archive_entry *e, const char *entry)
{
	char why[96];
	if (++u->entries > u->o->max_entries) {
		snprintf(why, sizeof why, "more than %llu entries",
			 (unsigned long long)u->o->max_entries);
		return reject(u, entry, why);
	}
	int64_t size = archive_entry_size(e);
	u->bytes += size > 0 ? (uint64_t)size : 0;
	if (size < 0 || u->bytes > u->o->max_bytes) {
		snprintf(why, sizeof why, "layer larger than %llu bytes",
			 (unsigned long long)u->o->max_bytes);
		return reject(u, entry, why);
	}
	return 0;
}

static int unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *e)
{
	const char *entry = archive_entry_pathname(e);
	char path[PATH_MAX];
	const char *base;
	if (check_bounds(u, e, entry ? entry : "") < 0 ||
	    clean_name(u, entry, path, sizeof path) < 0)
		return -1;
	if (!*path)
		return 0; /* "./": the layer root itself */
	int dirfd = open_parent(u, entry, path, 1, &base);
	if (dirfd < 0)
		return -1;
	const char *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	int r;
	if (strncmp(base, ".wh.", 4) == 0) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%.*s", base > path ? (int)(base - path - 1) : 0, path);
		r = make_whiteout(u, dirfd, dir, base, entry);
	} else if (link)
		r = make_hardlink(u, dirfd, base, link, entry);
	else if (type == AE_IFREG)
		r = make_file(u, a, dirfd, base, e, entry);
	else if (type == AE_IFDIR)
		r = make_dir(u, dirfd, base, e, entry);
	else if (type == AE_IFLNK)
		r = make_symlink(u, dirfd, base, e, entry);
	else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)
		r = make_node(u, dirfd, base, e, entry);
	else
		r = reject(u, entry, "unsupported entry type");
	close(dirfd);
	return r;
}

/* ---- the layer ---- */

static int finish_diff_id(struct unpacker *u)
{
	const void *buf;
	ssize_t n;
	while ((n = next_block(u, &buf)) > 0)
		;
	if (n < 0)
		return -1;
	char got[DIGEST_MAX];
	digest_final(&u->diff, got);
	if (u->o->diff_id && strcmp(got, u->o->diff_id) != 0)
		return sk_fail(u->err, 0, "layer %s: uncompressed digest %s, config says %s",
			       u->o->layer_digest, got, u->o->diff_id);
	return 0;
}

static int unpack_entries(struct unpacker *u, struct archive *a)
{
	struct archive_entry *e;
	int r;
	archive_read_support_format_tar(a);
	if (archive_read_open(a, u, NULL, archive_read_cb, NULL) != ARCHIVE_OK)
		return u->failed ? -1
				 : sk_fail(u->err, 0, "layer %s: %s", u->o->layer_digest,
					   archive_error_string(a));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		if (unpack_entry(u, a, e) < 0)
			return -1;
	if (r != ARCHIVE_EOF)
		return u->failed ? -1
				 : sk_fail(u->err, 0, "layer %s: bad tar: %s", u->o->layer_digest,
					   archive_error_string(a));
	return finish_diff_id(u);
}

/* libarchive hands a pax header's names (UTF-8 by the standard) over in
 * the caller's locale, and musl's C locale is ASCII: any other name was
 * refused. The thread unpacks in C.UTF-8, so names reach the disk byte for
 * byte, as Go's archive/tar (Docker, containerd) leaves them; Skiff's
 * libarchive does not rewrite them to NFC
 * (mk/thirdparty/libarchive/no-normalization.patch). */
static int unpack_entries_utf8(struct unpacker *u, struct archive *a)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!utf8)
		return sk_fail(u->err, errno, "layer %s: no C.UTF-8 locale", u->o->layer_digest);
	locale_t old = uselocale(utf8);
	int r = unpack_entries(u, a);
	uselocale(old);
	freelocale(utf8);
	return r;
}

int unpack_layer(int blob_fd, int dirfd, const struct unpack_opts *uo, struct sk_err *err)
{
	struct unpacker *u = calloc(1, sizeof *u);
	if (!u)
		return sk_fail(err, ENOMEM, "unpack");
	u->o = uo;
	u->root = dirfd;
	u->fd = blob_fd;
	u->err = err;
	br_sha256_init(&u->diff);
	int r = detect_format(u);
	struct archive *a = r == 0 ? archive_read_new() : NULL;
	if (r == 0 && !a)
		r = sk_fail(err, ENOMEM, "archive_read_new");
	if (r == 0)
		r = unpack_entries_utf8(u, a);
	if (a)
		archive_read_free(a);
	if (u->z_ready)
		inflateEnd(&u->z);
	free(u);
	return r;
}

int remove_tree_at(int dirfd, const char *name, struct sk_err *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return sk_fail(err, errno, "remove %s", name);
		return 0;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sk_fail(err, errno, "open %s", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sk_fail(err, errno, "opendir %s", name);
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = remove_tree_at(fd, de->d_name, err);
	closedir(d);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", name);
	return r;
}
