/* lib/clock.c: the monotonic clock and the RFC 3339 formatter. */
#include "check.h"
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS" then FRAC digits after a dot (none if 0), then Z. */
static int rfc3339_shape(const char *s, int frac)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
			return 0;
	if (frac) {
		if (s[i++] != '.')
			return 0;
		for (int k = 0; k < frac; k++)
			if (!isdigit((unsigned char)s[i++]))
				return 0;
	}
	return s[i] == 'Z' && s[i + 1] == '\0';
}

TEST(rfc3339_whole_seconds)
{
	char buf[SK_RFC3339_MAX];
	char year[8];
	time_t t = time(NULL);
	struct tm tm;

	sk_now_rfc3339(buf, sizeof buf, 0);
	CHECK(rfc3339_shape(buf, 0));
	gmtime_r(&t, &tm);
	snprintf(year, sizeof year, "%04d-", tm.tm_year + 1900);
	CHECK(strncmp(buf, year, 5) == 0);
}

TEST(rfc3339_nanoseconds)
{
	char buf[SK_RFC3339_MAX];

	sk_now_rfc3339(buf, sizeof buf, 1);
	CHECK(rfc3339_shape(buf, 9));
}

TEST(monotonic_ms_advances)
{
	int64_t a = sk_now_ms();
	struct timespec d = {0, 20 * 1000 * 1000};

	nanosleep(&d, NULL);
	int64_t b = sk_now_ms();
	CHECK(a > 0);
	CHECK(b - a >= 20 && b - a < 10000);
}

/* A given time, as the log formats write it (syslog: microseconds, CRI
 * logs: nanoseconds); a short buffer truncates, never overruns. */
TEST(rfc3339_of_a_time)
{
	char buf[SK_RFC3339_MAX];

	CHECK(sk_rfc3339(buf, sizeof buf, 1700000000, 0, 0) == 20);
	CHECK(strcmp(buf, "2023-11-14T22:13:20Z") == 0);
	CHECK(sk_rfc3339(buf, sizeof buf, 1700000000, 42, 6) == 27);
	CHECK(strcmp(buf, "2023-11-14T22:13:20.000042Z") == 0);
	sk_rfc3339(buf, sizeof buf, 0, 123456789, 9);
	CHECK(strcmp(buf, "1970-01-01T00:00:00.123456789Z") == 0);
	CHECK(sk_rfc3339(buf, 8, 1700000000, 0, 0) == 7);
	CHECK(strcmp(buf, "2023-11") == 0);
}

int main(void)
{
	RUN(rfc3339_whole_seconds);
	RUN(rfc3339_nanoseconds);
	RUN(monotonic_ms_advances);
	RUN(rfc3339_of_a_time);
	return check_summary();
}
