/* A container's logConfiguration with the syslog log driver, with
 * Docker's option names: {"logDriver": "syslog", "options":
 * {"syslog-address": "tcp://HOST:PORT" | "tcp+tls://HOST:PORT", "tag":
 * "...", "syslog-facility": "daemon", "syslog-format": "rfc5424",
 * "syslog-tls-ca-cert": "/path"}}. Checked where a task definition is
 * registered (lib/taskdef) and read where it runs (the agent). */
#ifndef SK_LOGCONF_H
#define SK_LOGCONF_H

#include "err.h"
#include "taskdef.h"

struct logconf_syslog {
	char address[256];
	char tag[49];
	char ca_file[256];
	int facility;
};

/* 1 with *out filled for the syslog driver, 0 for another driver (or
 * none), -1 on a bad option; the message names it
 * ("options.syslog-address: required"). */
int logconf_syslog(const struct td_log_configuration *lc, struct logconf_syslog *out,
		   struct sk_err *err);

#endif
