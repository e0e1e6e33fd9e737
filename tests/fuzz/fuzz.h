/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, see
 * docs/fuzzing.md). Each harness feeds one input to a parser of outside
 * input the way the program receives it, and checks the parser's own
 * promises besides what ASan and UBSan catch: a failure always says why. */
#ifndef SK_FUZZ_H
#define SK_FUZZ_H

#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* A NUL-terminated copy of the input: most parsers take C strings, as
 * the program hands them what it read (a NUL inside ends the text). */
static inline char *fuzz_text(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* A broken promise of the parser is a crash, so libFuzzer keeps the input.
 * The message goes where the sanitizers report (libFuzzer may have closed
 * the target's stderr to keep parsers' logging out of its output). */
static inline void __attribute__((noreturn, format(printf, 4, 5)))
fuzz_broken(const char *file, int line, const char *cond, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n = snprintf(msg, sizeof msg, "fuzz: %s:%d: broken promise: %s: ", file, line, cond);
	if (n < 0 || n >= (int)sizeof msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - n, fmt, ap);
	va_end(ap);
	__sanitizer_report_error_summary(msg);
	abort();
}

#define FUZZ_REQUIRE(cond, ...)                                                                    \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_broken(__FILE__, __LINE__, #cond, __VA_ARGS__);                       \
	} while (0)

/* A parser that failed must say why (the error names the input). */
#define FUZZ_REQUIRE_MESSAGE(rc, err)                                                              \
	FUZZ_REQUIRE((rc) >= 0 || (err)->msg[0], "failed (%d) without a message", (int)(rc))

#endif
