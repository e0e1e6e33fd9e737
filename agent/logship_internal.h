/* The log shipper's parts: destinations with their queue and connection
 * (logship_dest.c), and sources followed into them (logship.c). */
#ifndef AGENT_LOGSHIP_INTERNAL_H
#define AGENT_LOGSHIP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "logfiles.h"
#include "logship.h"
#include "syslog.h"
#include "tls_conn.h"

/* A console line's "[   S.mmm]" stamp: its length (0: LINE does not start
 * with one), the seconds and the milliseconds. */
size_t logship_console_stamp(const char *line, size_t len, long long *s, int *ms);

#define LS_MAX_DESTS	8
#define LS_MAX_SOURCES	256
#define LS_RETRY_MIN_MS 500
#define LS_RETRY_MAX_MS 4000
/* How long acknowledged frames are kept, to be sent again if the
 * connection ends (the collector may not have read them: logship_dest.c). */
#define LS_HOLD_MS    5000
#define LS_HOLD_MARKS 16

/* Frames waiting for a collector: [u32 length][frame] entries in a byte
 * queue. [held, start) was acknowledged less than LS_HOLD_MS
 * ago: it is sent again if the connection ends. [start, sent) went
 * out but is not known to have arrived (the socket's send queue has not
 * drained since): it is sent again after any reconnect. [sent, end) is
 * still to go. marks: where [held, start) ends at each confirmation, and
 * when, oldest first. */
struct ls_queue {
	unsigned char *buf;
	size_t cap, held, start, sent, part, end;
	struct {
		size_t off;
		int64_t at;
	} marks[LS_HOLD_MARKS];
	int nmarks;
	uint64_t dropped; /* lines dropped since the count was last reported */
	uint64_t dropped_total;
};

struct ls_dest {
	char address[256];
	struct syslog_addr addr;
	char ca_file[256];
	struct ls_queue q;
	int fd;
	int connecting;
	struct tls_conn *tls;
	struct tls_anchors ca;
	int ca_loaded;
	int64_t retry_at;
	unsigned backoff_ms;
	char notice[SYSLOG_MAX_FRAME]; /* the dropped-lines report, sent first */
	size_t notice_len, notice_part;
	int was_up;
};

/* logship_dest.c */
int ls_dest_init(struct ls_dest *d, const char *address, const char *ca_file, size_t queue_bytes,
		 struct sk_err *err);
/* Queues one frame, dropping (and counting) the oldest when full. */
void ls_dest_push(struct ls_dest *d, const char *frame, size_t len);
/* Connects, writes, notices a lost collector; at most one step each. */
void ls_dest_step(struct ls_dest *d, short revents, const char *hostname, int64_t now);
/* Its pollfd events (0 when idle), and how long it may wait (-1: no limit). */
short ls_dest_events(const struct ls_dest *d);
int ls_dest_timeout(const struct ls_dest *d, int64_t now);

#endif
