/* etcd v3 client over the JSON gateway (etcd 3.4): KV range/put/delete,
 * transactions, leases, streaming watch and a list+watch helper that never
 * misses nor repeats an event. Speaks HTTP/1.1 through lib/http.h, with
 * keep-alive, several endpoints (failover on connection errors; the last
 * endpoint that answered is tried first), TLS (server verification and
 * client certificates) and password auth (the token is sent raw in
 * Authorization: and renewed when etcd rejects it).
 *
 * Keys are NUL-terminated strings; values are byte strings with a length
 * (also NUL-terminated for convenience). Every function follows the
 * sk_err convention and returns -1 on failure; the error's class tells
 * why: SK_ERR_NET when no endpoint could be reached (exit 111 in a CLI),
 * SK_ERR_GONE when a lease does not exist (expired or revoked),
 * SK_ERR_COMPACTED when a revision was compacted away, SK_ERR_FAIL
 * otherwise.
 * A struct etcd is not thread-safe; give each thread its own (etcd_dup). */
#ifndef SK_ETCD_H
#define SK_ETCD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ETCD_MAX_ENDPOINTS 8

struct etcd_opts {
	/* "http://127.0.0.1:2379,https://h:2379" (comma-separated). */
	const char *endpoints;
	const char *ca_file;   /* TLS: CA bundle to verify the server */
	const char *cert_file; /* TLS client certificate (PEM chain), with key_file */
	const char *key_file;  /* its PEM private key (RSA or EC) */
	const char *user;      /* password auth when set */
	const char *password;
	int timeout_ms;	     /* per request I/O timeout; default 5000 */
	int dial_timeout_ms; /* connect + a new connection's first answer; default 1000 */
};

struct etcd;

/* Reads the client certificate and key (if any) at once; errors name the file. */
int etcd_new(const struct etcd_opts *opts, struct etcd **out, struct sk_err *err);
/* A second client with the same settings (for a watch in another thread). */
int etcd_dup(const struct etcd *e, struct etcd **out, struct sk_err *err);
void etcd_free(struct etcd *e);
/* Changes the per request I/O timeout (the dial timeout stays at most it). */
void etcd_set_timeout(struct etcd *e, int timeout_ms);
/* The endpoint URL that answered last (or the first one). */
const char *etcd_endpoint(const struct etcd *e);

struct etcd_kv {
	char *key;
	char *value; /* NUL-terminated; may contain NULs, see value_len */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;
};
void etcd_kv_clear(struct etcd_kv *kv);

/* ---- KV ---- */

struct etcd_range_req {
	const char *key;
	const char *range_end; /* NULL: single key, unless prefix */
	int prefix;	       /* range over every key starting with key */
	int64_t limit;
	int64_t revision; /* 0: latest */
	int keys_only;
	int count_only;
	int sort_by_key; /* ascending key order (etcd's default is key order anyway) */
};

struct etcd_range_resp {
	int64_t revision; /* store revision the answer reflects */
	int64_t count;
	int more;
	size_t nkvs;
	struct etcd_kv *kvs;
};
void etcd_range_resp_free(struct etcd_range_resp *r);

int etcd_range(struct etcd *e, const struct etcd_range_req *req, struct etcd_range_resp *resp,
	       struct sk_err *err);
/* One key: returns 1 and fills kv when found, 0 when absent. rev may be NULL. */
int etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv, int64_t *rev, struct sk_err *err);

/* prev (may be NULL) gets the previous kv; prev->key is NULL if there was none. */
int etcd_put(struct etcd *e, const char *key, const void *value, size_t value_len, int64_t lease,
	     struct etcd_kv *prev, int64_t *rev, struct sk_err *err);
/* Deletes key (or every key under it when prefix); *deleted may be NULL. */
int etcd_delete(struct etcd *e, const char *key, int prefix, int64_t *deleted, int64_t *rev,
		struct sk_err *err);

/* ---- transactions ---- */

enum etcd_cmp_target {
	ETCD_CMP_VERSION,
	ETCD_CMP_CREATE,
	ETCD_CMP_MOD,
	ETCD_CMP_VALUE,
	ETCD_CMP_LEASE
};
enum etcd_cmp_result { ETCD_CMP_EQUAL, ETCD_CMP_NOT_EQUAL, ETCD_CMP_GREATER, ETCD_CMP_LESS };

