/* Console logging for PID 1 (see log.h). No allocation: each line is
 * formatted into a stack buffer. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define LOG_LINE_MAX 1024

void log_open_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0 && errno == ENOENT) {
		/* An initramfs without dev/console: devtmpfs provides one. */
		mkdir("/dev", 0755);
		mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
	}
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int64_t ms = sk_now_ms();
	int n, m;

	n = snprintf(line, sizeof line, "[%4lld.%03lld] init: %s", (long long)(ms / 1000),
		     (long long)(ms % 1000), prefix);
	m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* The console may be slow but never stays full; retry on EINTR only. */
	while (write(STDERR_FILENO, line, n) < 0 && errno == EINTR)
		;
}

void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void logwarn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void logfatal(const struct sk_err *err)
{
	logmsg("fatal: %s", err->msg);
}
