/* Runtime pieces without a container: signals, cgroup values, the device
 * program, seccomp compilation, log rotation, state ids and files, the
 * passwd lookup. */
#include "runtime/cgroup2.h"
#include "runtime/devcg.h"
#include "runtime/passwd.h"
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
#include <string.h>
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
	struct oci_resources r = {1, -1, -1, -1, -1, -1, -1, -1, NULL, NULL, NULL, NULL, 0, 1};
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

/* Runs a device program the way the kernel would, for the instructions
 * devcg.c emits; -1 for any other instruction, -2 when it runs off the end. */
static int run_prog(const struct bpf_insn *p, int n, char type, unsigned major, unsigned minor,
		    unsigned access)
{
	uint32_t ctx[3] = {access << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
			   major, minor};
	uint64_t r[11] = {0};

	for (int pc = 0; pc >= 0 && pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			r[i->dst_reg] = i->src_reg == BPF_REG_1 ? ctx[i->off / 4] : 0xdead;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -1;
		}
	}
	return -2;
}

/* Verdict of the rules of SPEC for one access (m 1, r 2, w 4). */
static int verdict(const struct oci_spec *spec, char type, unsigned major, unsigned minor,
		   unsigned access)
{
	struct oci_dev_rule *rules;
	struct bpf_insn *prog;
	int n, len, v = -3;

	if (devcg_rules(spec, &rules, &n, NULL) == 0 &&
	    devcg_program(rules, n, &prog, &len, NULL) == 0) {
		v = run_prog(prog, len, type, major, minor, access);
		/* Nothing may follow the last exit: the verifier refuses dead code. */
		if (prog[len - 1].code != (BPF_JMP | BPF_EXIT))
			v = -4;
		free(prog);
	}
	free(rules);
	return v;
}

TEST(device_program)
{
	struct oci_dev_rule deny_all[] = {{0, 'a', -1, -1, 7}, {1, 'c', 10, 237, 4}};
	struct oci_device dev = {"/opt/x", 'c', 4, 1, 0666, 0, 0};
	struct oci_spec s;

	memset(&s, 0, sizeof s);
	s.res.dev_rules = deny_all;
	s.res.ndev_rules = 1;			   /* runc spec's default: deny everything */
	CHECK(verdict(&s, 'c', 1, 3, 2 | 4) == 1); /* /dev/null rw: a default */
	CHECK(verdict(&s, 'c', 136, 7, 2) == 1);   /* pts/7 */
	CHECK(verdict(&s, 'c', 10, 237, 2) == 0);  /* loop-control: denied */
	CHECK(verdict(&s, 'c', 10, 237, 1) == 1);  /* but mknod of anything is allowed */
	CHECK(verdict(&s, 'b', 8, 0, 2) == 0);	   /* a disk */
	CHECK(verdict(&s, 'b', 8, 0, 1) == 1);
	s.res.ndev_rules = 2; /* then allow c 10:237 "w" */
	CHECK(verdict(&s, 'c', 10, 237, 4) == 1);
	CHECK(verdict(&s, 'c', 10, 237, 2) == 0); /* r is not in "w" */
	CHECK(verdict(&s, 'c', 10, 237, 2 | 4) == 0);
	s.devices = &dev;
	s.ndevices = 1; /* linux.devices are allowed */
	CHECK(verdict(&s, 'c', 4, 1, 2 | 4) == 1);
	CHECK(verdict(&s, 'c', 4, 2, 2) == 0);
	struct oci_dev_rule allow_all = {1, 'a', -1, -1, 7}, deny_null = {0, 'c', 1, 3, 7};
	struct oci_dev_rule pair[] = {allow_all, deny_null};
	s.res.dev_rules = &allow_all;
	s.res.ndev_rules = 1;
	CHECK(verdict(&s, 'b', 8, 0, 2) == 1);
	s.res.dev_rules = pair;
	s.res.ndev_rules = 2; /* the defaults come last and win, as in runc */
	CHECK(verdict(&s, 'c', 1, 3, 2) == 1);
	CHECK(verdict(&s, 'c', 1, 1, 2) == 1);
}

TEST(passwd_lookup)
{
	char path[] = "/tmp/skiff-passwd-XXXXXX", home[64];
	int fd = mkstemp(path);
	const char text[] = "root:x:0:0:root:/root:/bin/sh\n# comment\nbad line\n"
			    "app:x:1000:1000::/home/app:/bin/sh\nrel:x:7:7::relative:/bin/sh\n";

	CHECK(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)sizeof text - 1);
	close(fd);
	CHECK(passwd_home(path, 0, home, sizeof home) == 0);
	CHECK_STREQ(home, "/root");
	CHECK(passwd_home(path, 1000, home, sizeof home) == 0);
	CHECK_STREQ(home, "/home/app");
	CHECK(passwd_home(path, 7, home, sizeof home) < 0); /* not absolute */
	CHECK(passwd_home(path, 4242, home, sizeof home) < 0);
	CHECK(passwd_home("/nonexistent/passwd", 0, home, sizeof home) < 0);
	unlink(path);
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
	RUN(device_program);
	RUN(passwd_lookup);
	RUN(seccomp_profiles);
	RUN(seccomp_filter_denies);
	RUN(log_rotates_at_cap);
	RUN(container_ids);
	RUN(exit_records);
	return check_summary();
}
