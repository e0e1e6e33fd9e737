/* Internal interfaces between the image modules (references, blob store,
 * registry client, manifests, layer unpacking, the ref store). */
#ifndef SK_IMAGE_INTERNAL_H
#define SK_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

#define MAX_MANIFEST_BYTES (4u << 20)
#define MAX_CONFIG_BYTES   (4u << 20)
#define MAX_LAYERS	   256
#define DIGEST_MAX	   80

/* ---- references and digests (image_ref.c) ---- */

struct image_ref {
	char registry[256]; /* "docker.io", "127.0.0.1:5000" */
	char repo[256];	    /* "library/busybox" */
	char tag[129];	    /* "latest"; empty when only a digest was given */
	char digest[DIGEST_MAX];
};

/* Parses and normalises [registry/]repo[:tag][@sha256:hex]. */
int image_ref_parse(const char *s, struct image_ref *r, struct sk_err *err);
/* "registry/repo:tag" (or "registry/repo@digest" without a tag). */
void image_ref_name(const struct image_ref *r, char *buf, size_t cap);
/* The host:port to contact for a registry name (docker.io -> registry-1.docker.io). */
const char *image_ref_api_host(const struct image_ref *r);
/* Checks "sha256:<64 lower-case hex>"; other algorithms are refused. */
int digest_check(const char *digest, struct sk_err *err);
void digest_of(const void *data, size_t len, char out[DIGEST_MAX]);
/* Streaming digests use BearSSL's SHA-256 (several times faster than
 * lib/sha256.c at -Os, which matters for multi-GiB layers). */
void digest_final(const void *br_sha256_ctx, char out[DIGEST_MAX]);

/* ---- descriptors, manifests, configs (image_manifest.c) ---- */

struct descriptor {
	char media_type[128];
	char digest[DIGEST_MAX];
	int64_t size;
	char os[32], arch[32], variant[32];
	char ref_name[256]; /* org.opencontainers.image.ref.name */
};

enum manifest_kind { MANIFEST_INDEX, MANIFEST_IMAGE };
enum layer_compression { LAYER_TAR, LAYER_GZIP, LAYER_ZSTD, LAYER_UNKNOWN };

struct manifest {
	enum manifest_kind kind;
	struct descriptor config;
	struct descriptor *entries; /* layers, or an index's manifests */
	size_t n;
};

int manifest_parse(const char *body, size_t len, const char *content_type, struct manifest *m,
		   struct sk_err *err);
void manifest_free(struct manifest *m);
/* Picks the entry of an index matching "os/arch[/variant]". */
int manifest_select(const struct manifest *index, const char *platform, struct descriptor *out,
		    struct sk_err *err);
enum layer_compression layer_compression_of(const char *media_type);
/* The Accept header value for manifest requests. */
extern const char manifest_accept[];

struct image_config {
	char **diff_ids;
	size_t n;
};
int image_config_parse(const char *body, size_t len, struct image_config *c, struct sk_err *err);
void image_config_free(struct image_config *c);

/* ---- blob store (blobstore.c) ---- */

struct blobstore {
	char root[512]; /* the data directory */
};

int blobstore_open(struct blobstore *bs, const char *data_dir, struct sk_err *err);
void blobstore_path(const struct blobstore *bs, const char *digest, char *buf, size_t cap);
int blobstore_has(const struct blobstore *bs, const char *digest, int64_t size);
/* Bytes of DIGEST an unfinished download left (0 when none). */
uint64_t blobstore_partial_size(const struct blobstore *bs, const char *digest);
/* Reads a stored blob (at most max bytes) and checks its digest again. */
int blobstore_read(const struct blobstore *bs, const char *digest, size_t max, char **out,
		   size_t *len, struct sk_err *err);
/* Stores bytes already in memory after checking them against digest. */
int blobstore_put(const struct blobstore *bs, const char *digest, const void *data, size_t len,
		  struct sk_err *err);

/* A download in progress: tmp/<hex>.partial, resumable. */
struct blob_writer {
	const struct blobstore *bs;
	char digest[DIGEST_MAX];
	int64_t size;
	int fd;
	uint64_t written;
	void *hash; /* br_sha256_context */
	char tmp[600];
};
/* Opens (or resumes) the partial file; w->written is where to resume. */
int blob_writer_begin(const struct blobstore *bs, const struct descriptor *d, struct blob_writer *w,
		      struct sk_err *err);
