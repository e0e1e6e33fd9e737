/* The agent's log: one line per event on stderr (the node's console
 * under init), stamped with the monotonic clock. */
#include "agent_log.h"

#include <stdarg.h>
#include <stdio.h>

#include "clock.h"

void agent_log(const char *fmt, ...)
{
	char buf[1200];
	int64_t ms = sk_now_ms();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* The monotonic clock counts from boot: on a node's console these
	 * stamps line up with init's. */
	fprintf(stderr, "[%4lld.%03lld] agent: %s\n", (long long)(ms / 1000),
		(long long)(ms % 1000), buf);
}
