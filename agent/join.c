/* Joining a cluster with a bootstrap token (docs/cluster.md, "Joining"):
 * at first start the node makes its EC P-256 key in <data>/identity/
 * (RAM on a diskless image), connects to etcd as the token's join-only
 * user, writes join/<tid>/<node>/request with its public key, and waits
 * for joinanswers/<tid>/<node> (which the join user may only read, so no
 * other token holder can forge it) naming that key: its etcd password,
 * its node API certificate and the cluster CA, sealed to its key
 * (lib/join_seal.h), or a refusal in clear. It then keeps them in
 * <data>/identity/ and runs on its own etcd user; a node that has them
 * does not join again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "agent_config.h"
#include "agent_log.h"
#include "base64.h"
#include "cleanup.h"
#include "clock.h"
#include "cmdline.h"
#include "etcd.h"
#include "file.h"
#include "json_get.h"
#include "join_answer.h"
#include "join_seal.h"
#include "join_token.h"
#include "mkdir_p.h"
#include <cjson/cJSON.h>

struct joiner {
	struct agent_config *cfg;
	char dir[300];
	char token_id[TOKEN_ID_LEN + 1];
	char secret[TOKEN_SECRET_LEN + 1];
	struct x509_key key;
	struct etcd *etcd;
	char prefix[512]; /* /skiff/<cluster>/join/<tid>/<node>/ */
	char answer[512]; /* /skiff/<cluster>/joinanswers/<tid>/<node> */
	char pub[BASE64_ENCODED_SIZE(JOIN_PUBKEY_LEN)];
};

/* DIR/NAME; the data directory's length is checked before (agent_join). */
static void identity_path(const struct joiner *j, const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s", j->dir, name) >= size)
		buf[0] = '\0';
}

/* Writes DATA to DIR/NAME, owner-only, whole or not at all. */
static int write_private(const struct joiner *j, const char *name, const char *data,
			 struct sk_err *err)
{
	char path[512], tmp[520];
	identity_path(j, name, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sk_failc(err, SK_ERR_SYS, errno, "create %s", tmp);
	int bad = sk_write_all(fd, data, strlen(data)) < 0 || fsync(fd) < 0;
	if (close(fd) < 0 || bad || rename(tmp, path) < 0)
		return sk_failc(err, SK_ERR_SYS, errno, "write %s", path);
	return 0;
}

static int split_token(struct joiner *j, struct sk_err *err)
{
	if (token_parse(j->cfg->join_token, j->token_id, j->secret, err) < 0)
		return sk_wrap(err, "join_token");
	return 0;
}

static int open_join_etcd(struct joiner *j, struct sk_err *err)
{
	const struct agent_config *c = j->cfg;
	char endpoints[AGENT_MAX_ENDPOINTS * 260] = "", user[200];
	for (size_t i = 0; i < c->n_endpoints; i++) {
		if (i)
			strcat(endpoints, ",");
		strcat(endpoints, c->endpoints[i]);
	}
	snprintf(user, sizeof user, "skiff:%s:join:%s", c->cluster, j->token_id);
	struct etcd_opts o = {.endpoints = endpoints,
			      .ca_file = c->ca_file[0] ? c->ca_file : NULL,
			      .cert_file = c->cert_file[0] ? c->cert_file : NULL,
			      .key_file = c->key_file[0] ? c->key_file : NULL,
			      .user = user,
			      .password = j->secret};
	return etcd_new(&o, &j->etcd, err);
}

static int put_request(struct joiner *j, struct sk_err *err)
{
	char key[600], now[SK_RFC3339_MAX];
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "node", j->cfg->node_id);
	cJSON_AddStringToObject(r, "publicKey", j->pub);
	cJSON_AddStringToObject(r, "requestedAt", now);
	SK_AUTOFREE char *text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	if (!text)
		return sk_fail(err, ENOMEM, "join request");
	/* An answer to an earlier request names an earlier key: neither the
	 * approver nor await_answer takes it for this one. */
	snprintf(key, sizeof key, "%srequest", j->prefix);
	return etcd_put(j->etcd, key, text, strlen(text), 0, NULL, NULL, err);
}

