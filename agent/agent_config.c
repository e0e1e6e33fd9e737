/* Agent settings: defaults, node.json's "cluster" object, overrides. */
#include "agent_config.h"
#include "assign.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "mkdir_p.h"
#include "nodeinfo.h"

#define CONFIG_MAX_BYTES (256 * 1024)

void agent_config_defaults(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->cluster, sizeof cfg->cluster, "default");
	snprintf(cfg->endpoints[0], sizeof cfg->endpoints[0], "http://127.0.0.1:2379");
	cfg->n_endpoints = 1;
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "/var/lib/skiff");
	snprintf(cfg->run_dir, sizeof cfg->run_dir, "/run/skiff");
	cfg->reserved_memory_mib = -1; /* measured at start (nodeinfo.c) */
	cfg->lease_ttl_s = 10;
	cfg->update_health_timeout_s = 300;
	cfg->stop_timeout_s = 30;
	cfg->reconcile_ms = 1000;
	cfg->log_retention_s = 3 * 3600; /* as ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION */
	agent_config_ops_defaults(cfg);
}

static int copy_str(char *dst, size_t size, const cJSON *v, const char *name, const char *key,
		    struct sk_err *err)
{
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
		return sk_fail(err, 0, "%s: cluster.%s: expected a string shorter than %zu", name,
			       key, size);
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

static int parse_int(int *dst, const cJSON *v, int min, int max, const char *name, const char *key,
		     struct sk_err *err)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
	    v->valuedouble != (int)v->valuedouble)
		return sk_fail(err, 0, "%s: cluster.%s: expected an integer in %d..%d", name, key,
			       min, max);
	*dst = (int)v->valuedouble;
	return 0;
}

static int parse_endpoints(struct agent_config *cfg, const cJSON *v, const char *name,
			   struct sk_err *err)
{
	const cJSON *e;
	size_t n = 0;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
	    cJSON_GetArraySize(v) > AGENT_MAX_ENDPOINTS)
		return sk_fail(err, 0, "%s: cluster.endpoints: expected 1..%d URLs", name,
			       AGENT_MAX_ENDPOINTS);
	cJSON_ArrayForEach(e, v)
	{
		char key[32];
		snprintf(key, sizeof key, "endpoints[%zu]", n);
		if (copy_str(cfg->endpoints[n], sizeof cfg->endpoints[n], e, name, key, err) < 0)
			return -1;
		if (strncmp(cfg->endpoints[n], "http://", 7) != 0 &&
		    strncmp(cfg->endpoints[n], "https://", 8) != 0)
			return sk_fail(err, 0, "%s: cluster.%s: not an http(s) URL: %s", name, key,
				       cfg->endpoints[n]);
		n++;
	}
	cfg->n_endpoints = n;
	return 0;
}

static int set_label(struct agent_config *cfg, const char *k, const char *v, struct sk_err *err)
{
	size_t i;

	if (!*k || strlen(k) >= sizeof cfg->labels[0].key ||
	    strlen(v) >= sizeof cfg->labels[0].value)
		return sk_fail(err, 0, "label %s: key or value too long or empty", k);
	for (i = 0; i < cfg->n_labels && strcmp(cfg->labels[i].key, k) != 0; i++)
		;
	if (i == AGENT_MAX_LABELS)
		return sk_fail(err, 0, "label %s: more than %d labels", k, AGENT_MAX_LABELS);
	snprintf(cfg->labels[i].key, sizeof cfg->labels[i].key, "%s", k);
	snprintf(cfg->labels[i].value, sizeof cfg->labels[i].value, "%s", v);
	if (i == cfg->n_labels)
		cfg->n_labels++;
	return 0;
}

static int parse_labels(struct agent_config *cfg, const cJSON *v, const char *name,
			struct sk_err *err)
{
	const cJSON *e;

	if (!cJSON_IsObject(v))
		return sk_fail(err, 0, "%s: cluster.labels: expected an object", name);
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e))
			return sk_fail(err, 0, "%s: cluster.labels.%s: expected a string", name,
				       e->string);
		if (set_label(cfg, e->string, e->valuestring, err) < 0)
			return sk_wrap(err, "%s: cluster.labels", name);
	}
	return 0;
}

int agent_config_add_registry(struct agent_config *cfg, const char *hostport, struct sk_err *err)
{
	if (cfg->n_registries == AGENT_MAX_REGISTRIES || !*hostport ||
	    strlen(hostport) >= sizeof cfg->insecure_registries[0])
		return sk_fail(err, 0, "insecure registry %s: empty, too long or too many",
			       hostport);
	snprintf(cfg->insecure_registries[cfg->n_registries++], sizeof cfg->insecure_registries[0],
		 "%s", hostport);
	return 0;
}

