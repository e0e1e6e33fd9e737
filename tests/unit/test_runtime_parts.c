/* Runtime pieces without a container: signals, cgroup values, seccomp
 * compilation, log rotation, state ids and files. */
#include "runtime/cgroup2.h"
#include "check.h"
#include "runtime/monitor.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(signal_names)
{
	CHECK(rt_signal_parse("KILL") == SIGKILL);
	CHECK(rt_signal_parse("SIGTERM") == SIGTERM);
	CHECK(rt_signal_parse("sigusr1") == SIGUSR1);
	CHECK(rt_signal_parse("9") == 9);
	CHECK(rt_signal_parse("0") == -1);
	CHECK(rt_signal_parse("NOPE") == -1);
	CHECK_STREQ(rt_signal_name(SIGKILL), "SIGKILL");
}

TEST(cpu_max)
{
	struct oci_resources r = {1, -1, -1, -1, -1, -1, -1, -1, NULL, NULL, NULL};
	char buf[64];

	CHECK(cgroup2_format_cpu_max(&r, buf, sizeof buf) == 0);
	r.cpu_quota = 50000;
	CHECK(cgroup2_format_cpu_max(&r, buf, sizeof buf) == 1);
	CHECK_STREQ(buf, "50000 100000");
	r.cpu_quota = -2;
	r.cpu_period = 20000;
	cgroup2_format_cpu_max(&r, buf, sizeof buf);
	CHECK_STREQ(buf, "max 20000");
}

static int build(const char *json, char *msg, size_t size)
{
	struct sk_err err = {0};
	void *ctx = NULL;
	cJSON *j = cJSON_Parse(json);
	int rc = seccomp_build(j, &ctx, &err);

	snprintf(msg, size, "%s", err.msg);
	seccomp_filter_free(ctx);
	cJSON_Delete(j);
	return rc;
}

TEST(seccomp_profiles)
{
	char msg[1024];
	cJSON *def = seccomp_default_profile();
	char *text = cJSON_PrintUnformatted(def);

	CHECK(build(text, msg, sizeof msg) == 0);
	free(text);
	cJSON_Delete(def);
	CHECK(build("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
		    "\"no_such_call\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}",
		    msg, sizeof msg) == 0);
	CHECK(build("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":7,\"value\":1,"
		    "\"op\":\"SCMP_CMP_EQ\"}]}]}",
		    msg, sizeof msg) < 0);
	CHECK_STREQ(msg, "linux.seccomp.syscalls[0].args[0].index: 7 out of range 0..5");
	CHECK(build("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\"}", msg,
		    sizeof msg) < 0);
	CHECK_STREQ(msg, "linux.seccomp.listenerPath: not supported");
	CHECK(build("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_NOPE\"]}",
		    msg, sizeof msg) < 0);
	CHECK_STREQ(msg, "linux.seccomp.architectures: unknown \"SCMP_ARCH_NOPE\"");
}

/* A filter denying mkdir, loaded in a child, makes mkdir fail with EPERM. */
TEST(seccomp_filter_denies)
{
	char msg[1024];
	struct sk_err err = {0};
	void *ctx = NULL;
	cJSON *j = cJSON_Parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			       "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	int status = -1;

	CHECK(seccomp_build(j, &ctx, &err) == 0);
	cJSON_Delete(j);
	snprintf(msg, sizeof msg, "/tmp/skiff-unit-%d", (int)getpid());
	pid_t pid = fork();
	if (pid == 0) {
		if (seccomp_filter_load(ctx, &err) < 0)
			_exit(2);
		_exit(mkdir(msg, 0700) < 0 && errno == EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rmdir(msg);
	seccomp_filter_free(ctx);
}

TEST(log_rotates_at_cap)
{
	char dir[] = "/tmp/skiff-log-XXXXXX", path[64], old[80];
	static char chunk[400 * 1024];
	int fd = -1;
	long size = 0;
	struct stat a, b;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/stdout.log", dir);
	snprintf(old, sizeof old, "%s.1", path);
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 3; i++)
		CHECK(log_append(path, &fd, &size, chunk, sizeof chunk) == 0);
	/* The third chunk would pass 1 MiB: the first two moved to .1. */
	CHECK(stat(path, &a) == 0 && a.st_size == (off_t)sizeof chunk);
	CHECK(stat(old, &b) == 0 && b.st_size == 2 * (off_t)sizeof chunk);
	CHECK(log_append(path, &fd, &size, chunk, sizeof chunk) == 0);
	CHECK(stat(path, &a) == 0 && a.st_size == 2 * (off_t)sizeof chunk);
	close(fd);
	unlink(path);
	unlink(old);
	rmdir(dir);
}

TEST(container_ids)
{
	struct rt_global g = {"/run/x", 0};
	struct sk_err err = {0};
	char buf[256];

	CHECK(state_dir(&g, "web-1.a_b", buf, sizeof buf, &err) == 0);
	CHECK_STREQ(buf, "/run/x/web-1.a_b");
	CHECK(state_dir(&g, "../etc", buf, sizeof buf, &err) < 0);
	CHECK_STREQ(err.msg, "invalid container id \"../etc\"");
	CHECK(state_dir(&g, "a/b", buf, sizeof buf, &err) < 0);
	CHECK(state_dir(&g, "", buf, sizeof buf, &err) < 0);
}

TEST(exit_records)
{
	char dir[] = "/tmp/skiff-state-XXXXXX", path[80];
	struct sk_err err = {0};
	FILE *f;
	char text[256] = "";

	CHECK(mkdtemp(dir) != NULL);
	CHECK(state_exit_code(9) == 137);    /* killed by SIGKILL */
	CHECK(state_exit_code(3 << 8) == 3); /* exit(3) */
	CHECK(state_record_exit(dir, 9, 1, &err) == 0);
	snprintf(path, sizeof path, "%s/exit.json", dir);
	f = fopen(path, "r");
	CHECK(f && fread(text, 1, sizeof text - 1, f) > 0);
	if (f)
		fclose(f);
	CHECK(strstr(text, "\"exitCode\":137") && strstr(text, "\"exitSignal\":\"SIGKILL\"") &&
	      strstr(text, "\"oomKilled\":true"));
	CHECK(state_remove_dir(dir, &err) == 0);
	CHECK(access(dir, F_OK) < 0);
}

int main(void)
{
	RUN(signal_names);
	RUN(cpu_max);
	RUN(seccomp_profiles);
	RUN(seccomp_filter_denies);
	RUN(log_rotates_at_cap);
	RUN(container_ids);
	RUN(exit_records);
	return check_summary();
}
