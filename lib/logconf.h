/* A container definition's "logConfiguration" for the syslog log driver,
 * with Docker's option names: {"logDriver": "syslog", "options":
 * {"syslog-address": "tcp://HOST:PORT" | "tcp+tls://HOST:PORT", "tag":
 * "...", "syslog-facility": "daemon", "syslog-format": "rfc5424",
 * "syslog-tls-ca-cert": "/path"}}. Checked where a task definition is
 * registered (skiffctl) and read where it runs (the agent). */
#ifndef SK_LOGCONF_H
#define SK_LOGCONF_H

#include <cjson/cJSON.h>

#include "err.h"

struct logconf_syslog {
	char address[256];
	char tag[49];
	char ca_file[256];
	int facility;
};

/* LC is the logConfiguration object (PATH names it in errors). Returns 1
 * with *out filled for the syslog driver, 0 for another driver (left to
 * the task-definition model), -1 on a bad value. */
int logconf_syslog_parse(const cJSON *lc, const char *path, struct logconf_syslog *out,
			 struct sk_err *err);

#endif
