/* Reading and validating /etc/skiff/node.json and the skiff.* kernel
 * command-line overrides into struct node_config (see init_config.h). */
#include "init_config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "log.h"

#define CONFIG_FILE_MAX (1 << 20)
#define DEFAULT_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const restart_names[] = {
    [RESTART_ALWAYS] = "always",
    [RESTART_ON_FAILURE] = "on-failure",
    [RESTART_NEVER] = "never",
};

const char *restart_policy_name(enum restart_policy p)
{
	return restart_names[p];
}

void config_defaults(struct node_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->hostname, "skiff");
	strcpy(cfg->version, "0");
	cfg->grace_ms = 5000;
}

static char *pool_copy(struct node_config *cfg, const char *s, const char *where,
		       struct sk_err *err)
{
	size_t len = strlen(s) + 1;
	char *p;

	if (len > sizeof cfg->pool - cfg->pool_used) {
		sk_fail(err, 0, "%s: configuration too large (%zu bytes of strings at most)", where,
			sizeof cfg->pool);
		return NULL;
	}
	p = cfg->pool + cfg->pool_used;
	memcpy(p, s, len);
	cfg->pool_used += len;
	return p;
}

static int valid_chars(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (const char *c = s; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && !strchr(extra, *c))
			return 0;
	return 1;
}

static int check_hostname(const char *s, const char *where, struct sk_err *err)
{
	if (!valid_chars(s, CONFIG_HOSTNAME_MAX, "-.") || s[0] == '-' || s[0] == '.')
		return sk_fail(err, 0, "%s: invalid hostname \"%s\"", where, s);
	return 0;
}

static int add_module(struct node_config *cfg, const char *name, const char *where,
		      struct sk_err *err)
{
	if (!valid_chars(name, CONFIG_NAME_MAX - 1, "_-"))
		return sk_fail(err, 0, "%s: invalid module name \"%s\"", where, name);
	for (size_t i = 0; i < cfg->n_modules; i++)
		if (strcmp(cfg->modules[i], name) == 0)
			return 0;
	if (cfg->n_modules == CONFIG_MAX_MODULES)
		return sk_fail(err, 0, "%s: more than %d modules", where, CONFIG_MAX_MODULES);
	const char *p = pool_copy(cfg, name, where, err);
	if (!p)
		return -1;
	cfg->modules[cfg->n_modules++] = p;
	return 0;
}

/* Copies a JSON array of strings into out[] (NULL-terminated, at most
 * MAX entries); returns the count. */
static int copy_strings(struct node_config *cfg, const cJSON *arr, char **out, size_t max,
			const char *where, struct sk_err *err)
{
	char elem[128];
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsArray(arr))
		return sk_fail(err, 0, "%s: expected an array of strings", where);
	cJSON_ArrayForEach(it, arr)
	{
		snprintf(elem, sizeof elem, "%s[%zu]", where, n);
		if (!cJSON_IsString(it))
			return sk_fail(err, 0, "%s: expected a string", elem);
		if (n == max)
			return sk_fail(err, 0, "%s: more than %zu entries", where, max);
		if (!(out[n++] = pool_copy(cfg, it->valuestring, elem, err)))
			return -1;
	}
	out[n] = NULL;
	return (int)n;
}

static int parse_exec(struct node_config *cfg, struct service_config *svc, const cJSON *v,
		      const char *where, struct sk_err *err)
{
	int n = copy_strings(cfg, v, svc->argv, CONFIG_MAX_ARGS, where, err);

	if (n < 0)
		return -1;
	if (n == 0)
		return sk_fail(err, 0, "%s: must not be empty", where);
	if (svc->argv[0][0] != '/')
		return sk_fail(err, 0, "%s[0]: \"%s\" is not an absolute path", where,
			       svc->argv[0]);
	return 0;
}

static int parse_env(struct node_config *cfg, struct service_config *svc, const cJSON *v,
		     const char *where, struct sk_err *err)
{
	int n = copy_strings(cfg, v, svc->envp, CONFIG_MAX_ENV, where, err);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(svc->envp[i], '=');
		if (!eq || eq == svc->envp[i])
			return sk_fail(err, 0, "%s[%d]: \"%s\" is not KEY=VALUE", where, i,
				       svc->envp[i]);
	}
	return 0;
}

