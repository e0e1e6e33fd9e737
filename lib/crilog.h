/* Container logs in the CRI log format, as containerd and CRI-O write them
 * and kubelet and log shippers read them: one record per line,
 *
 *   2024-05-01T12:00:00.123456789Z stdout F the line
 *
 * with the time the runtime read the bytes (UTC, nanoseconds), the
 * stream, and "F" for a full line or "P" for a piece of a longer one that
 * the next record continues. stdout and stderr share one file, so their
 * order is kept. */
#ifndef SK_CRILOG_H
#define SK_CRILOG_H

#include <stddef.h>
#include <stdint.h>

#define CRILOG_MAX_TEXT 16384 /* longer lines are cut into P records */
#define CRILOG_HEADER	48    /* room for time, stream and tag */

struct crilog_rec {
	int64_t ns; /* CLOCK_REALTIME */
	int err;    /* stderr */
	int partial;
	const char *text;
	size_t len;
};

/* Formats one record ending in '\n' into buf (CRILOG_HEADER + len + 1
 * bytes suffice); returns its length. */
size_t crilog_format(char *buf, size_t size, const struct crilog_rec *r);
/* Parses one record (without its '\n'); -1 when malformed. */
int crilog_parse(const char *line, size_t len, struct crilog_rec *r);
/* RFC 3339 ("2024-05-01T12:00:00Z", fraction and offset optional) to
 * nanoseconds since the epoch; -1 when malformed. */
int64_t crilog_parse_time(const char *s, size_t len);

#endif