/* Starts over from byte 0 (the server ignored a range request). */
int blob_writer_restart(struct blob_writer *w, struct sk_err *err);
int blob_writer_write(struct blob_writer *w, const void *data, size_t len, struct sk_err *err);
/* Verifies size and digest, then renames into place. On mismatch the
 * partial file is deleted. */
int blob_writer_commit(struct blob_writer *w, struct sk_err *err);
/* Closes; keeps the partial file for a later resume. */
void blob_writer_end(struct blob_writer *w);

/* ---- where blobs come from: a registry or an OCI layout ---- */

struct image_source {
	/* Fetches a manifest by tag or digest (bounded by MAX_MANIFEST_BYTES). */
	int (*get_manifest)(struct image_source *s, const char *reference, char **body, size_t *len,
			    char *content_type, size_t ct_cap, struct sk_err *err);
	/* Fetches a blob into the store, verified. */
	int (*fetch_blob)(struct image_source *s, const struct descriptor *d,
			  const struct blobstore *bs, struct sk_err *err);
	void (*close)(struct image_source *s);
};

int registry_source_open(const struct image_opts *o, const struct image_ref *ref,
			 struct image_source **out, struct sk_err *err);
int layout_source_open(const char *dir, struct image_source **out, struct sk_err *err);

/* Registry authentication (registry_auth.c). */
struct auth_challenge {
	char scheme[16]; /* "Bearer" or "Basic" */
	char realm[1024];
	char service[256];
	char scope[512];
};
int auth_challenge_parse(const char *header, struct auth_challenge *c, struct sk_err *err);
/* Finds credentials "user:pass" for a registry: opts->creds, then
 * SKIFF_REGISTRY_CREDS, then the auth file's "auths". Empty if none. */
int auth_find_creds(const struct image_opts *o, const char *registry, char *out, size_t cap,
		    struct sk_err *err);

/* ---- layers (unpack.c) ---- */

struct unpack_opts {
	const char *layer_digest; /* for messages */
	const char *diff_id;	  /* expected sha256 of the uncompressed tar, or NULL */
	int allow_devices;
	uint64_t max_entries;
	uint64_t max_bytes;
};
/* Unpacks a layer blob (gzip or plain tar) into the empty directory dirfd. */
int unpack_layer(int blob_fd, int dirfd, const struct unpack_opts *uo, struct sk_err *err);
/* Removes a tree below dirfd without following symlinks. */
int remove_tree_at(int dirfd, const char *name, struct sk_err *err);

/* ---- the image pipeline and ref store (image_pull.c, image_store.c) ---- */

/* image_pull and image_load in the calling process (the image worker). */
int image_pull_here(const struct image_opts *o, const char *ref, struct image_info *out,
		    struct sk_err *err);
int image_load_here(const struct image_opts *o, const char *layout_dir, const char *name,
		    struct image_info **out, size_t *n, struct sk_err *err);
int image_fetch(const struct image_opts *o, struct image_source *src, const char *reference,
		const char *expected_digest, const char *name, struct image_info *out,
		struct sk_err *err);
int image_layers_ensure(const struct image_opts *o, const struct blobstore *bs,
			struct image_source *src, const struct manifest *m,
			const struct image_config *cfg, struct sk_err *err);
const char *image_data_dir(const struct image_opts *o);
int store_ref_write(const char *data_dir, const struct image_info *info, struct sk_err *err);
int store_ref_read(const char *data_dir, const char *name, struct image_info *info,
		   struct sk_err *err);
/* Resolves a user's image argument (short or full name) to a stored ref. */
int store_ref_lookup(const char *data_dir, const char *arg, struct image_info *info,
		     struct sk_err *err);
/* Loads the manifest and config of a stored image from the blob store. */
int store_image_open(const struct blobstore *bs, const char *manifest_digest, struct manifest *m,
		     char **config_json, size_t *config_len, struct image_config *cfg,
		     struct sk_err *err);

/* ---- bundles (bundle_gen.c, bundle_gen_mount.c) ---- */

struct cJSON;
struct bundle_user {
	unsigned uid, gid;
};
struct cJSON *bundle_config(const struct cJSON *image_config, const struct bundle_opts *b,
			    const struct bundle_user *u, const struct image_info *info,
			    struct sk_err *err);
/* The uid and gid of SPEC ("uid[:gid]" or "name[:group]", the image's
 * User) from the image's /etc/passwd and /etc/group under ROOTFD. */
int bundle_resolve_user(int rootfd, const char *spec, struct bundle_user *u, struct sk_err *err);

#endif