static int parse_registries(struct agent_config *cfg, const cJSON *v, const char *name,
			    struct sk_err *err)
{
	const cJSON *e;

	if (!cJSON_IsArray(v))
		return sk_fail(err, 0, "%s: cluster.insecure_registries: expected an array", name);
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || agent_config_add_registry(cfg, e->valuestring, err) < 0)
			return sk_fail(err, 0,
				       "%s: cluster.insecure_registries: expected at most %d "
				       "\"host:port\" strings",
				       name, AGENT_MAX_REGISTRIES);
	}
	return 0;
}

static int parse_tls(struct agent_config *cfg, const cJSON *c, const char *name, struct sk_err *err)
{
	const cJSON *v;

	if ((v = cJSON_GetObjectItemCaseSensitive(c, "ca_file")) &&
	    copy_str(cfg->ca_file, sizeof cfg->ca_file, v, name, "ca_file", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "cert_file")) &&
	    copy_str(cfg->cert_file, sizeof cfg->cert_file, v, name, "cert_file", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "key_file")) &&
	    copy_str(cfg->key_file, sizeof cfg->key_file, v, name, "key_file", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "user")) &&
	    copy_str(cfg->user, sizeof cfg->user, v, name, "user", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "join_token")) &&
	    copy_str(cfg->join_token, sizeof cfg->join_token, v, name, "join_token", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "password_file")) &&
	    copy_str(cfg->password_file, sizeof cfg->password_file, v, name, "password_file", err) <
		0)
		return -1;
	return 0;
}

static int parse_cluster(struct agent_config *cfg, const cJSON *c, const char *name,
			 struct sk_err *err)
{
	const cJSON *v;

	if ((v = cJSON_GetObjectItemCaseSensitive(c, "name")) &&
	    copy_str(cfg->cluster, sizeof cfg->cluster, v, name, "name", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "node_id")) &&
	    copy_str(cfg->node_id, sizeof cfg->node_id, v, name, "node_id", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "endpoints")) &&
	    parse_endpoints(cfg, v, name, err) < 0)
		return -1;
	if (parse_tls(cfg, c, name, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "labels")) &&
	    parse_labels(cfg, v, name, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "insecure_registries")) &&
	    parse_registries(cfg, v, name, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "reserved_memory_mib")) &&
	    parse_int(&cfg->reserved_memory_mib, v, 0, 1 << 20, name, "reserved_memory_mib", err) <
		0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(c, "lease_ttl_s")) &&
	    parse_int(&cfg->lease_ttl_s, v, 2, 3600, name, "lease_ttl_s", err) < 0)
		return -1;
	return agent_config_parse_ops(cfg, c, name, err);
}

/* imagegen's "update" object (the spec's update:): the bound within which
 * a new OS version must become healthy. */
static int parse_update(struct agent_config *cfg, const cJSON *u, const char *name,
			struct sk_err *err)
{
	const cJSON *v;

	if (!u)
		return 0;
	if (!cJSON_IsObject(u))
		return sk_fail(err, 0, "%s: update: expected an object", name);
	v = cJSON_GetObjectItemCaseSensitive(u, "health_timeout_s");
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 10 || v->valuedouble > 86400 ||
	    v->valuedouble != (int)v->valuedouble)
		return sk_fail(
		    err, 0, "%s: update.health_timeout_s: expected an integer in 10..86400", name);
	cfg->update_health_timeout_s = (int)v->valuedouble;
	return 0;
}

int agent_config_parse(struct agent_config *cfg, const char *name, const char *text,
		       struct sk_err *err)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *c;
	int rc = 0;

	if (!root)
		return sk_fail(err, 0, "%s: not valid JSON", name);
	c = cJSON_GetObjectItemCaseSensitive(root, "cluster");
	if (c && !cJSON_IsObject(c))
		rc = sk_fail(err, 0, "%s: cluster: expected an object", name);
	else if (c)
		rc = parse_cluster(cfg, c, name, err);
	if (rc == 0)
		rc = parse_update(cfg, cJSON_GetObjectItemCaseSensitive(root, "update"), name, err);
	cJSON_Delete(root);
	return rc;
}

int agent_config_load(struct agent_config *cfg, const char *path, int required, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;

	if (sk_read_file(path, CONFIG_MAX_BYTES, &text, NULL, err) < 0) {
		if (err->errnum == ENOENT && !required)
			return 0;
		return -1;
	}
	return agent_config_parse(cfg, path, text, err);
}

int agent_config_add_label(struct agent_config *cfg, const char *kv, struct sk_err *err)
{
	char key[64];
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key)
		return sk_fail(err, 0, "label %s: expected KEY=VALUE", kv);
	memcpy(key, kv, eq - kv);
	key[eq - kv] = '\0';
	return set_label(cfg, key, eq + 1, err);
}

