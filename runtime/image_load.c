/* `load`: imports an OCI image layout directory (oci-layout, index.json,
 * blobs/sha256/...) as an image source; every blob is copied into the
 * store through the same digest and size checks as a download. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "image_internal.h"
#include "image_worker.h"

struct layout_source {
	struct image_source base;
	char dir[1024];
};

static int lay_get_manifest(struct image_source *s, const char *reference, char **body, size_t *len,
			    char *ct, size_t ct_cap, struct sk_err *err)
{
	struct layout_source *l = (struct layout_source *)s;
	char path[1200];
	if (digest_check(reference, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/blobs/sha256/%s", l->dir, reference + 7);
	ct[0] = '\0';
	return sk_read_file(path, MAX_MANIFEST_BYTES, body, len, err);
}

static int copy_blob(int fd, struct blob_writer *w, struct sk_err *err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "read");
		if (n == 0)
			return 0;
		if (blob_writer_write(w, buf, n, err) < 0)
			return -1;
	}
}

static int lay_fetch_blob(struct image_source *s, const struct descriptor *d,
			  const struct blobstore *bs, struct sk_err *err)
{
	struct layout_source *l = (struct layout_source *)s;
	struct blob_writer w;
	char path[1200];
	snprintf(path, sizeof path, "%s/blobs/sha256/%s", l->dir, d->digest + 7);
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	int r = blob_writer_begin(bs, d, &w, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = blob_writer_restart(&w, err);
	if (r == 0)
		r = copy_blob(fd, &w, err);
	if (r == 0)
		r = blob_writer_commit(&w, err);
	blob_writer_end(&w);
	if (r < 0)
		unlink(w.tmp);
	return r < 0 ? sk_wrap(err, "%s", path) : 0;
}

static void lay_close(struct image_source *s)
{
	free(s);
}

int layout_source_open(const char *dir, struct image_source **out, struct sk_err *err)
{
	char path[1200];
	SK_AUTOFREE char *text = NULL;
	size_t len;
	snprintf(path, sizeof path, "%s/oci-layout", dir);
	if (sk_read_file(path, 4096, &text, &len, err) < 0)
		return sk_wrap(err, "not an OCI image layout");
	if (!strstr(text, "\"imageLayoutVersion\""))
		return sk_fail(err, 0, "%s: no imageLayoutVersion", path);
	struct layout_source *l = calloc(1, sizeof *l);
	if (!l)
		return sk_fail(err, ENOMEM, "layout");
	if (strlen(dir) >= sizeof l->dir) {
		free(l);
		return sk_fail(err, ENAMETOOLONG, "%s", dir);
	}
	l->base = (struct image_source){lay_get_manifest, lay_fetch_blob, lay_close};
	strcpy(l->dir, dir);
	*out = &l->base;
	return 0;
}

/* The ref name for one index entry: a full reference in the annotation,
 * or a tag joined to `name`, or `name` itself. */
static int entry_name(const struct descriptor *d, const char *name, char *out, size_t cap,
		      struct sk_err *err)
{
	char buf[800];
	struct image_ref ref;
	const char *tag = d->ref_name;
	if (tag[0] && (strchr(tag, '/') || !name))
		snprintf(buf, sizeof buf, "%s", tag);
	else if (tag[0])
		snprintf(buf, sizeof buf, "%s:%s", name, tag);
	else if (name)
		snprintf(buf, sizeof buf, "%s", name);
	else
		return sk_fail(err, 0, "manifest %s has no ref.name annotation; give a name",
			       d->digest);
	if (image_ref_parse(buf, &ref, err) < 0)
		return -1;
	image_ref_name(&ref, out, cap);
	return 0;
}

static int load_entries(const struct image_opts *o, struct image_source *src,
			const struct manifest *idx, const char *name, struct image_info **out,
			size_t *n, struct sk_err *err)
{
	for (size_t i = 0; i < idx->n; i++) {
		char ref[600];
		struct image_info *v = realloc(*out, (*n + 1) * sizeof *v);
		if (!v)
			return sk_fail(err, ENOMEM, "load");
		*out = v;
		if (entry_name(&idx->entries[i], name, ref, sizeof ref, err) < 0 ||
		    image_fetch(o, src, idx->entries[i].digest, idx->entries[i].digest, ref, &v[*n],
				err) < 0)
			return sk_wrap(err, "index.json manifests[%zu]", i);
		(*n)++;
	}
	return 0;
}

int image_load(const struct image_opts *o, const char *dir, const char *name,
	       struct image_info **out, size_t *n, struct sk_err *err)
{
	*out = NULL;
	*n = 0;
	return image_worker_run(o, NULL, dir, name, out, n, err);
}

int image_load_here(const struct image_opts *o, const char *dir, const char *name,
		    struct image_info **out, size_t *n, struct sk_err *err)
{
	struct image_source *src;
	struct manifest idx;
	SK_AUTOFREE char *text = NULL;
	size_t len;
	char path[1200];
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s/index.json", dir);
	if (layout_source_open(dir, &src, err) < 0)
		return sk_wrap(err, "load %s", dir);
	int r = sk_read_file(path, MAX_MANIFEST_BYTES, &text, &len, err);
	if (r == 0)
		r = manifest_parse(text, len, "application/vnd.oci.image.index.v1+json", &idx, err);
	if (r == 0) {
		r = load_entries(o, src, &idx, name, out, n, err);
		manifest_free(&idx);
	}
	src->close(src);
	return r < 0 ? sk_wrap(err, "load %s", dir) : 0;
}
