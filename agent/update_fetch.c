/* The update worker, a child of the agent: downloads the update artifact
 * with the runtime's registry client (resumable: partial blobs stay under
 * <data>/update/download/tmp and continue with HTTP Range, after a broken
 * connection as after a restart of the agent), checks all of
 * it before anything is written (signature, key id, version, sizes, and
 * each layer against the signed manifest), then writes the inactive root
 * slot and its UKI. It tells the agent each step on a pipe, one line
 * each; the agent alone reports to etcd. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_log.h"
#include "cleanup.h"
#include "file.h"
#include "runtime/image_internal.h"
#include "update_internal.h"

#define MT_UPDATE    "application/vnd.skiff.update.v1+json"
#define MT_SIGNATURE "application/vnd.skiff.update.signature.v1"
#define MT_UKI	     "application/vnd.skiff.update.uki.v1"
#define MT_ROOT	     "application/vnd.skiff.update.root.v1"

/* Waits before trying the registry again after the network failed: a
 * minute in all before the update is given up, long enough for a registry
 * restart or a short outage. A try that brought bytes starts the schedule
 * over: a link that keeps breaking but moves on is not dead. */
static const unsigned retry_s[] = {4, 8, 16, 32};
#define TRIES (int)(sizeof retry_s / sizeof *retry_s + 1)

static int out_fd = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1100];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[strcspn(line, "\n")] = '\0';
	n = (int)strlen(line);
	line[n++] = '\n';
	if (sk_write_all(out_fd, line, (size_t)n) < 0)
		_exit(2);
}

static void __attribute__((noreturn)) finish(const char *outcome, const struct sk_err *err)
{
	say("%s %s", outcome, err->msg);
	_exit(1);
}

/* After the failed try number *TRIES: 1 after a wait when the network is
 * to blame and tries are left; else 0, ERR saying why. */
static int again(int *tries, struct sk_err *err)
{
	unsigned total = 0;

	if (err->cls != SK_ERR_NET)
		return 0;
	if (*tries >= TRIES) {
		for (int i = 0; i < TRIES - 1; i++)
			total += retry_s[i];
		return sk_wrap(err, "no progress in %d tries over %u s", TRIES, total), 0;
	}
	agent_log("update: %s; trying again in %u s (try %d of %d)", err->msg, retry_s[*tries - 1],
		  *tries + 1, TRIES);
	sleep(retry_s[*tries - 1]);
	(*tries)++;
	return 1;
}

/* The artifact's layers, found by media type. */
struct artifact {
	struct manifest m;
	const struct descriptor *sig, *uki, *root;
};

static int layer_once(const struct manifest *m, const char *mt, const struct descriptor **out,
		      const char *what, struct sk_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->entries[i].media_type, mt))
			continue;
		if (*out)
			return sk_failc(err, SK_ERR_USAGE, 0, "the update has two %s layers", what);
		*out = &m->entries[i];
	}
	if (!*out)
		return sk_failc(err, SK_ERR_USAGE, 0, "the update has no %s layer (%s)", what, mt);
	return 0;
}

static int artifact_read(struct image_source *src, const struct image_ref *ref, const char *image,
			 struct artifact *a, struct sk_err *err)
{
	SK_AUTOFREE char *body = NULL;
	char ct[128], got[DIGEST_MAX];
	size_t len;

	for (int tries = 1; src->get_manifest(src, ref->digest[0] ? ref->digest : ref->tag, &body,
					      &len, ct, sizeof ct, err) < 0;)
		if (!again(&tries, err))
			return -1;
	digest_of(body, len, got);
	if (ref->digest[0] && strcmp(got, ref->digest))
		return sk_failc(err, SK_ERR_USAGE, 0,
				"%s: the registry sent a manifest of digest %s", image, got);
	if (manifest_parse(body, len, ct, &a->m, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if (a->m.kind != MANIFEST_IMAGE || strcmp(a->m.config.media_type, MT_UPDATE))
		return sk_failc(err, SK_ERR_USAGE, 0,
				"%s is not a Skiff OS update (its config is not %s)", image,
				MT_UPDATE);
	if (layer_once(&a->m, MT_SIGNATURE, &a->sig, "signature", err) < 0 ||
	    layer_once(&a->m, MT_UKI, &a->uki, "kernel image", err) < 0 ||
	    layer_once(&a->m, MT_ROOT, &a->root, "root", err) < 0)
		return -1;
	if (a->m.config.size > UPDATE_MANIFEST_MAX || a->sig->size > UPDATE_SIG_MAX)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"the update's manifest or signature is too large");
	return 0;
}

/* A blob into the store, resuming where an earlier try stopped. */
static int fetch(struct image_source *src, const struct blobstore *bs, const struct descriptor *d,
		 struct sk_err *err)
{
	uint64_t had = blobstore_partial_size(bs, d->digest);

