/* Counting and reporting for the unit tests (see check.h). */
#include "check.h"

#include <stdio.h>

int check_case_failed;
const char *check_case_name;
static int passed, failed;

void check_fail(const char *file, int line, const char *what)
{
	printf("  %s: %s:%d: check failed: %s\n", check_case_name, file, line, what);
	check_case_failed = 1;
}

void check_fail_str(const char *file, int line, const char *expr, const char *got, const char *want)
{
	printf("  %s: %s:%d: %s is \"%s\", want \"%s\"\n", check_case_name, file, line, expr,
	       got ? got : "(null)", want ? want : "(null)");
	check_case_failed = 1;
}

void check_case_begin(const char *name)
{
	check_case_name = name;
	check_case_failed = 0;
}

void check_case_end(void)
{
	printf("%s: %s\n", check_case_failed ? "FAIL" : "PASS", check_case_name);
	if (check_case_failed)
		failed++;
	else
		passed++;
	fflush(stdout);
}

int check_summary(void)
{
	return failed ? 1 : 0;
}
