#include "check.h"
#include "err.h"

#include <errno.h>

TEST(fail_appends_strerror)
{
	struct sk_err err = {0};
	CHECK(sk_fail(&err, ENOENT, "open `%s`", "/x") == -1);
	CHECK_STREQ(err.msg, "open `/x`: No such file or directory");
	CHECK(err.errnum == ENOENT);
}

TEST(wrap_prefixes_context)
{
	struct sk_err err = {0};
	sk_fail(&err, 0, "bad value");
	CHECK(sk_wrap(&err, "%s:%d", "a.yaml", 7) == -1);
	CHECK_STREQ(err.msg, "a.yaml:7: bad value");
}

int main(void)
{
	RUN(fail_appends_strerror);
	RUN(wrap_prefixes_context);
	return check_summary();
}
