/* The syslog logConfiguration of a container definition (see logconf.h). */
#include "logconf.h"

#include <stdio.h>
#include <string.h>

#include "syslog.h"

static int copy(char *dst, size_t size, const cJSON *v, const char *path, const char *key,
		struct sk_err *err)
{
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= size)
		return sk_fail(err, 0, "%s.options.%s: expected a string of 1..%zu characters",
			       path, key, size - 1);
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

static int option(struct logconf_syslog *o, const cJSON *v, const char *path, struct sk_err *err)
{
	const char *k = v->string;

	if (!strcmp(k, "syslog-address"))
		return copy(o->address, sizeof o->address, v, path, k, err);
	if (!strcmp(k, "tag"))
		return copy(o->tag, sizeof o->tag, v, path, k, err);
	if (!strcmp(k, "syslog-tls-ca-cert"))
		return copy(o->ca_file, sizeof o->ca_file, v, path, k, err);
	if (!strcmp(k, "syslog-facility")) {
		if (!cJSON_IsString(v) || (o->facility = syslog_facility(v->valuestring)) < 0)
			return sk_fail(err, 0, "%s.options.%s: not a syslog facility", path, k);
		return 0;
	}
	if (!strcmp(k, "syslog-format")) {
		if (!cJSON_IsString(v) || strcmp(v->valuestring, "rfc5424"))
			return sk_fail(err, 0, "%s.options.%s: only rfc5424 is supported", path, k);
		return 0;
	}
	return sk_fail(err, 0,
		       "%s.options.%s: not supported (syslog-address, tag, "
		       "syslog-facility, syslog-format, syslog-tls-ca-cert)",
		       path, k);
}

int logconf_syslog_parse(const cJSON *lc, const char *path, struct logconf_syslog *out,
			 struct sk_err *err)
{
	const cJSON *driver = cJSON_GetObjectItemCaseSensitive(lc, "logDriver");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(lc, "options"), *v;
	struct syslog_addr addr;

	memset(out, 0, sizeof *out);
	out->facility = 3; /* daemon, as Docker's syslog driver */
	if (!cJSON_IsObject(lc) || !cJSON_IsString(driver))
		return sk_fail(err, 0, "%s.logDriver: expected a string", path);
	if (strcmp(driver->valuestring, "syslog"))
		return 0;
	if (opts && !cJSON_IsObject(opts))
		return sk_fail(err, 0, "%s.options: expected an object", path);
	cJSON_ArrayForEach(v, opts)
	{
		if (option(out, v, path, err) < 0)
			return -1;
	}
	if (!out->address[0])
		return sk_fail(err, 0, "%s.options.syslog-address: required", path);
	if (syslog_addr_parse(out->address, &addr, err) < 0)
		return sk_wrap(err, "%s.options.syslog-address", path);
	return 1;
}
