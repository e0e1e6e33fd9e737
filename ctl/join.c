/* Approving join requests (see join.h). */
#include "join.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "clock.h"
#include "identity.h"
#include "join_seal.h"
#include "pki.h"
#include "token.h"

/* A node's name as the agent accepts its node_id (agent_valid_id): it
 * becomes etcd keys, a user name and a certificate's CN. LEN is the
 * name's length in the key: a NUL inside would cut the copy short. */
static int valid_node(const char *name, size_t len)
{
	return strlen(name) == len && name[0] != '.' && ctl_name_chars_ok(name, JOIN_NODE_MAX - 1);
}

int join_request_read(const char *prefix, const char *key, const char *value,
		      struct join_request *r)
{
	size_t plen = strlen(prefix);
	memset(r, 0, sizeof *r);
	if (strncmp(key, prefix, plen) != 0 || strncmp(key + plen, "join/", 5) != 0)
		return 0;
	const char *p = key + plen + 5, *slash = strchr(p, '/'), *end = strrchr(p, '/');
	if (!slash || slash - p != TOKEN_ID_LEN || end == slash || strcmp(end, "/request") != 0)
		return 0;
	for (size_t i = 0; i < TOKEN_ID_LEN; i++)
		if (!token_char(p[i]))
			return 0;
	memcpy(r->token, p, TOKEN_ID_LEN);
	size_t nlen = (size_t)(end - slash - 1);
	if (nlen >= sizeof r->node) /* no answer key of ours would fit: left alone */
		return 0;
	/* A bad name is still answered (refused), so that it does not stop
	 * the approval of the others nor wait forever. */
	snprintf(r->node, sizeof r->node, "%.*s", (int)nlen, slash + 1);
	for (size_t i = 0; i <= nlen; i++) /* the writer's bytes: not for a terminal */
		r->shown[i] = r->node[i] && ((unsigned char)r->node[i] < 0x20 ||
					     (unsigned char)r->node[i] >= 0x7f)
				  ? '?'
				  : r->node[i];
	struct sk_err err = {0};
	cJSON *j = cJSON_Parse(value);
	const char *pub = json_record_str(j, "publicKey");
	if (!valid_node(r->node, nlen))
		snprintf(r->why, sizeof r->why, "not a node name (of [A-Za-z0-9_.-], %d at most)",
			 JOIN_NODE_MAX - 1);
	else if (!cJSON_IsObject(j))
		snprintf(r->why, sizeof r->why, "the request is not a JSON object");
	else if (strcmp(json_record_str(j, "node"), r->node) != 0)
		snprintf(r->why, sizeof r->why, "the request names another node");
	else if (join_pubkey_decode(pub, r->pub, &err) < 0)
		snprintf(r->why, sizeof r->why, "%.200s", err.msg);
	else
		snprintf(r->public_key, sizeof r->public_key, "%s", pub);
	cJSON_Delete(j);
	return 1;
}

/* Answers live in joinanswers/<tid>/<node>, which the token's join user
 * may read but not write (ctl/token.c): only the approver answers. Each
 * answer names in clear the public key of the request it answers. */
static int range_answers(struct ctl *c, struct etcd_range_resp *resp, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {.key = ctl_key(c, key, "joinanswers/"), .prefix = 1};
	return etcd_range(c->etcd, &req, resp, err);
}

/* A request already answered (for its key: an answer to an earlier
 * request with another key does not count) waits for its node to
 * collect the answer. */
static int answered(struct ctl *c, const struct etcd_range_resp *answers,
		    const struct join_request *r)
{
	char key[KEY_MAX];
	ctl_key(c, key, "joinanswers/%s/%s", r->token, r->node);
	for (size_t i = 0; i < answers->nkvs; i++) {
		if (strcmp(answers->kvs[i].key, key) != 0)
			continue;
		cJSON *j = cJSON_Parse(answers->kvs[i].value);
		int same = !strcmp(json_record_str(j, "publicKey"), r->public_key);
		cJSON_Delete(j);
		return same;
	}
	return 0;
}

int join_pending(struct ctl *c, cJSON **out, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {.key = ctl_key(c, key, "join/"), .prefix = 1};
	struct etcd_range_resp resp = {0}, answers = {0};
	if (ctl_connect(c, err) < 0 || etcd_range(c->etcd, &req, &resp, err) < 0)
		return -1;
	if (range_answers(c, &answers, err) < 0) {
		etcd_range_resp_free(&resp);
		return -1;
	}
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < resp.nkvs; i++) {
		struct join_request r;
		cJSON *j;
		if (!join_request_read(c->prefix, resp.kvs[i].key, resp.kvs[i].value, &r) ||
		    r.why[0] || answered(c, &answers, &r) || !(j = cJSON_Parse(resp.kvs[i].value)))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", r.token);
		cJSON_AddStringToObject(o, "node", r.node);
		cJSON_AddStringToObject(o, "publicKey", r.public_key);
		cJSON_AddStringToObject(o, "requestedAt", json_record_str(j, "requestedAt"));
		cJSON_AddItemToArray(arr, o);
		cJSON_Delete(j);
	}
	etcd_range_resp_free(&resp);
	etcd_range_resp_free(&answers);
	*out = arr;
	return 0;
}

