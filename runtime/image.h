/* OCI images on a node: pull from a distribution-spec registry, import an
 * OCI image layout, keep blobs content-addressed and verified under the
 * data directory, unpack each layer once (safely) and generate OCI
 * runtime bundles whose root is an overlayfs of the image's layers plus
 * the container's own R/W layer.
 *
 * Data directory layout (default /var/lib/skiff):
 *   blobs/sha256/<hex>          verified blobs (manifests, configs, layers)
 *   layers/sha256/<diffid hex>/ one unpacked layer (overlay lower dir)
 *   images/<escaped ref>.json   name:tag -> manifest digest
 *   containers/<id>/            upper/, work/, image.json (keeps its image from gc)
 *   tmp/                        partial downloads and unpacks
 */
#ifndef SK_IMAGE_H
#define SK_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "err.h"

#define IMAGE_DEFAULT_DATA "/var/lib/skiff"

struct image_opts {
	const char *data_dir;	     /* NULL: IMAGE_DEFAULT_DATA */
	const char *creds;	     /* "user:password" for the registry, or NULL */
	const char *auth_file;	     /* docker-style config.json with "auths", or NULL */
	const char *const *insecure; /* "host:port" spoken to over plain HTTP; NULL-terminated */
	const char *ca_file;	     /* NULL: /etc/ssl/certs/ca-certificates.crt */
	const char *platform;	     /* "os/arch[/variant]"; NULL: linux/amd64 */
	int timeout_ms;		     /* per network operation; 0: 30 s */
	int allow_devices;	     /* let layers create device nodes */
	uint64_t max_layer_entries;  /* 0: 1,000,000 */
	uint64_t max_layer_bytes;    /* uncompressed, 0: 16 GiB */
	FILE *progress;		     /* one line per step, or NULL */
};

struct image_info {
	char name[512];	 /* registry/repository:tag */
	char digest[80]; /* manifest digest */
	char config[80]; /* config digest */
	uint64_t size;	 /* compressed size of config + layers */
	int64_t created; /* when it was pulled or loaded (Unix time) */
};

int image_pull(const struct image_opts *o, const char *ref, struct image_info *out,
	       struct sk_err *err);
/* Imports every manifest of an OCI image layout directory. Tags come from
 * the org.opencontainers.image.ref.name annotation; a bare tag is joined
 * to `name` (the repository, may be NULL when annotations are full refs). */
int image_load(const struct image_opts *o, const char *layout_dir, const char *name,
	       struct image_info **out, size_t *n, struct sk_err *err);
int image_list(const struct image_opts *o, struct image_info **out, size_t *n, struct sk_err *err);
int image_remove(const struct image_opts *o, const char *ref, struct sk_err *err);

struct image_gc_stats {
	unsigned blobs_removed, layers_removed, tmp_removed;
	uint64_t bytes_freed;
};
/* Removes blobs, layers and leftovers no image or container references. */
int image_gc(const struct image_opts *o, struct image_gc_stats *st, struct sk_err *err);

struct bundle_opts {
	const char *const *entrypoint; /* replaces the image's Entrypoint (and drops its Cmd) */
	const char *const *cmd;	       /* replaces the image's Cmd */
	const char *const *env;	       /* "K=V", added to / overriding the image's Env */
	const char *workdir;
	const char *user; /* "uid[:gid]" or "name[:group]" resolved in the image */
	const char *hostname;
	int no_mount; /* write config.json and the R/W layer but do not mount */
};

/* Writes BUNDLE/config.json from the image config and mounts the overlay
 * (lowerdirs = the image's layers, upper/work = DATA/containers/ID) at
 * BUNDLE/rootfs, which config.json names as root.path — the shape a
 * runc-style runtime expects. */
int image_bundle_create(const struct image_opts *o, const char *ref, const char *id,
			const char *bundle_dir, const struct bundle_opts *b, struct sk_err *err);
/* Unmounts BUNDLE/rootfs and removes DATA/containers/ID. */
int image_bundle_remove(const struct image_opts *o, const char *id, const char *bundle_dir,
			struct sk_err *err);

#endif
