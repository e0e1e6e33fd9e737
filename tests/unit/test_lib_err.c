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

TEST(class_decides_the_exit_status)
{
	struct sk_err err = {0};

	CHECK(sk_fail(&err, ENOENT, "open x") == -1 && err.cls == SK_ERR_FAIL);
	CHECK(sk_exit_status(&err) == 1);
	CHECK(sk_failc(&err, SK_ERR_USAGE, 0, "bad %s", "flag") == -1);
	CHECK_STREQ(err.msg, "bad flag");
	CHECK(sk_exit_status(&err) == 2);
	CHECK(sk_class(&err, SK_ERR_NOTFOUND) == -1 && sk_exit_status(&err) == 3);
	CHECK(sk_class(&err, SK_ERR_NET) == -1 && sk_exit_status(&err) == 111);
	CHECK(sk_class(&err, SK_ERR_SYS) == -1 && sk_exit_status(&err) == 111);
	CHECK(sk_class(&err, SK_ERR_GONE) == -1 && sk_exit_status(&err) == 1);
	CHECK(sk_class(&err, SK_ERR_COMPACTED) == -1 && sk_exit_status(&err) == 1);
}

TEST(wrap_keeps_the_class_and_a_new_failure_resets_it)
{
	struct sk_err err = {0};

	sk_failc(&err, SK_ERR_NET, ECONNREFUSED, "connect");
	sk_wrap(&err, "etcd %s", "http://x");
	CHECK(err.cls == SK_ERR_NET && err.errnum == ECONNREFUSED);
	CHECK_STREQ(err.msg, "etcd http://x: connect: Connection refused");
	sk_fail(&err, 0, "other");
	CHECK(err.cls == SK_ERR_FAIL && err.errnum == 0);
	CHECK(sk_class(NULL, SK_ERR_USAGE) == -1); /* no error to record */
}

int main(void)
{
	RUN(fail_appends_strerror);
	RUN(wrap_prefixes_context);
	RUN(class_decides_the_exit_status);
	RUN(wrap_keeps_the_class_and_a_new_failure_resets_it);
	return check_summary();
}
