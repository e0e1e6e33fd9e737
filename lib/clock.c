/* Time (see clock.h). */
#include "clock.h"

#include <stdio.h>
#include <time.h>

int64_t sk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t sk_rfc3339(char *buf, size_t size, time_t sec, long frac, int digits)
{
	struct tm tm;
	char f[16] = "";

	gmtime_r(&sec, &tm);
	if (digits > 0)
		snprintf(f, sizeof f, ".%0*ld", digits, frac);
	int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, f);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void sk_now_rfc3339(char *buf, size_t size, int nanoseconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	sk_rfc3339(buf, size, ts.tv_sec, ts.tv_nsec, nanoseconds ? 9 : 0);
}