struct etcd_cmp {
	const char *key;
	enum etcd_cmp_target target;
	enum etcd_cmp_result result;
	int64_t number;	   /* version / create / mod revision / lease */
	const char *value; /* for ETCD_CMP_VALUE */
	size_t value_len;  /* 0: strlen(value) */
};

enum etcd_op_type { ETCD_OP_RANGE, ETCD_OP_PUT, ETCD_OP_DELETE };

struct etcd_op {
	enum etcd_op_type type;
	const char *key;
	const char *value; /* put */
	size_t value_len;  /* put; 0: strlen(value) */
	int64_t lease;	   /* put */
	int prefix;	   /* range / delete over a prefix */
};

struct etcd_op_resp {
	enum etcd_op_type type;
	struct etcd_range_resp range; /* ETCD_OP_RANGE */
	int64_t deleted;	      /* ETCD_OP_DELETE */
};

struct etcd_txn_resp {
	int succeeded;
	int64_t revision;
	size_t nresps;
	struct etcd_op_resp *resps; /* results of the branch that ran */
};
void etcd_txn_resp_free(struct etcd_txn_resp *r);

/* resp may be NULL when only success matters: returns 1 if the compare
 * succeeded (success ops ran), 0 if not (failure ops ran). */
int etcd_txn(struct etcd *e, const struct etcd_cmp *cmp, size_t ncmp, const struct etcd_op *success,
	     size_t nsuccess, const struct etcd_op *failure, size_t nfailure,
	     struct etcd_txn_resp *resp, struct sk_err *err);

/* ---- leases ---- */

/* id 0 lets etcd choose. */
int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t id, int64_t *out_id, int64_t *out_ttl,
		     struct sk_err *err);
/* One renewal; *ttl (may be NULL) gets the new TTL. SK_ERR_GONE if gone. */
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, struct sk_err *err);
int etcd_lease_revoke(struct etcd *e, int64_t id, struct sk_err *err);
/* Remaining TTL; SK_ERR_GONE if gone. granted may be NULL. */
int etcd_lease_timetolive(struct etcd *e, int64_t id, int64_t *ttl, int64_t *granted,
			  struct sk_err *err);

/* ---- watch ---- */

enum etcd_event_type { ETCD_EV_PUT, ETCD_EV_DELETE };

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv;	/* for a delete: key and mod_revision (the deletion's) */
	struct etcd_kv prev_kv; /* prev_kv.key is NULL unless asked for and known */
};

struct etcd_watch_resp {
	int64_t revision; /* header revision */
	int64_t watch_id;
	int created;
	int canceled;
	int64_t compact_revision; /* > 0 when canceled because compacted */
	char *cancel_reason;
	size_t nevents;
	struct etcd_event *events;
};
void etcd_watch_resp_free(struct etcd_watch_resp *r);

/* Called for every message of the stream (including `created` and
 * progress notifications). Return 0 to go on, nonzero to stop the watch:
 * etcd_watch then returns that value. */
typedef int (*etcd_watch_fn)(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err);

struct etcd_watch_req {
	const char *key;
	const char *range_end;
	int prefix;
	int64_t start_revision; /* 0: from now */
	int prev_kv;
	int progress_notify;
};

/* Blocks streaming one watch on this client's connection (use a dedicated
 * struct etcd). Returns the callback's nonzero value when it stops,
 * -1 of class SK_ERR_COMPACTED (err says the compact revision) when the
 * start revision is gone, SK_ERR_NET when the stream broke or its member
 * stopped answering, SK_ERR_FAIL otherwise.
 *
 * liveness_ms bounds how long a dead stream goes unnoticed (0: no bound).
 * A member that is frozen or cut off from the quorum keeps the connection
 * open and sends nothing, which looks like a quiet watch. So when the
 * stream is silent for half the bound, its member must have answered some
 * client of this family (etcd_dup) within that time, or answer a
 * linearizable read within the other half; if not, the watch ends with
 * SK_ERR_NET and that member goes last for the next attempt. etcd's
 * progress notifications (progress_notify, and a server started with
 * --experimental-watch-progress-notify-interval below the half) keep a
 * quiet stream from needing the read at all. */
int etcd_watch(struct etcd *e, const struct etcd_watch_req *req, int liveness_ms, etcd_watch_fn fn,
	       void *ctx, struct sk_err *err);

