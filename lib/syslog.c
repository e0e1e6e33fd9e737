/* RFC 5424 messages, RFC 6587 framing, collector addresses (see syslog.h). */
#include "syslog.h"

#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int syslog_addr_parse(const char *s, struct syslog_addr *a, struct sk_err *err)
{
	const char *rest, *colon, *host;
	size_t hlen;

	memset(a, 0, sizeof *a);
	if (!strncmp(s, "tcp://", 6)) {
		rest = s + 6;
	} else if (!strncmp(s, "tcp+tls://", 10)) {
		rest = s + 10;
		a->tls = 1;
	} else {
		return sk_fail(err, 0,
			       "%.200s: expected tcp://HOST:PORT or tcp+tls://HOST:PORT (no udp or "
			       "unix: they lose lines)",
			       s);
	}
	host = rest;
	if (*rest == '[') {
		const char *end = strchr(rest, ']');
		if (!end || end[1] != ':')
			return sk_fail(err, 0, "%.200s: bad [IPv6]:PORT", s);
		host = rest + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(rest, ':');
		hlen = colon ? (size_t)(colon - rest) : 0;
	}
	if (!colon || hlen == 0 || hlen >= sizeof a->host || strchr(colon + 1, '/'))
		return sk_fail(err, 0, "%.200s: expected HOST:PORT", s);
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535)
		return sk_fail(err, 0, "%.200s: bad port", s);
	memcpy(a->host, host, hlen);
	snprintf(a->port, sizeof a->port, "%ld", port);
	return 0;
}

int syslog_facility(const char *name)
{
	static const char *const names[] = {"kern", "user", "mail", "daemon", "auth",	  "syslog",
					    "lpr",  "news", "uucp", "cron",   "authpriv", "ftp"};
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (!strcmp(name, names[i]))
			return i;
	if (!strncmp(name, "local", 5) && name[5] >= '0' && name[5] <= '7' && !name[6])
		return 16 + name[5] - '0';
	return -1;
}

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A header field: printable US-ASCII without spaces, at most MAX, or "-". */
static void put_field(struct out *o, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++) {
		char c = s[n] > 32 && s[n] < 127 ? s[n] : '_';
		put(o, &c, 1);
	}
	if (n == 0)
		put(o, "-", 1);
	put(o, " ", 1);
}

static void put_time(struct out *o, int64_t us)
{
	char buf[SK_RFC3339_MAX];

	sk_rfc3339(buf, sizeof buf, (time_t)(us / 1000000), (long)(us % 1000000), 6);
	puts_(o, buf);
	put(o, " ", 1);
}

/* PARAM-VALUE: '"', '\' and ']' are escaped (RFC 5424 6.3.3). */
static void put_sd_value(struct out *o, const char *v)
{
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			put(o, "\\", 1);
		put(o, v, 1);
	}
}

static void put_sd(struct out *o, const struct syslog_msg *m)
{
	if (m->nsd == 0) {
		puts_(o, "- ");
		return;
	}
	puts_(o, "[" SYSLOG_SD_ID);
	for (size_t i = 0; i < m->nsd && i < SYSLOG_MAX_SD; i++) {
		put(o, " ", 1);
		puts_(o, m->sd_name[i]);
		puts_(o, "=\"");
		put_sd_value(o, m->sd_value[i] ? m->sd_value[i] : "");
		put(o, "\"", 1);
	}
	puts_(o, "] ");
}

size_t syslog_frame(const struct syslog_msg *m, char *buf, size_t size)
{
	char msg[SYSLOG_MAX_MSG], pri[16];
	struct out o = {msg, 0, sizeof msg};
	size_t text_len = m->text_len;

	int facility = m->facility >= 0 && m->facility <= 23 ? m->facility : 3;
	snprintf(pri, sizeof pri, "<%d>1 ", facility * 8 + (m->severity & 7));
	puts_(&o, pri);
	put_time(&o, m->time_us);
	put_field(&o, m->hostname, 255);
	put_field(&o, m->app, 48);
	put_field(&o, NULL, 128); /* PROCID */
	put_field(&o, m->msgid, 32);
	put_sd(&o, m);
	while (text_len > 0 && (m->text[text_len - 1] == '\n' || m->text[text_len - 1] == '\r'))
		text_len--;
	put(&o, m->text, text_len);
	int n = snprintf(buf, size, "%zu ", o.len);
	if (n < 0 || (size_t)n + o.len > size)
		return 0;
	memcpy(buf + n, msg, o.len);
	return (size_t)n + o.len;
}
