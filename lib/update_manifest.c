/* The update manifest's fields, table-driven, and the node's ordered
 * checks before it writes an update (see update_manifest.h). */
#define _GNU_SOURCE
#include "update_manifest.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum kind {
	K_VERSION, /* [A-Za-z0-9._+~-]{1,32} */
	K_TEXT,	   /* printable, fits the field */
	K_DIGEST,  /* "sha256:" and 64 lower-case hex digits */
	K_HEX64,   /* 64 lower-case hex digits */
	K_COUNT,   /* a whole number above zero */
};

struct field {
	const char *path;
	enum kind kind;
	size_t off, cap;
};

#define STR(name, member, kind)                                                                    \
	{                                                                                          \
		name, kind, offsetof(struct update_manifest, member),                              \
		    sizeof(((struct update_manifest *)0)->member)                                  \
	}
#define NUM(name, member)                                                                          \
	{                                                                                          \
		name, K_COUNT, offsetof(struct update_manifest, member), 0                         \
	}

static const struct field fields[] = {
    STR("version", version, K_VERSION),
    STR("kernel", kernel, K_TEXT),
    STR("uki.digest", uki.digest, K_DIGEST),
    NUM("uki.size", uki.size),
    STR("root.digest", root.digest, K_DIGEST),
    NUM("root.size", root.size),
    STR("root.verity.rootHash", root_hash, K_HEX64),
    STR("root.verity.salt", salt, K_HEX64),
    NUM("root.verity.dataBlocks", data_blocks),
    NUM("root.verity.hashBlocks", hash_blocks),
    STR("created", created, K_TEXT),
    STR("key", key, K_DIGEST),
};

static int lower_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* The item at the dotted PATH under ROOT; NULL with a message when it or
 * an object on the way is missing or not an object. */
static const cJSON *lookup(const cJSON *root, const char *path, const char *name,
			   struct sk_err *err)
{
	char part[64];
	const char *p = path;
	const cJSON *at = root;

	for (;;) {
		size_t n = strcspn(p, ".");
		snprintf(part, sizeof part, "%.*s", (int)n, p);
		at = cJSON_GetObjectItemCaseSensitive(at, part);
		if (!at || cJSON_IsNull(at)) {
			sk_failc(err, SK_ERR_USAGE, 0, "%s: %.*s: missing", name,
				 (int)(p - path + n), path);
			return NULL;
		}
		if (!p[n])
			return at;
		if (!cJSON_IsObject(at)) {
			sk_failc(err, SK_ERR_USAGE, 0, "%s: %.*s: expected an object", name,
				 (int)(p - path + n), path);
			return NULL;
		}
		p += n + 1;
	}
}

static int count_field(const cJSON *v, const struct field *f, const char *name, uint64_t *out,
		       struct sk_err *err)
{
	/* sizes and block counts stay far below 2^53, where doubles are exact */
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: %s: expected a whole number above 0",
				name, f->path);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static const char *string_problem(const char *s, const struct field *f)
{
	switch (f->kind) {
	case K_VERSION:
		return update_version_valid(s) ? NULL
					       : "not a version (1 to 32 of A-Z a-z 0-9 . _ + ~ -)";
	case K_DIGEST:
		return !strncmp(s, "sha256:", 7) && lower_hex(s + 7, 64)
			   ? NULL
			   : "not sha256: and 64 lower-case hex digits";
	case K_HEX64:
		return lower_hex(s, 64) ? NULL : "not 64 hex digits";
	default:
		if (!*s)
			return "empty";
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return "holds a control character";
		return strlen(s) < f->cap ? NULL : "too long";
	}
}

static int string_field(const cJSON *v, const struct field *f, const char *name, char *out,
			struct sk_err *err)
{
	const char *problem;

	if (!cJSON_IsString(v))
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: %s: expected a string", name, f->path);
	if ((problem = string_problem(v->valuestring, f)))
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: %s: %s", name, f->path, problem);
	snprintf(out, f->cap, "%s", v->valuestring);
	return 0;
}

static int fields_read(const cJSON *root, const char *name, struct update_manifest *m,
		       struct sk_err *err)
{
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const struct field *f = &fields[i];
		const cJSON *v = lookup(root, f->path, name, err);
		char *at = (char *)m + f->off;
		if (!v)
			return -1;
		if (f->kind == K_COUNT ? count_field(v, f, name, (uint64_t *)at, err)
				       : string_field(v, f, name, at, err))
			return -1;
	}
	return 0;
}

static int schema_check(const cJSON *root, const char *name, struct sk_err *err)
{
	const cJSON *v;

	if (!cJSON_IsObject(root))
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: expected a JSON object", name);
	if (!(v = lookup(root, "schemaVersion", name, err)))
		return -1;
	if (!cJSON_IsNumber(v) || v->valuedouble != 1)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"%s: schemaVersion: this node reads version 1 only", name);
	return 0;
}

/* The root blob is the squashfs and its verity tree, block for block. */
static int layout_check(const struct update_manifest *m, const char *name, struct sk_err *err)
{
	uint64_t blocks = m->data_blocks + m->hash_blocks;

	if (blocks < m->data_blocks || blocks > UINT64_MAX / UPDATE_BLOCK ||
	    m->root.size != blocks * UPDATE_BLOCK)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"%s: root.size: %" PRIu64 " is not (dataBlocks + hashBlocks) * %d",
				name, m->root.size, UPDATE_BLOCK);
	return 0;
}

int update_manifest_parse(const char *doc, size_t len, const char *name, struct update_manifest *m,
			  struct sk_err *err)
{
	const char *end;
	cJSON *root;
	int rc;

	memset(m, 0, sizeof *m);
	if (len > UPDATE_MANIFEST_MAX)
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: larger than %d bytes", name,
				UPDATE_MANIFEST_MAX);
	if (!(root = cJSON_ParseWithLengthOpts(doc, len, &end, 0)))
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: not JSON (at byte %td)", name,
				end ? end - doc : 0);
	rc = schema_check(root, name, err);
	if (rc == 0)
		rc = fields_read(root, name, m, err);
	if (rc == 0)
		rc = layout_check(m, name, err);
	cJSON_Delete(root);
	return rc;
}

static int limits_check(const struct update_manifest *m, const struct update_limits *lim,
			struct sk_err *err)
{
	if (update_version_cmp(m->version, lim->running) <= 0)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"version %s is not newer than the running version %s", m->version,
				lim->running);
	if (m->root.size > lim->root_slot_size)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"the root of version %s (%" PRIu64
				" bytes) does not fit the root slot (%" PRIu64 " bytes)",
				m->version, m->root.size, lim->root_slot_size);
	if (m->uki.size > lim->uki_max_size)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"the kernel image of version %s (%" PRIu64
				" bytes) does not fit the EFI system partition (%" PRIu64
				" bytes free)",
				m->version, m->uki.size, lim->uki_max_size);
	return 0;
}

int update_check(const struct update_key *k, const char *key_name, const char *doc, size_t len,
		 const void *sig, size_t sig_len, const struct update_limits *lim,
		 struct update_manifest *m, struct sk_err *err)
{
	/* nothing of the document is parsed before it is known to be signed */
	if (update_signature_check(k, key_name, doc, len, sig, sig_len, err) < 0)
		return -1;
	if (update_manifest_parse(doc, len, "update manifest", m, err) < 0)
		return -1;
	if (strcmp(m->key, k->id) != 0)
		return sk_failc(err, SK_ERR_USAGE, 0,
				"update manifest names key %s, but %s is key %s", m->key, key_name,
				k->id);
	return limits_check(m, lim, err);
}