/* Stores the answer A (consumed) naming the request's key, so that
 * neither the approver nor the node takes it for a later request. */
static int put_answer(struct ctl *c, const struct join_request *r, cJSON *a, struct sk_err *err)
{
	char key[KEY_MAX];
	cJSON_AddStringToObject(a, "publicKey", r->public_key);
	SK_AUTOFREE char *text = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	if (!text)
		return sk_fail(err, ENOMEM, "join answer");
	ctl_key(c, key, "joinanswers/%s/%s", r->token, r->node);
	return etcd_put(c->etcd, key, text, strlen(text), 0, NULL, NULL, err);
}

static int refuse(struct ctl *c, const struct join_request *r, const char *why, struct sk_err *err)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "refused", why);
	fprintf(stderr, "skiffctl: join of %s (token %s) refused: %s\n", r->shown, r->token, why);
	return put_answer(c, r, a, err);
}

/* Why the request may not be approved ("" if it may): the token, and who
 * holds the name. A known name may join again only while it is not
 * running, with its own key or (a diskless node rebooted with a new key)
 * with the token it joined with; else someone else claims the name. */
static int check(struct ctl *c, struct join_request *r, const cJSON *token, const cJSON *identity,
		 char *why, size_t size, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_kv kv = {0};
	snprintf(why, size, "%s", r->why);
	if (why[0])
		;
	else if (!token)
		snprintf(why, size, "token %s unknown (revoked?)", r->token);
	else if (token_expired(token, time(NULL)))
		snprintf(why, size, "token %s expired at %s", r->token,
			 json_record_str(token, "expiresAt"));
	if (why[0] || !identity || *json_record_str(identity, "revokedAt"))
		return 0;
	int live = etcd_get(c->etcd, ctl_key(c, key, "nodes/%s", r->node), &kv, NULL, err);
	etcd_kv_clear(&kv);
	if (live < 0)
		return -1;
	/* A running node has what it needs: a request for its name (a replay,
	 * or another machine) would only change its password. */
	int same = !strcmp(json_record_str(identity, "publicKey"), r->public_key);
	if (live)
		snprintf(why, size, "node %s is running (joined at %s)", r->node,
			 json_record_str(identity, "joinedAt"));
	else if (!same && strcmp(json_record_str(identity, "token"), r->token) != 0)
		snprintf(why, size, "node %s is another machine's (another key and token)",
			 r->node);
	return 0;
}

static char *answer_text(const char *user, const char *password, const char *cert, const char *ca,
			 const cJSON *token)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "user", user);
	cJSON_AddStringToObject(a, "password", password);
	cJSON_AddStringToObject(a, "cert", cert);
	cJSON_AddStringToObject(a, "ca", ca);
	cJSON *l = cJSON_GetObjectItemCaseSensitive(token, "labels");
	cJSON_AddItemToObject(a, "labels", l ? cJSON_Duplicate(l, 1) : cJSON_CreateObject());
	char *text = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return text;
}

static int record_identity(struct ctl *c, const struct join_request *r, const char *sha,
			   const cJSON *token, struct sk_err *err)
{
	char key[KEY_MAX], now[SK_RFC3339_MAX];
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "node", r->node);
	cJSON_AddStringToObject(j, "publicKey", r->public_key);
	cJSON_AddStringToObject(j, "token", r->token);
	cJSON_AddStringToObject(j, "certSha256", sha);
	cJSON_AddStringToObject(j, "joinedAt", now);
	cJSON *l = cJSON_GetObjectItemCaseSensitive(token, "labels");
	cJSON_AddItemToObject(j, "labels", l ? cJSON_Duplicate(l, 1) : cJSON_CreateObject());
	int rc = ctl_put_json(c, ctl_key(c, key, "identities/%s", r->node), j, err);
	cJSON_Delete(j);
	return rc;
}