static int parse_restart(struct service_config *svc, const cJSON *v, const char *where,
			 struct sk_err *err)
{
	if (!cJSON_IsString(v))
		return sk_fail(err, 0, "%s: expected a string", where);
	for (size_t i = 0; i < sizeof restart_names / sizeof *restart_names; i++) {
		if (strcmp(v->valuestring, restart_names[i]) == 0) {
			svc->restart = (enum restart_policy)i;
			return 0;
		}
	}
	return sk_fail(err, 0, "%s: \"%s\" is not always, on-failure or never", where,
		       v->valuestring);
}

static int parse_service_name(struct node_config *cfg, struct service_config *svc, const cJSON *v,
			      const char *where, struct sk_err *err)
{
	if (!cJSON_IsString(v))
		return sk_fail(err, 0, "%s: expected a string", where);
	if (!valid_chars(v->valuestring, CONFIG_NAME_MAX - 1, "._-") || v->valuestring[0] == '.')
		return sk_fail(err, 0, "%s: invalid service name \"%s\"", where, v->valuestring);
	for (const struct service_config *o = cfg->services; o < svc; o++)
		if (strcmp(o->name, v->valuestring) == 0)
			return sk_fail(err, 0, "%s: duplicate service name \"%s\"", where,
				       v->valuestring);
	strcpy(svc->name, v->valuestring);
	return 0;
}

static int parse_service_key(struct node_config *cfg, struct service_config *svc, const cJSON *v,
			     const char *where, struct sk_err *err)
{
	if (strcmp(v->string, "name") == 0)
		return parse_service_name(cfg, svc, v, where, err);
	if (strcmp(v->string, "exec") == 0)
		return parse_exec(cfg, svc, v, where, err);
	if (strcmp(v->string, "env") == 0)
		return parse_env(cfg, svc, v, where, err);
	if (strcmp(v->string, "restart") == 0)
		return parse_restart(svc, v, where, err);
	logwarn("config: %s: unknown key ignored", where);
	return 0;
}

/* Every key appears once: cJSON keeps duplicates and would silently use
 * one of them. */
static int check_duplicates(const cJSON *obj, struct sk_err *err)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				return sk_fail(err, 0, "%s: duplicate key", a->string);
	return 0;
}

/* Appends the default PATH unless the service sets its own. */
static void add_default_path(struct service_config *svc)
{
	size_t n = 0;

	for (; svc->envp[n]; n++)
		if (strncmp(svc->envp[n], "PATH=", 5) == 0)
			return;
	svc->envp[n++] = (char *)DEFAULT_PATH;
	svc->envp[n] = NULL;
}

static int parse_service(struct node_config *cfg, const cJSON *obj, size_t idx, struct sk_err *err)
{
	struct service_config *svc = &cfg->services[idx];
	char where[96];
	const cJSON *v;

	snprintf(where, sizeof where, "services[%zu]", idx);
	if (!cJSON_IsObject(obj))
		return sk_fail(err, 0, "%s: expected an object", where);
	if (check_duplicates(obj, err) < 0)
		return sk_wrap(err, "%s", where);
	cJSON_ArrayForEach(v, obj)
	{
		char key[160];
		snprintf(key, sizeof key, "%s.%s", where, v->string);
		if (parse_service_key(cfg, svc, v, key, err) < 0)
			return -1;
	}
	if (!svc->name[0])
		return sk_fail(err, 0, "%s.name: missing", where);
	if (!svc->argv[0])
		return sk_fail(err, 0, "%s.exec: missing", where);
	add_default_path(svc);
	return 0;
}

static int parse_services(struct node_config *cfg, const cJSON *arr, struct sk_err *err)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return sk_fail(err, 0, "services: expected an array");
	cJSON_ArrayForEach(it, arr)
	{
		if (cfg->n_services == CONFIG_MAX_SERVICES)
			return sk_fail(err, 0, "services: more than %d services",
				       CONFIG_MAX_SERVICES);
		if (parse_service(cfg, it, cfg->n_services, err) < 0)
			return -1;
		cfg->n_services++;
	}
	return 0;
}