int agent_config_set_endpoints(struct agent_config *cfg, const char *list, struct sk_err *err)
{
	SK_AUTOFREE char *copy = strdup(list);
	char *save = NULL, *tok;
	size_t n = 0;

	if (!copy)
		return sk_fail(err, errno, "endpoints");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == AGENT_MAX_ENDPOINTS || strlen(tok) >= sizeof cfg->endpoints[0])
			return sk_fail(err, 0, "endpoints %s: too many or too long", list);
		if (strncmp(tok, "http://", 7) != 0 && strncmp(tok, "https://", 8) != 0)
			return sk_fail(err, 0, "endpoint %s: not an http(s) URL", tok);
		snprintf(cfg->endpoints[n++], sizeof cfg->endpoints[0], "%s", tok);
	}
	if (n == 0)
		return sk_fail(err, 0, "endpoints: empty list");
	cfg->n_endpoints = n;
	return 0;
}

/* The id this node kept in DATA/node-id: *found is 0 when there is none.
 * A longer file than an id and its newline is cut, and then too long. */
static int read_kept_id(char *id, size_t size, const char *path, int *found, struct sk_err *err)
{
	char text[AGENT_ID_MAX + 2];
	ssize_t len = sk_read_small(path, text, sizeof text);

	*found = 0;
	if (len < 0)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "read %s", path);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	size_t n = strlen(text);
	if (n >= size || !agent_valid_id(text, size))
		return sk_fail(err, 0,
			       "%s: not a node id (one line of letters, digits, '-', '_' and '.'); "
			       "fix or remove it",
			       path);
	memcpy(id, text, n + 1);
	*found = 1;
	return 0;
}

/* Without a configured id the node makes one (hostname, a dash, the first
 * 8 characters of the boot id) and keeps it in DATA/node-id, so that it
 * comes back under the same id after a reboot or an OS update: its node
 * record, its updates/<id> and the etcd user it joined as all name it.
 * On a diskless node the data directory is RAM, so the id lasts a boot.
 * The ECS agent keeps its container instance ARN in its data dir alike. */
static int kept_node_id(struct agent_config *cfg, struct sk_err *err)
{
	char path[sizeof cfg->data_dir + 16], line[AGENT_ID_MAX + 1];
	char host[64] = "node", boot[40] = "";
	int found;

	snprintf(path, sizeof path, "%s/node-id", cfg->data_dir);
	if (read_kept_id(cfg->node_id, sizeof cfg->node_id, path, &found, err) < 0)
		return -1;
	if (found)
		return 0;
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	if (nodeinfo_boot_id(boot, sizeof boot, err) < 0)
		return -1;
	snprintf(cfg->node_id, sizeof cfg->node_id, "%.64s-%.8s", host, boot);
	if (!agent_valid_id(cfg->node_id, AGENT_ID_MAX))
		return sk_fail(err, 0,
			       "node id %s (from the hostname): use letters, digits, '-', "
			       "'_' and '.', or set cluster.node_id",
			       cfg->node_id);
	int n = snprintf(line, sizeof line, "%s\n", cfg->node_id);
	if (sk_mkdir_p(cfg->data_dir, 0755, err) < 0 ||
	    sk_write_durable(path, line, (size_t)n, err) < 0)
		return sk_wrap(err, "keep the node id");
	return 0;
}

int agent_config_finish(struct agent_config *cfg, struct sk_err *err)
{
	if (!cfg->node_id[0] && kept_node_id(cfg, err) < 0)
		return -1;
	if (!agent_valid_id(cfg->node_id, AGENT_ID_MAX))
		return sk_fail(err, 0, "node id %s: use letters, digits, '-', '_' and '.'",
			       cfg->node_id);
	if (!agent_valid_id(cfg->cluster, AGENT_ID_MAX))
		return sk_fail(err, 0, "cluster name %s: use letters, digits, '-', '_' and '.'",
			       cfg->cluster);
	if (!cfg->cert_file[0] != !cfg->key_file[0])
		return sk_fail(err, 0,
			       "TLS client certificate: give both cert_file and key_file "
			       "(--cert and --key)");
	if (cfg->user[0] && !cfg->password_file[0])
		return sk_fail(err, 0, "etcd user %s: give password_file (--password-file)",
			       cfg->user);
	if (cfg->password_file[0] && !cfg->user[0])
		snprintf(cfg->user, sizeof cfg->user, "skiff:%s:node:%s", cfg->cluster,
			 cfg->node_id);
	return agent_config_finish_ops(cfg, err);
}
