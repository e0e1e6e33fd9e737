/* Syslog for log shipping: collector addresses (tcp:// or tcp+tls://) and
 * RFC 5424 messages in RFC 6587 octet-counted frames ("LEN SP MSG"), the
 * framing that survives newlines inside a message. Pure functions; used
 * by the agent's shipper and by skiffctl to check task definitions. */
#ifndef SK_SYSLOG_H
#define SK_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Structured-data ID of Skiff's parameters. 32473 is the example
 * enterprise number of RFC 5612 (for documentation), until Skiff has one
 * of its own. */
#define SYSLOG_SD_ID "skiff@32473"
/* What one message may carry: rsyslog's default maximum is 8 KiB. */
#define SYSLOG_MAX_MSG	 8000
#define SYSLOG_MAX_FRAME (SYSLOG_MAX_MSG + 8)

enum { SYSLOG_ERR = 3, SYSLOG_WARNING = 4, SYSLOG_NOTICE = 5, SYSLOG_INFO = 6 };

struct syslog_addr {
	int tls;
	char host[256];
	char port[8];
};

/* "tcp://HOST:PORT" or "tcp+tls://HOST:PORT" (HOST may be [v6]); udp and
 * unix sockets are refused: they cannot keep lines in order or hold them
 * while the collector is away. */
int syslog_addr_parse(const char *s, struct syslog_addr *a, struct sk_err *err);
/* "daemon", "user", "local0".."local7", ...: the code, or -1. */
int syslog_facility(const char *name);

#define SYSLOG_MAX_SD 6

struct syslog_msg {
	int facility, severity;
	int64_t time_us; /* CLOCK_REALTIME, microseconds */
	const char *hostname, *app, *msgid;
	const char *sd_name[SYSLOG_MAX_SD];
	const char *sd_value[SYSLOG_MAX_SD];
	size_t nsd;
	const char *text; /* one line, without its newline */
	size_t text_len;
};

/* Writes one octet-counted frame into buf (SYSLOG_MAX_FRAME bytes is
 * always enough: a longer text is cut). Header fields are reduced to
 * printable ASCII as RFC 5424 requires; "-" stands for an empty one.
 * Returns the frame's length. */
size_t syslog_frame(const struct syslog_msg *m, char *buf, size_t size);

#endif
