/* The content-addressed blob store: DATA/blobs/sha256/<hex>. Blobs only
 * enter it by rename after their size and digest were checked; downloads
 * go to DATA/tmp/<hex>.partial (locked, resumable) first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdir_p.h"
#include "cleanup.h"
#include "file.h"
#include "image_internal.h"
#include <bearssl.h>

int blobstore_open(struct blobstore *bs, const char *data_dir, struct sk_err *err)
{
	static const char *const dirs[] = {"blobs/sha256", "layers/sha256", "images", "containers",
					   "tmp"};
	char path[1024];
	if (strlen(data_dir) >= sizeof bs->root - 64)
		return sk_fail(err, ENAMETOOLONG, "data directory %s", data_dir);
	strcpy(bs->root, data_dir);
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(path, sizeof path, "%s/%s", data_dir, dirs[i]);
		if (sk_mkdir_p(path, 0700, err) < 0)
			return sk_wrap(err, "data directory");
	}
	return 0;
}

void blobstore_path(const struct blobstore *bs, const char *digest, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/blobs/sha256/%s", bs->root, digest + 7);
}

static void partial_path(const struct blobstore *bs, const char *digest, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/tmp/%s.partial", bs->root, digest + 7);
}

uint64_t blobstore_partial_size(const struct blobstore *bs, const char *digest)
{
	char path[700];
	struct stat st;

	partial_path(bs, digest, path, sizeof path);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int blobstore_has(const struct blobstore *bs, const char *digest, int64_t size)
{
	char path[700];
	struct stat st;
	blobstore_path(bs, digest, path, sizeof path);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return size < 0 || st.st_size == size;
}

int blobstore_read(const struct blobstore *bs, const char *digest, size_t max, char **out,
		   size_t *len, struct sk_err *err)
{
	char path[700], got[DIGEST_MAX];
	blobstore_path(bs, digest, path, sizeof path);
	if (sk_read_file(path, max, out, len, err) < 0)
		return sk_wrap(err, "blob %s", digest);
	digest_of(*out, *len, got);
	if (strcmp(got, digest) != 0) {
		free(*out);
		*out = NULL;
		return sk_fail(err, 0, "blob %s: stored content has digest %s", digest, got);
	}
	return 0;
}

int blobstore_put(const struct blobstore *bs, const char *digest, const void *data, size_t len,
		  struct sk_err *err)
{
	struct descriptor d = {.size = (int64_t)len};
	struct blob_writer w;
	snprintf(d.digest, sizeof d.digest, "%s", digest);
	int r = blob_writer_begin(bs, &d, &w, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (blob_writer_restart(&w, err) < 0 || blob_writer_write(&w, data, len, err) < 0 ||
	    blob_writer_commit(&w, err) < 0) {
		blob_writer_end(&w);
		return -1;
	}
	blob_writer_end(&w);
	return 0;
}

/* Hashes what an earlier attempt left in the partial file. */
static int rehash_partial(struct blob_writer *w, struct sk_err *err)
{
	char buf[65536];
	struct stat st;
	if (fstat(w->fd, &st) < 0)
		return sk_fail(err, errno, "stat %s", w->tmp);
	if (st.st_size > w->size)
		return blob_writer_restart(w, err);
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read %s", w->tmp);
		if (n == 0)
			break;
		br_sha256_update(w->hash, buf, n);
		w->written += n;
	}
	return 0;
}

/* Returns 0 when the writer is ready, 1 when the blob is already stored
 * (another process finished it while we waited for the lock), < 0 on error. */
int blob_writer_begin(const struct blobstore *bs, const struct descriptor *d, struct blob_writer *w,
		      struct sk_err *err)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	if (digest_check(d->digest, err) < 0)
		return -1;
	if (d->size < 0)
		return sk_fail(err, 0, "blob %s: negative size", d->digest);
	w->bs = bs;
	strcpy(w->digest, d->digest);
	w->size = d->size;
	partial_path(bs, d->digest, w->tmp, sizeof w->tmp);
	w->fd = open(w->tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0)
		return sk_fail(err, errno, "open %s", w->tmp);
	if (flock(w->fd, LOCK_EX) < 0 || !(w->hash = malloc(sizeof(br_sha256_context)))) {
		blob_writer_end(w);
		return sk_fail(err, errno ? errno : ENOMEM, "lock %s", w->tmp);
	}
	br_sha256_init(w->hash);
	if (blobstore_has(bs, d->digest, d->size)) {
		blob_writer_end(w);
		return 1;
	}
	if (rehash_partial(w, err) < 0) {
		blob_writer_end(w);
		return -1;
	}
	return 0;
}

int blob_writer_restart(struct blob_writer *w, struct sk_err *err)
{
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return sk_fail(err, errno, "truncate %s", w->tmp);
	br_sha256_init(w->hash);
	w->written = 0;
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len, struct sk_err *err)
{
	if (w->written + len > (uint64_t)w->size)
		return sk_fail(err, 0, "blob %s: more than the %lld bytes its descriptor says",
			       w->digest, (long long)w->size);
	if (sk_write_all(w->fd, data, len) < 0)
		return sk_fail(err, errno, "write %s", w->tmp);
	br_sha256_update(w->hash, data, len);
	w->written += len;
	return 0;
}

int blob_writer_commit(struct blob_writer *w, struct sk_err *err)
{
	char got[DIGEST_MAX], path[700];
	if (w->written != (uint64_t)w->size)
		return sk_fail(err, 0, "blob %s: got %llu bytes, expected %lld", w->digest,
			       (unsigned long long)w->written, (long long)w->size);
	digest_final(w->hash, got);
	if (strcmp(got, w->digest) != 0) {
		unlink(w->tmp);
		return sk_fail(err, 0, "blob %s: content has digest %s; discarded", w->digest, got);
	}
	if (fsync(w->fd) < 0)
		return sk_fail(err, errno, "fsync %s", w->tmp);
	blobstore_path(w->bs, w->digest, path, sizeof path);
	if (rename(w->tmp, path) < 0)
		return sk_fail(err, errno, "rename %s", w->tmp);
	return 0;
}

void blob_writer_end(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->hash);
	w->hash = NULL;
}