static int issue(struct ctl *c, const struct join_request *r, const char *ca_dir,
		 const cJSON *token, struct sk_err *err)
{
	char pw[IDENTITY_SECRET_SZ], user[IDENTITY_NAME_MAX], sha[65], aad[300];
	SK_AUTOFREE char *cert = NULL, *ca = NULL, *text = NULL, *sealed = NULL;
	struct pki_opts o = {.dir = ca_dir, .cluster = c->cluster, .days = 365};
	if (identity_node_user(c, r->node, user, sizeof user, err) < 0 ||
	    identity_secret(pw, err) < 0 ||
	    pki_issue_for_key(&o, r->node, r->pub, &cert, &ca, sha, err) < 0 ||
	    identity_node_create(c, r->node, pw, err) < 0)
		return -1;
	join_aad(r->token, r->node, r->public_key, aad, sizeof aad);
	if (!(text = answer_text(user, pw, cert, ca, token)) ||
	    join_seal(r->pub, aad, text, strlen(text), &sealed, err) < 0)
		return sk_fail(err, 0, "seal the answer");
	explicit_bzero(pw, sizeof pw);
	explicit_bzero(text, strlen(text));
	cJSON *a = cJSON_Parse(sealed);
	if (!a)
		return sk_fail(err, 0, "the sealed answer");
	if (record_identity(c, r, sha, token, err) < 0) {
		cJSON_Delete(a);
		return -1;
	}
	if (put_answer(c, r, a, err) < 0)
		return -1;
	fprintf(stderr, "skiffctl: %s joined (token %s, etcd user %s)\n", r->node, r->token, user);
	return 0;
}

/* 1 approved, 0 refused, -1 error. */
static int approve_one(struct ctl *c, struct join_request *r, const char *ca_dir,
		       struct sk_err *err)
{
	char key[KEY_MAX], why[300];
	cJSON *token = NULL, *identity = NULL;
	int rc = ctl_get_json(c, ctl_key(c, key, "tokens/%s", r->token), &token, NULL, err);
	if (rc >= 0)
		rc = ctl_get_json(c, ctl_key(c, key, "identities/%s", r->node), &identity, NULL,
				  err);
	if (rc >= 0)
		rc = check(c, r, token, identity, why, sizeof why, err);
	if (rc >= 0)
		rc = why[0] ? refuse(c, r, why, err) : issue(c, r, ca_dir, token, err);
	if (rc == 0)
		rc = why[0] ? 0 : 1;
	cJSON_Delete(token);
	cJSON_Delete(identity);
	return rc;
}

/* An answer whose request is gone was collected (the node deletes its
 * request once joined) or its token revoked: it goes. The join user may
 * not delete it, so the approver does. */
static int sweep_answers(struct ctl *c, const struct etcd_range_resp *requests,
			 const struct etcd_range_resp *answers, struct sk_err *err)
{
	char want[KEY_MAX];
	size_t plen = strlen(ctl_key(c, want, "joinanswers/"));
	for (size_t i = 0; i < answers->nkvs; i++) {
		const char *k = answers->kvs[i].key;
		int found = 0;
		ctl_key(c, want, "join/%s/request", k + plen);
		for (size_t n = 0; n < requests->nkvs && !found; n++)
			found = !strcmp(requests->kvs[n].key, want);
		if (!found && etcd_delete(c->etcd, k, 0, NULL, NULL, err) < 0)
			return -1;
	}
	return 0;
}

int join_approve(struct ctl *c, const char *node, const char *ca_dir, int *refused,
		 struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {.key = ctl_key(c, key, "join/"), .prefix = 1};
	struct etcd_range_resp resp = {0}, answers = {0};
	int approved = 0, seen = 0, rc = 0;
	/* Answers first: each was written for a request that is then in the
	 * requests' range unless it is gone, so the sweep spares new ones. */
	if (ctl_connect(c, err) < 0 || range_answers(c, &answers, err) < 0)
		return -1;
	if (etcd_range(c->etcd, &req, &resp, err) < 0) {
		etcd_range_resp_free(&answers);
		return -1;
	}
	for (size_t i = 0; i < resp.nkvs && rc >= 0; i++) {
		struct join_request r;
		if (!join_request_read(c->prefix, resp.kvs[i].key, resp.kvs[i].value, &r) ||
		    (node && strcmp(node, r.node)) || answered(c, &answers, &r))
			continue;
		seen++;
		rc = approve_one(c, &r, ca_dir, err);
		if (rc > 0)
			approved++;
		else if (rc == 0 && refused)
			(*refused)++;
	}
	if (rc >= 0)
		rc = sweep_answers(c, &resp, &answers, err);
	etcd_range_resp_free(&resp);
	etcd_range_resp_free(&answers);
	if (rc < 0)
		return -1;
	if (node && !seen)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "node %s: no pending join request", node);
	return approved;
}

int join_revoke_identity(struct ctl *c, const char *node, struct sk_err *err)
{
	char key[KEY_MAX], now[SK_RFC3339_MAX];
	cJSON *j = NULL;
	int rc = ctl_get_json(c, ctl_key(c, key, "identities/%s", node), &j, NULL, err);
	if (rc <= 0)
		return rc;
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "revokedAt");
	cJSON_AddStringToObject(j, "revokedAt", now);
	rc = ctl_put_json(c, key, j, err);
	cJSON_Delete(j);
	return rc < 0 ? -1 : 1;
}
