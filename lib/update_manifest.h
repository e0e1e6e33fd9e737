/* The signed update manifest of an OS update (docs/cluster.md, "OS
 * updates"): its parser, the update public key and signature check, the
 * version order systemd-boot uses, and the checks a node makes, in the
 * contract's order, before it writes anything. Errors name the document
 * and the key path ("update.json: root.verity.rootHash: not 64 hex
 * digits"). */
#ifndef SK_UPDATE_MANIFEST_H
#define SK_UPDATE_MANIFEST_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define UPDATE_VERSION_MAX  32
#define UPDATE_DIGEST_LEN   71 /* "sha256:" and 64 hex digits */
#define UPDATE_MANIFEST_MAX (64 << 10)
#define UPDATE_SIG_MAX	    256
#define UPDATE_BLOCK	    4096 /* the root's data and verity block size */

struct update_blob {
	char digest[UPDATE_DIGEST_LEN + 1];
	uint64_t size;
};

struct update_manifest {
	char version[UPDATE_VERSION_MAX + 1];
	char kernel[128];
	struct update_blob uki, root;
	char root_hash[65], salt[65];
	uint64_t data_blocks, hash_blocks;
	char created[64];
	char key[UPDATE_DIGEST_LEN + 1];
};

/* Parses LEN bytes of DOC, named NAME in errors. Every field is required;
 * fields this version does not know are ignored so that an older node can
 * read a newer manifest (schemaVersion changes when meaning does). */
int update_manifest_parse(const char *doc, size_t len, const char *name, struct update_manifest *m,
			  struct sk_err *err);

/* An EC P-256 public key from a PEM SubjectPublicKeyInfo, and its id:
 * "sha256:" and the hex of the SHA-256 of the SPKI's DER. */
struct update_key {
	unsigned char point[65];
	br_ec_public_key pk;
	char id[UPDATE_DIGEST_LEN + 1];
};
int update_key_parse(const char *pem, size_t len, const char *name, struct update_key *k,
		     struct sk_err *err);
int update_key_load(const char *path, struct update_key *k, struct sk_err *err);

/* SIG (ASN.1 DER ECDSA over SHA-256 of DOC) verifies with K; KEY_NAME
 * names the key in the refusal. */
int update_signature_check(const struct update_key *k, const char *key_name, const void *doc,
			   size_t len, const void *sig, size_t sig_len, struct sk_err *err);

/* A version as the spec allows it: [A-Za-z0-9._+~-]{1,32}. */
int update_version_valid(const char *v);
/* <0, 0, >0 as A is older than, the same as, newer than B, in the order
 * systemd-boot sorts boot entries (the UAPI version format: numbers by
 * value, '~' before anything, '-' before '.', more parts newer). */
int update_version_cmp(const char *a, const char *b);

/* What the update must fit. */
struct update_limits {
	const char *running;	 /* the booted version */
	uint64_t root_slot_size; /* bytes of the inactive root partition */
	uint64_t uki_max_size;	 /* bytes free on the ESP for the new UKI */
};

/* The node's checks before writing, in this order: the signature over
 * DOC's exact bytes with K (loaded from KEY_NAME), the manifest, its key
 * id, a version newer than the running one, sizes that fit. Every refusal
 * is of class SK_ERR_USAGE (bad input, not a failure of the node). */
int update_check(const struct update_key *k, const char *key_name, const char *doc, size_t len,
		 const void *sig, size_t sig_len, const struct update_limits *lim,
		 struct update_manifest *m, struct sk_err *err);

#endif
