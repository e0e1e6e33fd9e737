/* Minimal unit-test support: each CHECK prints nothing on success and a
 * "FAIL: test: file:line: expr" line on failure; each test case ends with
 * one "PASS: name" or "FAIL: name" line, which tests/run counts. */
#ifndef SK_CHECK_H
#define SK_CHECK_H

#include <string.h>

extern int check_case_failed;
extern const char *check_case_name;
void check_fail(const char *file, int line, const char *what);
void check_case_begin(const char *name);
void check_case_end(void);
int check_summary(void); /* exit status for main */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			check_fail(__FILE__, __LINE__, #cond);                                     \
	} while (0)
#define CHECK_STREQ(a, b)                                                                          \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)                     \
			check_fail_str(__FILE__, __LINE__, #a, check_a_, check_b_);                \
	} while (0)
void check_fail_str(const char *file, int line, const char *expr, const char *got,
		    const char *want);

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	static void name(void)
#define RUN(name)                                                                                  \
	do {                                                                                       \
		check_case_begin(#name);                                                           \
		name();                                                                            \
		check_case_end();                                                                  \
	} while (0)

#endif
