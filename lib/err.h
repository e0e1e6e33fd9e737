/* The one error convention: a fallible function takes `struct sk_err *err`
 * last and returns -1 on failure after filling it in; callers add context
 * as the error bubbles up and test its class (never a special return
 * value) to tell failures apart; only main() turns an error into an exit,
 * and the exit status follows from the class (sk_exit_status). */
#ifndef SK_ERR_H
#define SK_ERR_H

#include <stddef.h>

/* What kind of failure it is: what a caller may do about it, and the exit
 * status of a command that ends with it. */
enum sk_err_class {
	SK_ERR_FAIL,	  /* the work failed (exit 1) */
	SK_ERR_USAGE,	  /* bad command line or bad input (exit 2) */
	SK_ERR_NOTFOUND,  /* no such object (exit 3) */
	SK_ERR_SYS,	  /* a system call failed (exit 111) */
	SK_ERR_NET,	  /* no peer could be reached, or the connection broke (exit 111) */
	SK_ERR_GONE,	  /* an etcd lease that expired or was revoked (exit 1) */
	SK_ERR_COMPACTED, /* an etcd revision that was compacted away (exit 1) */
	SK_ERR_AUTH,	  /* etcd refuses the user and password (exit 1) */
};

struct sk_err {
	int errnum; /* errno of the first failure, 0 if none */
	enum sk_err_class cls;
	char msg[1024];
};

/* Records "what: strerror(errnum)" (or just "what" when errnum is 0), of
 * class SK_ERR_FAIL. Returns -1. */
int sk_fail(struct sk_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a class. */
int sk_failc(struct sk_err *err, enum sk_err_class cls, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Gives the error recorded in ERR the class CLS (the code that knows what
 * a failure means says so). Returns -1. */
int sk_class(struct sk_err *err, enum sk_err_class cls);

/* Prefixes context: "context: previous message". Returns -1. */
int sk_wrap(struct sk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit codes with a meaning (as in s6/skalibs). */
enum {
	SK_EXIT_FAIL = 1,     /* the work failed */
	SK_EXIT_USAGE = 2,    /* bad command line or bad input file */
	SK_EXIT_NOTFOUND = 3, /* no such object */
	SK_EXIT_SYS = 111,    /* a system call failed, or the network */
};

/* The exit status for an error of ERR's class: the one place that maps. */
int sk_exit_status(const struct sk_err *err);

/* Program name of every message (sk_fatal, sk_warn); set once from main. */
extern const char *sk_progname;
/* Prints "prog: fatal: msg" to stderr (nothing but the status when msg is
 * empty: a usage text said it already) and exits with sk_exit_status. */
void sk_fatal(const struct sk_err *err) __attribute__((noreturn));
/* Only prints it (a child about to _exit, a command that goes on). */
void sk_print_fatal(const struct sk_err *err);
/* The same for a message made here (a usage error the caller ends). */
void sk_print_fatalf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error made here: "prog: fatal: msg", then USAGE, exit 2. */
void sk_usage_fatal(const char *usage, const char *fmt, ...) __attribute__((noreturn))
__attribute__((format(printf, 2, 3)));
/* The same for a message made here, of class CLS. */
void sk_fatalf(enum sk_err_class cls, const char *fmt, ...) __attribute__((noreturn))
__attribute__((format(printf, 2, 3)));
void sk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
