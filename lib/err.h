/* The one error convention: a fallible function takes `struct sk_err *err`
 * last and returns < 0 on failure after filling it in; callers add context
 * as the error bubbles up; only main() turns an error into an exit. */
#ifndef SK_ERR_H
#define SK_ERR_H

#include <stddef.h>

struct sk_err {
	int errnum; /* errno of the first failure, 0 if none */
	char msg[1024];
};

/* Records "what: strerror(errnum)" (or just "what" when errnum is 0). Returns -1. */
int sk_fail(struct sk_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes context: "context: previous message". Returns -1. */
int sk_wrap(struct sk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "prog: fatal: msg" to stderr and exits with status. */
void sk_die(const char *prog, int status, const struct sk_err *err) __attribute__((noreturn));

/* Program name used by sk_warn/sk_die messages; set once from main. */
extern const char *sk_progname;
void sk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit codes with a meaning (as in s6/skalibs). */
enum {
	SK_EXIT_FAIL = 1,  /* the work failed */
	SK_EXIT_USAGE = 2, /* bad command line or bad input file */
	SK_EXIT_SYS = 111, /* a system call failed */
};

#endif
