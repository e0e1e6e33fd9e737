/* The console log: every line is "[   S.mmm] init: message" with a
 * CLOCK_MONOTONIC timestamp, written with one write(2) so that lines from
 * init and its services do not interleave mid-line. The same lines, and
 * every line the services print (stamped and named), also go to the node's
 * log ring,
 * /run/skiff/log/console.log (rotated to console.log.1 at LOG_RING_MAX),
 * which the agent serves over the node API and ships to syslog. */
#ifndef SK_INIT_LOG_H
#define SK_INIT_LOG_H

#include "err.h"

/* Makes /dev/console init's stdin, stdout and stderr (mounting devtmpfs on
 * /dev first if the initramfs has no console node). Never fails: without a
 * console init runs silently. */
void log_open_console(void);

#define LOG_RING_DIR  "/run/skiff/log"
#define LOG_RING_PATH LOG_RING_DIR "/console.log"
#define LOG_RING_MAX  (256 * 1024)

/* Opens the ring once /run is mounted; lines logged before are kept in a
 * small buffer until then. */
void log_ring_open(void);
/* A line a service printed: to the console as it is; to the ring as it
 * is when it carries its own "[   S.mmm]" stamp, else with one and the
 * service's name. */
void log_service_line(const char *name, const char *text, size_t len);

void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void logwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "init: fatal: <err->msg>" */
void logfatal(const struct sk_err *err);

#endif
