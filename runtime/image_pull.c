/* The image pipeline shared by pull and load: resolve the manifest
 * (choosing a platform from an index), fetch the config and layers into
 * the blob store, unpack each layer once, record the ref. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "image_internal.h"
#include "image_worker.h"

const char *image_data_dir(const struct image_opts *o)
{
	return o->data_dir ? o->data_dir : IMAGE_DEFAULT_DATA;
}

static int get_manifest_checked(struct image_source *src, const char *reference,
				const char *expected, int64_t size, char **body, size_t *len,
				char *ct, size_t ct_cap, char digest[DIGEST_MAX],
				struct sk_err *err)
{
	if (src->get_manifest(src, reference, body, len, ct, ct_cap, err) < 0)
		return -1;
	digest_of(*body, *len, digest);
	if ((expected && strcmp(expected, digest) != 0) || (size >= 0 && (int64_t)*len != size)) {
		free(*body);
		*body = NULL;
		return sk_fail(err, 0,
			       "manifest %.100s: content has digest %s, size %zu; expected %s",
			       reference, digest, *len, expected ? expected : "(any)");
	}
	return 0;
}

static int resolve_manifest(const struct image_opts *o, const struct blobstore *bs,
			    struct image_source *src, const char *reference, const char *expected,
			    struct manifest *m, char digest[DIGEST_MAX], struct sk_err *err)
{
	SK_AUTOFREE char *body = NULL;
	size_t len;
	char ct[128];
	if (get_manifest_checked(src, reference, expected, -1, &body, &len, ct, sizeof ct, digest,
				 err) < 0 ||
	    manifest_parse(body, len, ct, m, err) < 0)
		return -1;
	if (m->kind == MANIFEST_INDEX) {
		struct descriptor d;
		int r = manifest_select(m, o->platform, &d, err);
		manifest_free(m);
		free(body);
		body = NULL;
		if (r < 0 ||
		    get_manifest_checked(src, d.digest, d.digest, d.size, &body, &len, ct,
					 sizeof ct, digest, err) < 0 ||
		    manifest_parse(body, len, ct, m, err) < 0)
			return -1;
		if (m->kind != MANIFEST_IMAGE) {
			manifest_free(m);
			return sk_fail(err, 0, "manifest %s: nested index not supported", d.digest);
		}
	}
	if (blobstore_put(bs, digest, body, len, err) < 0) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

static void layer_dir(const struct blobstore *bs, const char *diff_id, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/layers/sha256/%s", bs->root, diff_id + 7);
}

static int unpack_into(const struct image_opts *o, const struct blobstore *bs,
		       const struct descriptor *d, const char *diff_id, const char *tmp,
		       struct sk_err *err)
{
	char blob[700];
	struct unpack_opts uo = {
	    .layer_digest = d->digest,
	    .diff_id = diff_id,
	    .allow_devices = o->allow_devices,
	    .max_entries = o->max_layer_entries ? o->max_layer_entries : 1000000,
	    .max_bytes = o->max_layer_bytes ? o->max_layer_bytes : (16ull << 30),
	};
	blobstore_path(bs, d->digest, blob, sizeof blob);
	SK_AUTOCLOSE int bfd = open(blob, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return sk_fail(err, errno, "open %s", blob);
	if (mkdir(tmp, 0755) < 0)
		return sk_fail(err, errno, "mkdir %s", tmp);
	SK_AUTOCLOSE int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return sk_fail(err, errno, "open %s", tmp);
	return unpack_layer(bfd, dfd, &uo, err);
}

/* In the image worker, the runtime finishes the layer (opaque markers,
 * the move into layers/) and answers once it is there. */
static int hand_over(const char *diff_id, struct sk_err *err)
{
	char ack;

	if (image_worker_send(WMSG_LAYER, diff_id, strlen(diff_id) + 1) < 0 ||
	    recv(image_worker_fd(), &ack, 1, 0) != 1)
		return sk_fail(err, errno, "layer %s: the runtime did not take it", diff_id);
	return 0;
}

static int unpack_once(const struct image_opts *o, const struct blobstore *bs,
		       const struct descriptor *d, const char *diff_id, struct sk_err *err)
{
	char final[700], tmp[700];
	layer_dir(bs, diff_id, final, sizeof final);
	image_layer_tmp(bs->root, diff_id, (int)getpid(), tmp, sizeof tmp);
	remove_tree_at(AT_FDCWD, tmp, NULL);
	if (o->progress)
		fprintf(o->progress, "unpacking %s\n", d->digest);
	if (unpack_into(o, bs, d, diff_id, tmp, err) < 0) {
		remove_tree_at(AT_FDCWD, tmp, NULL);
		return -1;
	}
	if (image_worker_fd() >= 0)
		return hand_over(diff_id, err);
	/* The rename marks the layer complete; a racing unpacker's copy is dropped. */
	if (rename(tmp, final) < 0) {
		int e = errno;
		remove_tree_at(AT_FDCWD, tmp, NULL);
		if (e != EEXIST && e != ENOTEMPTY)
			return sk_fail(err, e, "rename %s", tmp);
	}
	return 0;
}

