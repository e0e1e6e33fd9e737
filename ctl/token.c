/* Bootstrap tokens: making, listing, checking and revoking them (see
 * token.h for what etcd holds and why). */
#define _GNU_SOURCE /* strptime, timegm */
#include <bearssl.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cleanup.h"
#include "clock.h"
#include "hex.h"
#include "identity.h"
#include "token.h"

static const char token_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static int random_word(char *out, size_t n, struct sk_err *err)
{
	unsigned char r[TOKEN_SECRET_LEN];
	size_t got = 0;
	while (got < n) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return sk_failc(err, SK_ERR_SYS, errno, "getrandom");
		/* 252 = 7 * 36: drop the bytes that would bias the draw */
		for (size_t i = 0; i < sizeof r && got < n; i++)
			if (r[i] < 252)
				out[got++] = token_alphabet[r[i] % 36];
	}
	out[n] = '\0';
	return 0;
}

static int valid_label_key(const char *k, size_t len)
{
	if (len == 0 || len > 63)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char)k[i]) || strchr("._-/", k[i])))
			return 0;
	return 1;
}

int token_parse_labels(cJSON *labels, const char *list, struct sk_err *err)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ","), klen = strcspn(p, "=");
		if (klen >= n || !valid_label_key(p, klen) || n - klen - 1 > 127)
			return sk_failc(
			    err, SK_ERR_USAGE, 0,
			    "--labels: `%.*s`: expected KEY=VALUE (KEY of [A-Za-z0-9._-/], "
			    "at most 63; VALUE at most 127)",
			    (int)(n > 80 ? 80 : n), p);
		if (cJSON_GetArraySize(labels) >= TOKEN_LABELS_MAX)
			return sk_failc(err, SK_ERR_USAGE, 0, "--labels: at most %d",
					TOKEN_LABELS_MAX);
		char key[64], value[128];
		snprintf(key, sizeof key, "%.*s", (int)klen, p);
		snprintf(value, sizeof value, "%.*s", (int)(n - klen - 1), p + klen + 1);
		cJSON_DeleteItemFromObjectCaseSensitive(labels, key);
		cJSON_AddStringToObject(labels, key, value);
		p += n + (p[n] == ',');
	}
	return 0;
}

int token_parse_ttl(const char *s, int64_t *out, struct sk_err *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	if (end == s || v < 0 || errno)
		goto bad;
	if (!*end && v == 0) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (end[0] == units[i].unit && !end[1] && v <= 3650LL * 86400 / units[i].seconds) {
			*out = v * units[i].seconds;
			return 0;
		}
bad:
	return sk_failc(err, SK_ERR_USAGE, 0,
			"--ttl %s: expected a duration such as 90s, 30m, 24h or 7d (at most 10 "
			"years), or 0 for none",
			s);
}

static void secret_hash(const char *secret, char hex[65])
{
	br_sha256_context h;
	unsigned char d[32];
	br_sha256_init(&h);
	br_sha256_update(&h, secret, strlen(secret));
	br_sha256_out(&h, d);
	sk_hex(d, sizeof d, hex);
}

static void join_user(const struct ctl *c, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "skiff:%s:join:%s", c->cluster, id);
}

static void rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *token_record(const char *id, const char *secret, const struct token_spec *spec)
{
	char hash[65], now[SK_RFC3339_MAX], expires[32];
	cJSON *j = cJSON_CreateObject();
	secret_hash(secret, hash);
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "secretSha256", hash);
	cJSON_AddStringToObject(j, "createdAt", now);
	if (spec->ttl_s) {
		rfc3339(time(NULL) + (time_t)spec->ttl_s, expires, sizeof expires);
		cJSON_AddStringToObject(j, "expiresAt", expires);
	}
	cJSON_AddItemToObject(
	    j, "labels", spec->labels ? cJSON_Duplicate(spec->labels, 1) : cJSON_CreateObject());
	if (spec->description)
		cJSON_AddStringToObject(j, "description", spec->description);
	return j;
}

/* The join user may write requests under join/<id>/ and only read the
 * answers under joinanswers/<id>/, nothing else: a node's public key is
 * no secret and a sealed answer does not say who sealed it, so a token
 * holder who could write answers could hand another pending node its
 * own CA (and so run commands on it through the node API). */
static int make_join_user(struct ctl *c, const char *id, const char *secret, struct sk_err *err)
{
	char user[IDENTITY_NAME_MAX], key[KEY_MAX];
	join_user(c, id, user, sizeof user);
	if (etcd_role_add(c->etcd, user, err) < 0 ||
	    etcd_role_grant(c->etcd, user, ETCD_PERM_READWRITE, ctl_key(c, key, "join/%s/", id), 1,
			    err) < 0 ||
	    etcd_role_grant(c->etcd, user, ETCD_PERM_READ, ctl_key(c, key, "joinanswers/%s/", id),
			    1, err) < 0 ||
	    etcd_user_add(c->etcd, user, secret, err) < 0 ||
	    etcd_user_grant_role(c->etcd, user, user, err) < 0)
		return -1;
	return 0;
}

