/* The syslog logConfiguration of a container (see logconf.h). */
#include "logconf.h"

#include <stdio.h>
#include <string.h>

#include "syslog.h"

static int copy(char *dst, size_t size, const char *v, const char *key, struct sk_err *err)
{
	if (!v || !*v || strlen(v) >= size)
		return sk_fail(err, 0, "options.%s: expected 1..%zu characters", key, size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int option(struct logconf_syslog *o, const struct td_kv *kv, struct sk_err *err)
{
	const char *k = kv->name, *v = kv->value ? kv->value : "";

	if (!strcmp(k, "syslog-address"))
		return copy(o->address, sizeof o->address, v, k, err);
	if (!strcmp(k, "tag"))
		return copy(o->tag, sizeof o->tag, v, k, err);
	if (!strcmp(k, "syslog-tls-ca-cert"))
		return copy(o->ca_file, sizeof o->ca_file, v, k, err);
	if (!strcmp(k, "syslog-facility")) {
		if ((o->facility = syslog_facility(v)) < 0)
			return sk_fail(err, 0, "options.%s: %s: not a syslog facility", k, v);
		return 0;
	}
	if (!strcmp(k, "syslog-format")) {
		if (strcmp(v, "rfc5424"))
			return sk_fail(err, 0, "options.%s: %s: only rfc5424 is supported", k, v);
		return 0;
	}
	return sk_fail(err, 0,
		       "options.%s: not supported with syslog (syslog-address, tag, "
		       "syslog-facility, syslog-format, syslog-tls-ca-cert)",
		       k);
}

int logconf_syslog(const struct td_log_configuration *lc, struct logconf_syslog *out,
		   struct sk_err *err)
{
	struct syslog_addr addr;

	memset(out, 0, sizeof *out);
	out->facility = 3; /* daemon, as Docker's syslog driver */
	if (!lc || lc->log_driver != TD_LOG_SYSLOG)
		return 0;
	for (size_t i = 0; i < lc->n_options; i++)
		if (option(out, &lc->options[i], err) < 0)
			return -1;
	if (!out->address[0])
		return sk_fail(err, 0, "options.syslog-address: required");
	if (syslog_addr_parse(out->address, &addr, err) < 0)
		return sk_wrap(err, "options.syslog-address");
	return 1;
}