/* Incremental parser for the watch stream (newline-delimited JSON objects
 * that may arrive split anywhere); exposed for tests. */
struct etcd_watch_parser {
	char *buf;
	size_t len, cap;
	size_t max; /* largest message accepted; default 16 MiB */
	etcd_watch_fn fn;
	void *ctx;
	int stopped; /* callback's nonzero return */
	/* scanner state: objects are delimited by brace depth, not newlines */
	size_t scan;
	int depth, in_string, escape;
};
void etcd_watch_parser_init(struct etcd_watch_parser *p, etcd_watch_fn fn, void *ctx);
void etcd_watch_parser_free(struct etcd_watch_parser *p);
/* Returns 0, the callback's nonzero value (also kept in p->stopped), or < 0. */
int etcd_watch_parser_feed(struct etcd_watch_parser *p, const void *data, size_t len,
			   struct sk_err *err);

/* ---- list + watch ---- */

/* Keeps a consumer in sync with every key under a prefix: lists, hands the
 * snapshot to reset(), then watches from the list's revision + 1 handing
 * each event to event(). The list goes by pages of a few hundred keys, all
 * at the revision of the first. On a broken or dead stream (see
 * etcd_watch's liveness) it reconnects from the last delivered revision +
 * 1 (trying every endpoint, with backoff); when that revision was compacted
 * it lists again and calls reset() with the new snapshot. Events are
 * delivered once, in revision order. Returns when a callback returns
 * nonzero (that value; err as the callback left it), or on an error that
 * retrying cannot fix (not ENET/ECOMPACTED/a broken stream: e.g.
 * permission denied on the first list). */
struct etcd_sync_ops {
	/* Replace everything known under the prefix by kvs (at revision rev). */
	int (*reset)(void *ctx, const struct etcd_kv *kvs, size_t n, int64_t rev,
		     struct sk_err *err);
	/* Optional: the pages after the first, each right after the one
	 * before (reset() got the first). Without it, the pages are gathered
	 * and reset() gets them all at once. */
	int (*more)(void *ctx, const struct etcd_kv *kvs, size_t n, struct sk_err *err);
	/* One change; rev is the event's revision. */
	int (*event)(void *ctx, const struct etcd_event *ev, int64_t rev, struct sk_err *err);
	/* Optional: after each batch of events (or reset), with the store revision. */
	int (*synced)(void *ctx, int64_t rev, struct sk_err *err);
	/* Optional: a connection problem (logged by the caller); sync retries. */
	void (*trouble)(void *ctx, const struct sk_err *err);
	int liveness_ms; /* the watch's liveness bound (etcd_watch); 0: none */
};
/* prefix must not be empty nor end in byte 0xff. */
int etcd_sync(struct etcd *e, const char *prefix, const struct etcd_sync_ops *ops, void *ctx,
	      struct sk_err *err);

/* ---- users and roles (etcd's RBAC; callers need the root role) ---- */

enum etcd_perm { ETCD_PERM_READ, ETCD_PERM_WRITE, ETCD_PERM_READWRITE };

int etcd_user_add(struct etcd *e, const char *user, const char *password, struct sk_err *err);
int etcd_user_delete(struct etcd *e, const char *user, struct sk_err *err);
int etcd_user_password(struct etcd *e, const char *user, const char *password, struct sk_err *err);
int etcd_user_grant_role(struct etcd *e, const char *user, const char *role, struct sk_err *err);
int etcd_role_add(struct etcd *e, const char *role, struct sk_err *err);
int etcd_role_delete(struct etcd *e, const char *role, struct sk_err *err);
/* Grants PERM on KEY, or on every key under it when prefix. */
int etcd_role_grant(struct etcd *e, const char *role, enum etcd_perm perm, const char *key,
		    int prefix, struct sk_err *err);
/* Turns auth on (a root user with the root role must exist). */
int etcd_auth_enable(struct etcd *e, struct sk_err *err);

/* ---- helpers (pure) ---- */

/* The range end of a prefix: the prefix with its last byte below 0xff
 * incremented and what follows dropped; "\0" (everything) when every byte
 * is 0xff. Writes a malloc'd string of *len bytes (not NUL-counted). */
int etcd_prefix_end(const char *prefix, size_t prefix_len, char **out, size_t *len,
		    struct sk_err *err);

#endif
