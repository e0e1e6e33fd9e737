/* Where skiffctl finds etcd: --endpoints, $SKIFF_ENDPOINTS, or the config
 * file (--config FILE or ~/.config/skiff/skiffctl.json):
 * {"endpoints":["http://127.0.0.1:2379"],"cluster":"default","cacert":"…",
 *  "cert":"…","key":"…","user":"…","password":"…","api_cacert":"…",
 *  "api_cert":"…","api_key":"…"}. Flags win over the
 * environment, which wins over the file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static cJSON *config_json; /* kept for the strings it lends until exit */

static int load_config(struct ctl *c, struct sk_err *err)
{
	char path[4096];
	const char *file = c->config;
	if (!file) {
		const char *home = getenv("HOME");
		if (!home)
			return 0;
		snprintf(path, sizeof path, "%s/.config/skiff/skiffctl.json", home);
		if (access(path, F_OK) != 0)
			return 0;
		file = path;
	}
	int rc = ctl_read_json_file(file, &config_json, err);
	if (rc < 0)
		return rc;
	static char list[2048];
	const cJSON *eps = cJSON_GetObjectItemCaseSensitive(config_json, "endpoints"), *it;
	list[0] = '\0';
	cJSON_ArrayForEach(it, eps)
	{
		if (!cJSON_IsString(it))
			return ctl_usage_error(err, "%s: endpoints: expected strings", file);
		if (list[0])
			strncat(list, ",", sizeof list - strlen(list) - 1);
		strncat(list, it->valuestring, sizeof list - strlen(list) - 1);
	}
	if (cJSON_IsString(eps))
		snprintf(list, sizeof list, "%s", eps->valuestring);
	if (!c->endpoints && list[0])
		c->endpoints = list;
	if (!c->cluster && *json_record_str(config_json, "cluster"))
		c->cluster = json_record_str(config_json, "cluster");
	if (!c->opts.ca_file && *json_record_str(config_json, "cacert"))
		c->opts.ca_file = json_record_str(config_json, "cacert");
	if (!c->opts.cert_file && *json_record_str(config_json, "cert"))
		c->opts.cert_file = json_record_str(config_json, "cert");
	if (!c->opts.key_file && *json_record_str(config_json, "key"))
		c->opts.key_file = json_record_str(config_json, "key");
	if (!c->opts.user && *json_record_str(config_json, "user"))
		c->opts.user = json_record_str(config_json, "user");
	if (!c->opts.password && *json_record_str(config_json, "password"))
		c->opts.password = json_record_str(config_json, "password");
	if (!c->api_ca && *json_record_str(config_json, "api_cacert"))
		c->api_ca = json_record_str(config_json, "api_cacert");
	if (!c->api_cert && *json_record_str(config_json, "api_cert"))
		c->api_cert = json_record_str(config_json, "api_cert");
	if (!c->api_key && *json_record_str(config_json, "api_key"))
		c->api_key = json_record_str(config_json, "api_key");
	return 0;
}

int ctl_configure(struct ctl *c, struct sk_err *err)
{
	if (!c->endpoints)
		c->endpoints = getenv("SKIFF_ENDPOINTS");
	if (!c->cluster)
		c->cluster = getenv("SKIFF_CLUSTER");
	if (!c->opts.password)
		c->opts.password = getenv("SKIFF_ETCD_PASSWORD");
	if (!c->opts.cert_file)
		c->opts.cert_file = getenv("SKIFF_ETCD_CERT");
	if (!c->opts.key_file)
		c->opts.key_file = getenv("SKIFF_ETCD_KEY");
	if (!c->api_ca)
		c->api_ca = getenv("SKIFF_API_CACERT");
	if (!c->api_cert)
		c->api_cert = getenv("SKIFF_API_CERT");
	if (!c->api_key)
		c->api_key = getenv("SKIFF_API_KEY");
	int rc = load_config(c, err);
	if (rc < 0)
		return rc;
	if (!c->opts.cert_file != !c->opts.key_file)
		return ctl_usage_error(err, "--cert and --key go together");
	if (!c->endpoints)
		c->endpoints = "http://127.0.0.1:2379";
	if (!c->cluster)
		c->cluster = "default";
	if (!ctl_name_chars_ok(c->cluster, 100))
		return ctl_usage_error(err, "--cluster: bad name `%s`", c->cluster);
	snprintf(c->prefix, sizeof c->prefix, "/skiff/%s/", c->cluster);
	return 0;
}

int ctl_connect(struct ctl *c, struct sk_err *err)
{
	if (c->etcd)
		return 0;
	c->opts.endpoints = c->endpoints;
	if (!c->opts.timeout_ms)
		c->opts.timeout_ms = 5000;
	if (etcd_new(&c->opts, &c->etcd, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	return 0;
}
