/* Settings for operating a node: the "api" object (the node API's port
 * and certificates) and the "syslog" object (log forwarding) of node.json's
 * cluster object. Errors name the key path. */
#include "agent_config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "syslog.h"
#include "x509_subject.h"

#define API_DEFAULT_PORT 7443

void agent_config_ops_defaults(struct agent_config *cfg)
{
	cfg->api.port = API_DEFAULT_PORT;
	snprintf(cfg->syslog.tag, sizeof cfg->syslog.tag, "skiff");
	cfg->syslog.buffer_kib = 1024;
}

static int get_str(char *dst, size_t size, const cJSON *obj, const char *key, const char *name,
		   const char *path, struct sk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
		return sk_fail(err, 0, "%s: cluster.%s.%s: expected a string shorter than %zu",
			       name, path, key, size);
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

static int get_int(int *dst, const cJSON *obj, const char *key, int min, int max, const char *name,
		   const char *path, struct sk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
	    v->valuedouble != (int)v->valuedouble)
		return sk_fail(err, 0, "%s: cluster.%s.%s: expected an integer in %d..%d", name,
			       path, key, min, max);
	*dst = (int)v->valuedouble;
	return 0;
}

/* Every key of OBJ must be one of KEYS. */
static int known_keys(const cJSON *obj, const char *const *keys, const char *name, const char *path,
		      struct sk_err *err)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, obj)
	{
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], e->string))
			i++;
		if (!keys[i])
			return sk_fail(err, 0, "%s: cluster.%s.%s: unknown key", name, path,
				       e->string);
	}
	return 0;
}

static int parse_api(struct agent_api_config *api, const cJSON *o, const char *name,
		     struct sk_err *err)
{
	static const char *const keys[] = {"port", "ca_file", "cert_file", "key_file", NULL};

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: cluster.api: expected an object", name);
	if (known_keys(o, keys, name, "api", err) < 0 ||
	    get_int(&api->port, o, "port", 1, 65535, name, "api", err) < 0 ||
	    get_str(api->ca_file, sizeof api->ca_file, o, "ca_file", name, "api", err) < 0 ||
	    get_str(api->cert_file, sizeof api->cert_file, o, "cert_file", name, "api", err) < 0 ||
	    get_str(api->key_file, sizeof api->key_file, o, "key_file", name, "api", err) < 0)
		return -1;
	if (!api->ca_file[0] || !api->cert_file[0] || !api->key_file[0])
		return sk_fail(err, 0, "%s: cluster.api: needs ca_file, cert_file and key_file",
			       name);
	return 0;
}

static int parse_syslog(struct agent_syslog_config *sl, const cJSON *o, const char *name,
			struct sk_err *err)
{
	static const char *const keys[] = {"address",	 "ca_file",    "tag",
					   "containers", "buffer_kib", NULL};
	struct syslog_addr addr;
	const cJSON *v;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: cluster.syslog: expected an object", name);
	if (known_keys(o, keys, name, "syslog", err) < 0 ||
	    get_str(sl->address, sizeof sl->address, o, "address", name, "syslog", err) < 0 ||
	    get_str(sl->ca_file, sizeof sl->ca_file, o, "ca_file", name, "syslog", err) < 0 ||
	    get_str(sl->tag, sizeof sl->tag, o, "tag", name, "syslog", err) < 0 ||
	    get_int(&sl->buffer_kib, o, "buffer_kib", 16, 1 << 20, name, "syslog", err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "containers")) && !cJSON_IsBool(v))
		return sk_fail(err, 0, "%s: cluster.syslog.containers: expected true or false",
			       name);
	sl->containers = cJSON_IsTrue(v);
	if (!sl->address[0])
		return sk_fail(err, 0, "%s: cluster.syslog.address: required", name);
	if (syslog_addr_parse(sl->address, &addr, err) < 0)
		return sk_wrap(err, "%s: cluster.syslog.address", name);
	return 0;
}

int agent_config_parse_ops(struct agent_config *cfg, const cJSON *cluster, const char *name,
			   struct sk_err *err)
{
	const cJSON *v;

	if ((v = cJSON_GetObjectItemCaseSensitive(cluster, "api")) &&
	    parse_api(&cfg->api, v, name, err) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(cluster, "syslog")) &&
	    parse_syslog(&cfg->syslog, v, name, err) < 0)
		return -1;
	return 0;
}

int agent_config_finish_ops(struct agent_config *cfg, struct sk_err *err)
{
	struct x509_subject s;
	const struct agent_api_config *a = &cfg->api;

	if (!a->ca_file[0] && !a->cert_file[0] && !a->key_file[0])
		return 0;
	if (!a->ca_file[0] || !a->cert_file[0] || !a->key_file[0])
		return sk_fail(err, 0,
			       "node API: give ca_file, cert_file and key_file (--api-cacert, "
			       "--api-cert, --api-key) together");
	if (x509_subject_of_file(cfg->api.cert_file, &s, err) < 0)
		return sk_wrap(err, "node API certificate");
	if (strcmp(s.o, X509_ROLE_NODE) != 0)
		return sk_fail(
		    err, 0,
		    "node API certificate %s: role \"%s\", not \"%s\" (skiffctl ca issue "
		    "node NAME makes one)",
		    cfg->api.cert_file, s.o, X509_ROLE_NODE);
	snprintf(cfg->api.name, sizeof cfg->api.name, "%s", s.cn);
	return 0;
}