static int layer_usable(const struct descriptor *d, struct sk_err *err)
{
	switch (layer_compression_of(d->media_type)) {
	case LAYER_TAR:
	case LAYER_GZIP:
		return 0;
	case LAYER_ZSTD:
		return sk_fail(err, 0, "layer %s: zstd-compressed layers are not supported",
			       d->digest);
	default:
		return sk_fail(err, 0, "layer %s: unsupported media type \"%s\"", d->digest,
			       d->media_type);
	}
}

int image_layers_ensure(const struct image_opts *o, const struct blobstore *bs,
			struct image_source *src, const struct manifest *m,
			const struct image_config *cfg, struct sk_err *err)
{
	char dir[700];
	struct stat st;
	if (cfg->n != m->n)
		return sk_fail(err, 0, "image has %zu layers but its config lists %zu diff_ids",
			       m->n, cfg->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct descriptor *d = &m->entries[i];
		layer_dir(bs, cfg->diff_ids[i], dir, sizeof dir);
		if (stat(dir, &st) == 0) {
			if (o->progress)
				fprintf(o->progress, "layer %s already unpacked\n", d->digest);
			continue;
		}
		if (layer_usable(d, err) < 0)
			return -1;
		if (!blobstore_has(bs, d->digest, d->size) && src &&
		    src->fetch_blob(src, d, bs, err) < 0)
			return -1;
		if (unpack_once(o, bs, d, cfg->diff_ids[i], err) < 0)
			return -1;
	}
	return 0;
}

static int fetch_config(struct image_source *src, const struct blobstore *bs,
			const struct descriptor *d, struct image_config *cfg, struct sk_err *err)
{
	SK_AUTOFREE char *body = NULL;
	size_t len;
	if (d->size > (int64_t)MAX_CONFIG_BYTES)
		return sk_fail(err, 0, "config %s: larger than %u bytes", d->digest,
			       MAX_CONFIG_BYTES);
	if (!blobstore_has(bs, d->digest, d->size) && src->fetch_blob(src, d, bs, err) < 0)
		return -1;
	if (blobstore_read(bs, d->digest, MAX_CONFIG_BYTES, &body, &len, err) < 0)
		return -1;
	return image_config_parse(body, len, cfg, err);
}

static void fill_info(struct image_info *info, const char *name, const char *digest,
		      const struct manifest *m)
{
	memset(info, 0, sizeof *info);
	snprintf(info->name, sizeof info->name, "%s", name);
	snprintf(info->digest, sizeof info->digest, "%s", digest);
	snprintf(info->config, sizeof info->config, "%s", m->config.digest);
	info->size = m->config.size;
	for (size_t i = 0; i < m->n; i++)
		info->size += m->entries[i].size;
	info->created = time(NULL);
}

int image_fetch(const struct image_opts *o, struct image_source *src, const char *reference,
		const char *expected_digest, const char *name, struct image_info *out,
		struct sk_err *err)
{
	struct blobstore bs;
	struct manifest m;
	struct image_config cfg;
	char digest[DIGEST_MAX];
	if (blobstore_open(&bs, image_data_dir(o), err) < 0 ||
	    resolve_manifest(o, &bs, src, reference, expected_digest, &m, digest, err) < 0)
		return sk_wrap(err, "%s", name);
	int r = fetch_config(src, &bs, &m.config, &cfg, err);
	if (r == 0) {
		r = image_layers_ensure(o, &bs, src, &m, &cfg, err);
		image_config_free(&cfg);
	}
	if (r == 0) {
		fill_info(out, name, digest, &m);
		r = image_worker_fd() >= 0 ? image_worker_send(WMSG_RESULT, out, sizeof *out)
					   : store_ref_write(bs.root, out, err);
	}
	manifest_free(&m);
	return r < 0 ? sk_wrap(err, "%s", name) : 0;
}

int image_pull(const struct image_opts *o, const char *refstr, struct image_info *out,
	       struct sk_err *err)
{
	struct image_info *v;
	size_t n;

	if (image_worker_run(o, refstr, NULL, NULL, &v, &n, err) < 0)
		return -1;
	*out = v[0];
	free(v);
	return 0;
}

int image_pull_here(const struct image_opts *o, const char *refstr, struct image_info *out,
		    struct sk_err *err)
{
	struct image_ref ref;
	struct image_source *src;
	char name[600];
	if (image_ref_parse(refstr, &ref, err) < 0)
		return -1;
	image_ref_name(&ref, name, sizeof name);
	if (registry_source_open(o, &ref, &src, err) < 0)
		return sk_wrap(err, "%s", name);
	const char *reference = ref.digest[0] ? ref.digest : ref.tag;
	int r = image_fetch(o, src, reference, ref.digest[0] ? ref.digest : NULL, name, out, err);
	src->close(src);
	return r;
}
