/* Time: the one monotonic clock for deadlines and intervals, and the one
 * RFC 3339 formatter for timestamps that leave the process. */
#ifndef SK_CLOCK_H
#define SK_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC (never jumps with the wall clock). */
int64_t sk_now_ms(void);

/* Room for the longest timestamp sk_now_rfc3339 writes, NUL included. */
#define SK_RFC3339_MAX 40
/* The current UTC time as RFC 3339: whole seconds ("2024-05-01T12:00:00Z",
 * what skiffctl and etcd records use) or, with NANOSECONDS, as the OCI
 * runtime state does ("2024-05-01T12:00:00.123456789Z"). */
void sk_now_rfc3339(char *buf, size_t size, int nanoseconds);
/* SEC (UTC) as RFC 3339, with FRAC as a fraction of DIGITS digits (none
 * when DIGITS is 0: 6 for microseconds, 9 for nanoseconds). Returns the
 * length written (at most SIZE - 1). The one formatter: strftime would
 * bring musl's time-zone code into the node binary for nothing. */
size_t sk_rfc3339(char *buf, size_t size, time_t sec, long frac, int digits);

#endif