	for (int tries = 1;; had = blobstore_partial_size(bs, d->digest)) {
		if (had)
			agent_log("update: blob %s: resuming at byte %llu of %lld", d->digest,
				  (unsigned long long)had, (long long)d->size);
		if (src->fetch_blob(src, d, bs, err) == 0)
			return 0;
		if (blobstore_partial_size(bs, d->digest) > had)
			tries = 1;
		if (!again(&tries, err))
			return -1;
	}
}

static int read_small(struct image_source *src, const struct blobstore *bs,
		      const struct descriptor *d, size_t max, char **out, size_t *len,
		      struct sk_err *err)
{
	if (fetch(src, bs, d, err) < 0)
		return -1;
	return blobstore_read(bs, d->digest, max, out, len, err);
}

/* The OCI descriptors must be the blobs the signed manifest names. */
static int layer_matches(const struct descriptor *d, const struct update_blob *b, const char *what,
			 struct sk_err *err)
{
	if (strcmp(d->digest, b->digest) || (uint64_t)d->size != b->size)
		return sk_failc(
		    err, SK_ERR_USAGE, 0,
		    "the %s layer is %s (%lld bytes), not %s (%llu bytes) as the signed "
		    "manifest says",
		    what, d->digest, (long long)d->size, b->digest, (unsigned long long)b->size);
	return 0;
}

struct checked {
	struct update_manifest m;
	struct update_disk disk;
};

static int verify(const struct update_job *job, struct image_source *src,
		  const struct blobstore *bs, const struct artifact *a, struct checked *c,
		  struct sk_err *err)
{
	SK_AUTOFREE char *doc = NULL, *sig = NULL;
	struct update_key key;
	struct update_limits lim = {.running = job->running};
	size_t dlen, slen;
	int s = job->slot[0] - 'a';

	if (read_small(src, bs, &a->m.config, UPDATE_MANIFEST_MAX, &doc, &dlen, err) < 0 ||
	    read_small(src, bs, a->sig, UPDATE_SIG_MAX, &sig, &slen, err) < 0)
		return -1;
	lim.root_slot_size = c->disk.root_size[s];
	if (update_esp_room(&c->disk, job->slot, &lim.uki_max_size, err) < 0)
		return -1;
	if (update_key_load(UPDATE_KEY_PATH, &key, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if (update_check(&key, UPDATE_KEY_PATH, doc, dlen, sig, slen, &lim, &c->m, err) < 0)
		return -1;
	if (layer_matches(a->uki, &c->m.uki, "kernel image", err) < 0 ||
	    layer_matches(a->root, &c->m.root, "root", err) < 0)
		return -1;
	return 0;
}

static int write_slot(const struct update_job *job, const struct blobstore *bs,
		      const struct checked *c, struct sk_err *err)
{
	char root[700], uki[700];
	int s = job->slot[0] - 'a';

	blobstore_path(bs, c->m.root.digest, root, sizeof root);
	blobstore_path(bs, c->m.uki.digest, uki, sizeof uki);
	/* the slot's old entry goes first: a half-written slot is never booted */
	if (update_esp_remove(&c->disk, job->slot, err) < 0)
		return sk_wrap(err, "remove the old boot entry of slot %s", job->slot);
	if (update_slot_write(c->disk.root[s], root, c->m.root.size, c->m.root.digest, err) < 0)
		return sk_wrap(err, "write slot %s", job->slot);
	if (update_esp_write(&c->disk, job->slot, uki, err) < 0)
		return sk_wrap(err, "write the boot entry of slot %s", job->slot);
	return 0;
}

static void remove_blobs(const struct blobstore *bs, const struct artifact *a)
{
	const struct descriptor *ds[] = {&a->m.config, a->sig, a->uki, a->root};
	char path[700];

	for (size_t i = 0; i < sizeof ds / sizeof *ds; i++)
		if (ds[i]) {
			blobstore_path(bs, ds[i]->digest, path, sizeof path);
			unlink(path);
		}
}

static int prepare(const struct update_job *job, struct image_ref *ref, struct blobstore *bs,
		   struct checked *c, struct sk_err *err)
{
	char store[400];

	if (access(UPDATE_KEY_PATH, F_OK) < 0)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"this image trusts no update key (no " UPDATE_KEY_PATH ")");
	if (update_disk_find(&c->disk, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if (image_ref_parse(job->image, ref, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	return blobstore_open(bs, update_path("download", store, sizeof store), err);
}

void update_worker(const struct update_job *job, int fd)
{
	const char *insecure[AGENT_MAX_REGISTRIES + 1] = {0};
	struct image_opts o = {.insecure = insecure};
	struct artifact a = {0};
	struct image_source *src = NULL;
	struct image_ref ref;
	struct blobstore bs;
	struct sk_err err = {0};
	static struct checked c;

	out_fd = fd;
	for (size_t i = 0; i < job->cfg->n_registries; i++)
		insecure[i] = job->cfg->insecure_registries[i];
	/* whatever stops the update before writing leaves the node as it
	 * was: refused; only what goes wrong after that is a failure */
	if (prepare(job, &ref, &bs, &c, &err) < 0 || registry_source_open(&o, &ref, &src, &err) < 0)
		finish("refused", &err);
	if (artifact_read(src, &ref, job->image, &a, &err) < 0 ||
	    verify(job, src, &bs, &a, &c, &err) < 0) {
		remove_blobs(&bs, &a);
		finish("refused", &err);
	}
	say("target %s %s", c.m.version, job->slot);
	if (fetch(src, &bs, a.uki, &err) < 0 || fetch(src, &bs, a.root, &err) < 0)
		finish("refused", &err);
	say("writing");
	if (write_slot(job, &bs, &c, &err) < 0)
		finish("failed", &err);
	remove_blobs(&bs, &a);
	say("written");
	_exit(0);
}