int token_create(struct ctl *c, const struct token_spec *spec, char out[TOKEN_LEN + 1],
		 struct sk_err *err)
{
	char id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1], key[KEY_MAX];
	if (ctl_connect(c, err) < 0 || random_word(id, TOKEN_ID_LEN, err) < 0 ||
	    random_word(secret, TOKEN_SECRET_LEN, err) < 0)
		return -1;
	cJSON *rec = token_record(id, secret, spec);
	SK_AUTOFREE char *text = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!text)
		return sk_fail(err, ENOMEM, "token record");
	/* Only if the id is new: an id drawn twice must not replace a token. */
	struct etcd_cmp absent = {.key = ctl_key(c, key, "tokens/%s", id),
				  .target = ETCD_CMP_CREATE,
				  .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = text};
	int rc = etcd_txn(c->etcd, &absent, 1, &put, 1, NULL, 0, NULL, err);
	if (rc < 0)
		return sk_wrap(err, "token %s", id);
	if (rc == 0)
		return sk_fail(err, 0, "token %s: the id exists already, try again", id);
	if (make_join_user(c, id, secret, err) < 0) {
		struct sk_err ignored;
		etcd_delete(c->etcd, key, 0, NULL, NULL, &ignored);
		return sk_wrap(err, "token %s", id);
	}
	snprintf(out, TOKEN_LEN + 1, "%s.%s", id, secret);
	return 0;
}

int token_list(struct ctl *c, cJSON **out, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {.key = ctl_key(c, key, "tokens/"), .prefix = 1};
	struct etcd_range_resp r = {0};
	if (ctl_connect(c, err) < 0 || etcd_range(c->etcd, &req, &r, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < r.nkvs; i++) {
		cJSON *j = cJSON_Parse(r.kvs[i].value);
		if (cJSON_IsObject(j))
			cJSON_AddItemToArray(arr, j);
		else
			cJSON_Delete(j);
	}
	etcd_range_resp_free(&r);
	*out = arr;
	return 0;
}

time_t token_expires_at(const cJSON *rec)
{
	const char *s = json_record_str(rec, "expiresAt");
	struct tm tm = {0};
	if (!*s)
		return 0;
	if (!strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 1; /* an expiry we cannot read has passed */
	return timegm(&tm);
}

int token_expired(const cJSON *rec, time_t now)
{
	time_t t = token_expires_at(rec);
	return t && t <= now;
}

/* Compares without leaking where the first difference is. */
static int same(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int token_verify(struct ctl *c, const char *token, time_t now, cJSON **rec, struct sk_err *err)
{
	char id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1], key[KEY_MAX], hash[65];
	cJSON *j = NULL;
	if (token_parse(token, id, secret, err) < 0 || ctl_connect(c, err) < 0)
		return -1;
	int rc = ctl_get_json(c, ctl_key(c, key, "tokens/%s", id), &j, NULL, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "token %s: unknown (revoked?)", id);
	secret_hash(secret, hash);
	const char *want = json_record_str(j, "secretSha256");
	if (strlen(want) != 64 || !same(want, hash, 64))
		rc = sk_fail(err, 0, "token %s: wrong secret", id);
	else if (token_expired(j, now))
		rc =
		    sk_fail(err, 0, "token %s: expired at %s", id, json_record_str(j, "expiresAt"));
	if (rc < 0 || !rec)
		cJSON_Delete(j);
	else
		*rec = j;
	return rc < 0 ? -1 : 0;
}

int token_revoke(struct ctl *c, const char *id, struct sk_err *err)
{
	char key[KEY_MAX], user[IDENTITY_NAME_MAX];
	int64_t deleted = 0;
	if (ctl_connect(c, err) < 0 ||
	    etcd_delete(c->etcd, ctl_key(c, key, "tokens/%s", id), 0, &deleted, NULL, err) < 0)
		return -1;
	join_user(c, id, user, sizeof user);
	int u = etcd_user_delete(c->etcd, user, err);
	if (u < 0 && !strstr(err->msg, "not found"))
		return -1;
	int r = etcd_role_delete(c->etcd, user, err);
	if (r < 0 && !strstr(err->msg, "not found"))
		return -1;
	/* What joined with it stays joined; pending requests go. */
	if (etcd_delete(c->etcd, ctl_key(c, key, "join/%s/", id), 1, NULL, NULL, err) < 0 ||
	    etcd_delete(c->etcd, ctl_key(c, key, "joinanswers/%s/", id), 1, NULL, NULL, err) < 0)
		return -1;
	if (!deleted && u < 0 && r < 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "token %s: not found", id);
	return 0;
}

int token_prune(struct ctl *c, time_t now, struct sk_err *err)
{
	cJSON *arr, *rec;
	int n = 0;
	if (token_list(c, &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(rec, arr)
	{
		if (!token_expired(rec, now))
			continue;
		if (token_revoke(c, json_record_str(rec, "id"), err) < 0) {
			cJSON_Delete(arr);
			return -1;
		}
		n++;
	}
	cJSON_Delete(arr);
	return n;
}
