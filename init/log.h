/* The console log: every line is "[   S.mmm] init: message" with a
 * CLOCK_MONOTONIC timestamp, written with one write(2) so that lines from
 * init and its services do not interleave mid-line. */
#ifndef SK_INIT_LOG_H
#define SK_INIT_LOG_H

#include "err.h"

/* Makes /dev/console init's stdin, stdout and stderr (mounting devtmpfs on
 * /dev first if the initramfs has no console node). Never fails: without a
 * console init runs silently. */
void log_open_console(void);

void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void logwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "init: fatal: <err->msg>" */
void logfatal(const struct sk_err *err);

#endif
