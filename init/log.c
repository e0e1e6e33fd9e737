/* Console logging for PID 1 and the node's log ring (see log.h). No
 * allocation: each line is formatted into a stack buffer; the ring is a
 * file on /run (tmpfs) written with the console, rotated by rename. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define LOG_LINE_MAX 1024

static int ring_fd = -1;
static long ring_size;
static char early[8192]; /* lines from before /run was mounted */
static size_t early_len;

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

static void ring_write(const char *line, size_t n)
{
	if (ring_fd < 0) {
		if (n <= sizeof early - early_len) {
			memcpy(early + early_len, line, n);
			early_len += n;
		}
		return;
	}
	if (ring_size + (long)n > LOG_RING_MAX) {
		close(ring_fd);
		rename(LOG_RING_PATH, LOG_RING_PATH ".1");
		ring_fd =
		    open(LOG_RING_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
		ring_size = 0;
		if (ring_fd < 0)
			return;
	}
	if (write(ring_fd, line, n) > 0)
		ring_size += (long)n;
}

void log_ring_open(void)
{
	struct stat st;

	if (ring_fd >= 0)
		return;
	mkdir("/run/skiff", 0755);
	mkdir(LOG_RING_DIR, 0755);
	ring_fd = open(LOG_RING_PATH, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (ring_fd < 0)
		return;
	ring_size = fstat(ring_fd, &st) == 0 ? (long)st.st_size : 0;
	ring_write(early, early_len);
	early_len = 0;
}

/* One whole line to the console and the ring. */
static void emit(const char *line, size_t n)
{
	/* The console may be slow but never stays full; retry on EINTR only. */
	while (write(STDERR_FILENO, line, n) < 0 && errno == EINTR)
		;
	ring_write(line, n);
}

static size_t stamp(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (size_t)snprintf(buf, size, "[%4ld.%03ld] ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
}

/* "[", spaces, digits, ".", digits, "]": a line already stamped. */
static int stamped(const char *t, size_t len)
{
	size_t i = 1;

	if (len < 4 || t[0] != '[')
		return 0;
	while (i < len && t[i] == ' ')
		i++;
	while (i < len && t[i] >= '0' && t[i] <= '9')
		i++;
	if (i >= len || t[i++] != '.')
		return 0;
	while (i < len && t[i] >= '0' && t[i] <= '9')
		i++;
	return i < len && t[i] == ']';
}

void log_service_line(const char *name, const char *text, size_t len)
{
	char line[LOG_LINE_MAX + 64];
	size_t n = 0, at;

	if (!stamped(text, len)) {
		n = stamp(line, sizeof line);
		n += (size_t)snprintf(line + n, sizeof line - n, "%s: ", name);
	}
	at = n;
	if (len > sizeof line - n - 1)
		len = sizeof line - n - 1;
	memcpy(line + n, text, len);
	n += len;
	line[n++] = '\n';
	/* The console shows what the service printed, as it always did. */
	while (write(STDERR_FILENO, line + at, n - at) < 0 && errno == EINTR)
		;
	ring_write(line, n);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n, m;

	n = (int)stamp(line, sizeof line);
	n += snprintf(line + n, sizeof line - n, "init: %s", prefix);
	m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	emit(line, (size_t)n);
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
