/* Error recording and reporting shared by every part. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sk_progname = "skiff";

static int vfail(struct sk_err *err, enum sk_err_class cls, int errnum, const char *fmt, va_list ap)
{
	int n;

	if (!err)
		return -1;
	n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
	err->errnum = errnum;
	err->cls = cls;
	return -1;
}

int sk_fail(struct sk_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, SK_ERR_FAIL, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int sk_failc(struct sk_err *err, enum sk_err_class cls, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, cls, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int sk_class(struct sk_err *err, enum sk_err_class cls)
{
	if (err)
		err->cls = cls;
	return -1;
}

int sk_wrap(struct sk_err *err, const char *fmt, ...)
{
	char prefix[sizeof err->msg];
	char old[sizeof err->msg];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Truncation keeps the start of the message, which names the input. */
	size_t n = strlen(prefix);
	if (n > sizeof err->msg - 3)
		n = sizeof err->msg - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t room = sizeof err->msg - n - 3;
	size_t m = strnlen(old, room);
	memcpy(err->msg + n + 2, old, m);
	err->msg[n + 2 + m] = '\0';
	return -1;
}

int sk_exit_status(const struct sk_err *err)
{
	switch (err->cls) {
	case SK_ERR_USAGE:
		return SK_EXIT_USAGE;
	case SK_ERR_NOTFOUND:
		return SK_EXIT_NOTFOUND;
	case SK_ERR_SYS:
	case SK_ERR_NET:
		return SK_EXIT_SYS;
	default:
		return SK_EXIT_FAIL;
	}
}

void sk_print_fatal(const struct sk_err *err)
{
	if (err->msg[0])
		fprintf(stderr, "%s: fatal: %s\n", sk_progname, err->msg);
}

/* What sk_print_fatalf, sk_usage_fatal and sk_fatalf share: the message
 * made here, printed; the error kept for the exit status. */
static void vprint_fatal(struct sk_err *err, enum sk_err_class cls, const char *fmt, va_list ap)
{
	vfail(err, cls, 0, fmt, ap);
	sk_print_fatal(err);
}

void sk_print_fatalf(const char *fmt, ...)
{
	struct sk_err err = {0};
	va_list ap;

	va_start(ap, fmt);
	vprint_fatal(&err, SK_ERR_USAGE, fmt, ap);
	va_end(ap);
}

void sk_fatal(const struct sk_err *err)
{
	sk_print_fatal(err);
	exit(sk_exit_status(err));
}

void sk_usage_fatal(const char *usage, const char *fmt, ...)
{
	struct sk_err err = {0};
	va_list ap;

	va_start(ap, fmt);
	vprint_fatal(&err, SK_ERR_USAGE, fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	exit(sk_exit_status(&err));
}

void sk_fatalf(enum sk_err_class cls, const char *fmt, ...)
{
	struct sk_err err = {0};
	va_list ap;

	va_start(ap, fmt);
	vprint_fatal(&err, cls, fmt, ap);
	va_end(ap);
	exit(sk_exit_status(&err));
}

void sk_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", sk_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