/* 1 if ANSWER names this request's key (else it answers an earlier one). */
static int for_us(const struct joiner *j, const char *answer)
{
	cJSON *a = cJSON_Parse(answer);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "publicKey");
	int ours = cJSON_IsString(v) && !strcmp(v->valuestring, j->pub);
	cJSON_Delete(a);
	return ours;
}

/* Waits for the answer; returns it (malloc'd) or NULL with err set. */
static char *await_answer(struct joiner *j, struct sk_err *err)
{
	struct etcd_kv kv = {0};
	int64_t said = 0;
	for (;;) {
		int rc = etcd_get(j->etcd, j->answer, &kv, NULL, err);
		if (rc < 0 && err->cls != SK_ERR_NET)
			return NULL;
		if (rc == 1 && !for_us(j, kv.value))
			etcd_kv_clear(&kv);
		else if (rc == 1) {
			char *v = kv.value;
			kv.value = NULL;
			etcd_kv_clear(&kv);
			return v;
		}
		if (sk_now_ms() - said > 30000) {
			agent_log("join: waiting for approval of %s (token %s)", j->cfg->node_id,
				  j->token_id);
			said = sk_now_ms();
		}
		usleep(500 * 1000);
	}
}

static int keep(struct joiner *j, const struct join_answer *a, struct sk_err *err)
{
	char line[200], labels[AGENT_MAX_LABELS * 200] = "";
	snprintf(line, sizeof line, "%s\n", a->password);
	for (size_t i = 0; i < a->n_labels; i++) {
		size_t n = strlen(labels);
		snprintf(labels + n, sizeof labels - n, "%s=%s\n", a->labels[i].key,
			 a->labels[i].value);
	}
	int rc = write_private(j, "node.crt", a->cert, err) < 0 ||
			 write_private(j, "ca.crt", a->ca, err) < 0 ||
			 write_private(j, "etcd.user", a->user, err) < 0 ||
			 write_private(j, "labels", labels, err) < 0 ||
			 write_private(j, "etcd.password", line, err) < 0
		     ? -1
		     : 0;
	explicit_bzero(line, sizeof line);
	if (rc == 0)
		snprintf(j->cfg->user, sizeof j->cfg->user, "%s", a->user);
	return rc;
}

static int take_answer(struct joiner *j, const char *answer, struct sk_err *err)
{
	char aad[300];
	struct join_answer a;
	join_aad(j->token_id, j->cfg->node_id, j->pub, aad, sizeof aad);
	if (join_answer_read(&j->key, aad, answer, &a, err) < 0)
		return -1;
	int rc = keep(j, &a, err);
	join_answer_clear(&a);
	return rc;
}

static int make_key(struct joiner *j, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	if (x509_key_generate(&j->key, err) < 0 || x509_key_pem(&j->key, &pem, err) < 0)
		return -1;
	return write_private(j, "node.key", pem, err);
}

static int joined(const struct joiner *j)
{
	char a[512], b[512];
	identity_path(j, "etcd.password", a, sizeof a);
	identity_path(j, "node.crt", b, sizeof b);
	return access(a, R_OK) == 0 && access(b, R_OK) == 0;
}

static int has_label(const struct agent_config *c, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < c->n_labels; i++)
		if (strlen(c->labels[i].key) == klen && !strncmp(c->labels[i].key, kv, klen))
			return 1;
	return 0;
}