static int parse_modules(struct node_config *cfg, const cJSON *arr, struct sk_err *err)
{
	char where[32];
	const cJSON *it;
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return sk_fail(err, 0, "modules: expected an array of strings");
	cJSON_ArrayForEach(it, arr)
	{
		snprintf(where, sizeof where, "modules[%zu]", i++);
		if (!cJSON_IsString(it))
			return sk_fail(err, 0, "%s: expected a string", where);
		if (add_module(cfg, it->valuestring, where, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_string_into(char *dst, size_t cap, const cJSON *v, const char *where,
			     struct sk_err *err)
{
	if (!cJSON_IsString(v))
		return sk_fail(err, 0, "%s: expected a string", where);
	if (strlen(v->valuestring) >= cap)
		return sk_fail(err, 0, "%s: longer than %zu characters", where, cap - 1);
	strcpy(dst, v->valuestring);
	return 0;
}

static int parse_top_key(struct node_config *cfg, const cJSON *v, struct sk_err *err)
{
	const char *k = v->string;

	if (strcmp(k, "hostname") == 0) {
		if (parse_string_into(cfg->hostname, sizeof cfg->hostname, v, k, err) < 0)
			return -1;
		return check_hostname(cfg->hostname, k, err);
	}
	if (strcmp(k, "debug") == 0) {
		if (!cJSON_IsBool(v))
			return sk_fail(err, 0, "debug: expected true or false");
		cfg->debug = cJSON_IsTrue(v);
		return 0;
	}
	if (strcmp(k, "kernel") == 0)
		return parse_string_into(cfg->kernel, sizeof cfg->kernel, v, k, err);
	if (strcmp(k, "version") == 0) {
		if (parse_string_into(cfg->version, sizeof cfg->version, v, k, err) < 0)
			return -1;
		if (!valid_chars(cfg->version, CONFIG_VERSION_MAX, "._+~-"))
			return sk_fail(err, 0, "version: invalid \"%s\"", cfg->version);
		return 0;
	}
	if (strcmp(k, "modules") == 0)
		return parse_modules(cfg, v, err);
	if (strcmp(k, "services") == 0)
		return parse_services(cfg, v, err);
	if (strcmp(k, "shutdown_grace_ms") == 0) {
		double d = v->valuedouble;
		if (!cJSON_IsNumber(v) || d < 0 || d > CONFIG_GRACE_MAX_MS || d != (unsigned)d)
			return sk_fail(err, 0, "shutdown_grace_ms: expected an integer 0..%d",
				       CONFIG_GRACE_MAX_MS);
		cfg->grace_ms = (unsigned)d;
		return 0;
	}
	/* Read by the agent and by netcfg, not by init. */
	if (strcmp(k, "cluster") != 0 && strcmp(k, "network") != 0 && strcmp(k, "update") != 0)
		logwarn("config: %s: unknown key ignored", k);
	return 0;
}

static int syntax_error(const char *name, const char *text, const char *at, struct sk_err *err)
{
	int line = 1, col = 1;

	for (const char *p = text; at && p < at; p++, col++)
		if (*p == '\n')
			line++, col = 0;
	return sk_fail(err, 0, "%s:%d:%d: malformed JSON", name, line, col);
}

int config_parse(struct node_config *cfg, const char *name, const char *text, size_t len,
		 struct sk_err *err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	const cJSON *v;
	int rc = 0;

	if (!root)
		return syntax_error(name, text, end, err);
	if (!cJSON_IsObject(root))
		rc = sk_fail(err, 0, "%s: expected a JSON object", name);
	if (rc == 0 && check_duplicates(root, err) < 0)
		rc = sk_wrap(err, "%s", name);
	for (v = rc == 0 ? root->child : NULL; v; v = v->next)
		if (parse_top_key(cfg, v, err) < 0) {
			rc = sk_wrap(err, "%s", name);
			break;
		}
	cJSON_Delete(root);
	return rc;
}

int config_load(struct node_config *cfg, const char *path, struct sk_err *err)
{
	SK_AUTOFREE char *buf = NULL;
	size_t n;

	if (sk_read_file(path, CONFIG_FILE_MAX, &buf, &n, err) < 0)
		return err->errnum == ENOENT ? 1 : -1;
	return config_parse(cfg, path, buf, n, err);
}

static int cmdline_uint(const char *key, const char *val, unsigned max, unsigned *out,
			struct sk_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = val && *val ? strtoul(val, &end, 10) : 0;
	if (!val || !*val || *end || errno || v > max || val[0] == '-')
		return sk_fail(err, 0, "%s: expected an integer 0..%u, got \"%s\"", key, max,
			       val ? val : "");
	*out = (unsigned)v;
	return 0;
}

static int cmdline_modules(struct node_config *cfg, const char *key, const char *val,
			   struct sk_err *err)
{
	char name[CONFIG_NAME_MAX];

	while (val && *val) {
		size_t len = strcspn(val, ",");
		if (len >= sizeof name)
			return sk_fail(err, 0, "%s: module name too long", key);
		memcpy(name, val, len);
		name[len] = '\0';
		if (len && add_module(cfg, name, key, err) < 0)
			return -1;
		val += len + (val[len] == ',');
	}
	return 0;
}

static int cmdline_service(struct node_config *cfg, const char *key, const char *val,
			   struct sk_err *err)
{
	const char *name = key + strlen("skiff.service.");

	if (!val || (strcmp(val, "off") != 0 && strcmp(val, "on") != 0))
		return sk_fail(err, 0, "%s: expected off or on", key);
	for (size_t i = 0; i < cfg->n_services; i++) {
		if (strcmp(cfg->services[i].name, name) == 0) {
			cfg->services[i].disabled = strcmp(val, "off") == 0;
			return 1;
		}
	}
	logwarn("cmdline: %s: no service \"%s\", ignored", key, name);
	return 0;
}

/* Returns 1 if KEY was applied, 0 if ignored, -1 on a bad value. */
static int cmdline_one(struct node_config *cfg, const char *key, const char *val,
		       struct sk_err *err)
{
	if (strcmp(key, "skiff.hostname") == 0) {
		if (check_hostname(val ? val : "", key, err) < 0)
			return -1;
		strcpy(cfg->hostname, val);
		return 1;
	}
	if (strcmp(key, "skiff.debug") == 0) {
		if (val && strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
			return sk_fail(err, 0, "%s: expected 0 or 1, got \"%s\"", key, val);
		cfg->debug = !val || val[0] == '1';
		return 1;
	}
	if (strcmp(key, "skiff.modules") == 0)
		return cmdline_modules(cfg, key, val, err) < 0 ? -1 : 1;
	if (strcmp(key, "skiff.grace_ms") == 0) {
		if (cmdline_uint(key, val, CONFIG_GRACE_MAX_MS, &cfg->grace_ms, err) < 0)
			return -1;
		return 1;
	}
	if (strncmp(key, "skiff.service.", 14) == 0)
		return cmdline_service(cfg, key, val, err);
	if (strcmp(key, "skiff.fatal") == 0) {
		if (!val || (strcmp(val, "reboot") != 0 && strcmp(val, "poweroff") != 0))
			return sk_fail(err, 0, "%s: expected reboot or poweroff, got \"%s\"", key,
				       val ? val : "");
		cfg->fatal_reboot = strcmp(val, "reboot") == 0;
		return 1;
	}
	/* Read by the disk boot (disk.c). */
	if (!strcmp(key, "skiff.root") || !strcmp(key, "skiff.verity") ||
	    !strcmp(key, "skiff.data"))
		return 0;
	logwarn("cmdline: unknown option %s ignored", key);
	return 0;
}

int config_apply_cmdline(struct node_config *cfg, const struct cmdline_arg *args, size_t n,
			 struct sk_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (strncmp(args[i].key, "skiff.", 6) != 0)
			continue;
		int r = cmdline_one(cfg, args[i].key, args[i].value, err);
		if (r < 0)
			return sk_wrap(err, "kernel command line");
		if (r > 0)
			logmsg("cmdline override %s", args[i].key);
	}
	return 0;
}
