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

void sk_now_rfc3339(char *buf, size_t size, int nanoseconds)
{
	struct timespec ts;
	struct tm tm;
	char frac[16] = "";

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (nanoseconds)
		snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