/* What a joined node runs on: its password, its user, its API identity. */
static void use_identity(struct joiner *j)
{
	struct agent_config *c = j->cfg;
	char user[256] = "";
	FILE *f;
	identity_path(j, "etcd.password", c->password_file, sizeof c->password_file);
	identity_path(j, "etcd.user", user, sizeof user);
	if ((f = fopen(user, "re"))) {
		if (fgets(c->user, sizeof c->user, f))
			c->user[strcspn(c->user, "\n")] = '\0';
		fclose(f);
	}
	/* the token's labels, unless the node's own configuration sets them */
	char path[512], line[256];
	identity_path(j, "labels", path, sizeof path);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = '\0';
			if (!has_label(c, line))
				agent_config_add_label(c, line, &(struct sk_err){0});
		}
		fclose(f);
	}
	if (!c->api.cert_file[0]) {
		identity_path(j, "node.crt", c->api.cert_file, sizeof c->api.cert_file);
		identity_path(j, "node.key", c->api.key_file, sizeof c->api.key_file);
		identity_path(j, "ca.crt", c->api.ca_file, sizeof c->api.ca_file);
		if (!c->api.name[0])
			snprintf(c->api.name, sizeof c->api.name, "%s", c->node_id);
	}
}

int agent_join(struct agent_config *cfg, struct sk_err *err)
{
	struct joiner j = {.cfg = cfg};
	int rc;
	if (strlen(cfg->data_dir) > 200)
		return sk_failc(err, SK_ERR_USAGE, 0, "join: data directory %.40s…: too long",
				cfg->data_dir);
	snprintf(j.dir, sizeof j.dir, "%s/identity", cfg->data_dir);
	if (joined(&j)) {
		use_identity(&j);
		return 0;
	}
	if (split_token(&j, err) < 0 || sk_mkdir_p(j.dir, 0700, err) < 0 || make_key(&j, err) < 0 ||
	    open_join_etcd(&j, err) < 0)
		return sk_wrap(err, "join");
	snprintf(j.prefix, sizeof j.prefix, "/skiff/%s/join/%s/%s/", cfg->cluster, j.token_id,
		 cfg->node_id);
	snprintf(j.answer, sizeof j.answer, "/skiff/%s/joinanswers/%s/%s", cfg->cluster, j.token_id,
		 cfg->node_id);
	join_pubkey_encode(&j.key, j.pub);
	int64_t t0 = sk_now_ms();
	agent_log("join: asking to join as %s with token %s", cfg->node_id, j.token_id);
	SK_AUTOFREE char *answer = NULL;
	rc = put_request(&j, err);
	if (rc == 0 && !(answer = await_answer(&j, err)))
		rc = -1;
	if (rc == 0)
		rc = take_answer(&j, answer, err);
	if (rc == 0) { /* the approver sweeps the answer once the request goes */
		struct sk_err ignored;
		etcd_delete(j.etcd, j.prefix, 1, NULL, NULL, &ignored);
		use_identity(&j);
		agent_log("join: joined as %s (etcd user %s) in %lld ms", cfg->node_id, cfg->user,
			  (long long)(sk_now_ms() - t0));
	}
	etcd_free(j.etcd);
	explicit_bzero(&j.key, sizeof j.key);
	return rc < 0 ? sk_wrap(err, "join") : 0;
}

void agent_join_token_from_text(struct agent_config *cfg, const char *cmdline)
{
	struct cmdline_arg args[64];
	SK_AUTOFREE char *copy = strdup(cmdline);
	if (!copy)
		return;
	size_t n = cmdline_parse(copy, args, 64);
	const char *t = cmdline_get(args, n < 64 ? n : 64, "skiff.join_token");
	if (t)
		snprintf(cfg->join_token, sizeof cfg->join_token, "%s", t);
}

void agent_join_token_from_cmdline(struct agent_config *cfg, const char *path)
{
	SK_AUTOFREE char *text = NULL;
	size_t len;
	if (cfg->join_token[0] || sk_read_file(path, 4096, &text, &len, &(struct sk_err){0}) < 0)
		return;
	agent_join_token_from_text(cfg, text);
}
