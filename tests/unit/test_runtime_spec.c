/* config.json parsing: values land in the spec, wrong types and unknown
 * keys are rejected with their key path. */
#define _GNU_SOURCE
#include "check.h"
#include "runtime/oci_spec.h"

#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/resource.h>

static const char base[] =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"true\"],"
    "\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"user\":{\"uid\":5,\"gid\":6,\"additionalGids\":[7]},"
    "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20}],"
    "\"noNewPrivileges\":true,\"oomScoreAdj\":-5},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"h\","
    "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\","
    "\"options\":[\"rbind\",\"ro\",\"nosuid\",\"rslave\",\"mode=755\"]}],"
    "\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":3}]},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/"
    "x\"}],"
    "\"resources\":{\"memory\":{\"limit\":1048576,\"swap\":-1},\"cpu\":{\"shares\":1024,"
    "\"quota\":50000,\"period\":100000},\"pids\":{\"limit\":10}},"
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"maskedPaths\":[\"/proc/kcore\"]}}";

TEST(parses_a_full_config)
{
	struct oci_spec s;
	struct sk_err err = {0};

	CHECK(oci_spec_parse(base, &s, &err) == 0);
	CHECK_STREQ(s.process.args[2], "true");
	CHECK(s.process.args[3] == NULL);
	CHECK_STREQ(s.process.cwd, "/tmp");
	CHECK(s.process.uid == 5 && s.process.gid == 6 && s.process.ngids == 1 &&
	      s.process.gids[0] == 7);
	CHECK(s.process.caps.set && s.process.caps.bounding == ((1ULL << 5) | 1ULL));
	CHECK(s.process.nrlimits == 1 && s.process.rlimits[0].type == RLIMIT_NOFILE);
	CHECK(s.process.rlimits[0].soft == 10 && s.process.rlimits[0].hard == 20);
	CHECK(s.process.no_new_privs && s.process.has_oom_score_adj &&
	      s.process.oom_score_adj == -5);
	CHECK(s.root_readonly);
	CHECK(s.nmounts == 1);
	CHECK(s.mounts[0].flags == (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
	CHECK(s.mounts[0].propagation == (MS_SLAVE | MS_REC));
	CHECK_STREQ(s.mounts[0].data, "mode=755");
	CHECK(s.hooks[HOOK_POSTSTOP].n == 1 && s.hooks[HOOK_POSTSTOP].v[0].timeout == 3);
	CHECK(s.nns == 2 && oci_spec_ns(&s, CLONE_NEWNET) && !oci_spec_ns(&s, CLONE_NEWUSER));
	CHECK_STREQ(oci_spec_ns(&s, CLONE_NEWNET)->path, "/run/netns/x");
	CHECK(s.res.present && s.res.mem_limit == 1048576 && s.res.mem_swap == -2);
	CHECK(s.res.cpu_shares == 1024 && s.res.cpu_quota == 50000 && s.res.pids_limit == 10);
	CHECK(s.res.mem_reservation == -1);
	CHECK(s.nsysctl == 1);
	CHECK_STREQ(s.masked[0], "/proc/kcore");
	oci_spec_free(&s);
}

/* Replaces the first occurrence of FROM in base with TO and parses it. */
static const char *parse_edit(const char *from, const char *to)
{
	static struct sk_err err;
	char text[sizeof base + 512];
	const char *at = strstr(base, from);
	struct oci_spec s;

	if (!at)
		return "edit not found";
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	memset(&err, 0, sizeof err);
	int rc = oci_spec_parse(text, &s, &err);
	oci_spec_free(&s);
	return rc == 0 ? "ok" : err.msg;
}

TEST(errors_name_the_key_path)
{
	CHECK_STREQ(parse_edit("\"uid\":5", "\"uid\":\"5\""),
		    "process.user.uid: expected a number");
	CHECK_STREQ(parse_edit("\"hostname\":\"h\",", "\"hostname\":\"h\",\"bogus\":1,"),
		    "bogus: not supported");
	CHECK_STREQ(parse_edit("\"sysctl\"", "\"intelRdt\":{},\"sysctl\""),
		    "linux.intelRdt: not supported");
	CHECK_STREQ(
	    parse_edit("\"pids\":{\"limit\":10}",
		       "\"pids\":{\"limit\":10},\"devices\":[{\"allow\":true,\"access\":\"rx\"}]"),
	    "linux.resources.devices[0].access: \"rx\" is not made of r, w and m");
	CHECK_STREQ(parse_edit("\"pids\":{\"limit\":10}",
			       "\"pids\":{\"limit\":10},\"devices\":[{\"access\":\"r\"}]"),
		    "linux.resources.devices[0].allow: missing");
	CHECK_STREQ(
	    parse_edit("\"pids\":{\"limit\":10}",
		       "\"pids\":{\"limit\":10},\"devices\":[{\"allow\":true,\"type\":\"x\"}]"),
	    "linux.resources.devices[0].type: expected one of a, c, b");
	CHECK_STREQ(parse_edit("\"-c\"", "3"), "process.args[1]: expected a string");
	CHECK_STREQ(parse_edit("{\"type\":\"pid\"}", "{\"type\":\"pid\"},{\"type\":\"pid\"}"),
		    "linux.namespaces[1].type: namespace \"pid\" given twice");
	CHECK_STREQ(parse_edit("\"/data\"", "\"/a/../b\""),
		    "mounts[0].destination: \"..\" is not allowed");
	CHECK_STREQ(parse_edit("\"cwd\":\"/tmp\"", "\"cwd\":\"tmp\""),
		    "process.cwd: \"tmp\" is not absolute");
	CHECK_STREQ(parse_edit("\"oomScoreAdj\":-5", "\"oomScoreAdj\":-5000"),
		    "process.oomScoreAdj: -5000 out of range -1000..1000");
	CHECK_STREQ(parse_edit("\"noNewPrivileges\":true", "\"terminal\":1"),
		    "process.terminal: expected a boolean");
	CHECK_STREQ(parse_edit("\"swap\":-1", "\"swap\":10"),
		    "linux.resources.memory.swap: must be at least the limit (memory plus swap)");
	CHECK_STREQ(parse_edit("{\"ociVersion\"", "[{\"ociVersion\""), "not valid JSON near \"\"");
	CHECK_STREQ(parse_edit("\"timeout\":3", "\"timeout\":0"),
		    "hooks.poststop[0].timeout: 0 out of range 1..86400");
}

TEST(devices_and_caps_parse)
{
	static const char *edits[][2] = {
	    {"\"pids\":{\"limit\":10}", "\"pids\":{\"limit\":10},\"devices\":[{\"allow\":false,"
					"\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
					"\"major\":10,\"minor\":-1,\"access\":\"w\"}]"},
	};
	char text[sizeof base + 512];
	const char *at = strstr(base, edits[0][0]);
	struct oci_spec s;
	struct sk_err err = {0};

	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, edits[0][1],
		 at + strlen(edits[0][0]));
	CHECK(oci_spec_parse(text, &s, &err) == 0);
	CHECK(s.res.ndev_rules == 2 && s.res.has_limits);
	CHECK(!s.res.dev_rules[0].allow && s.res.dev_rules[0].type == 'a' &&
	      s.res.dev_rules[0].major == -1 && s.res.dev_rules[0].access == 7);
	CHECK(s.res.dev_rules[1].allow && s.res.dev_rules[1].type == 'c' &&
	      s.res.dev_rules[1].major == 10 && s.res.dev_rules[1].minor == -1 &&
	      s.res.dev_rules[1].access == 4);
	oci_spec_free(&s);
	/* Unknown capabilities are skipped and counted (runc warns). */
	CHECK_STREQ(parse_edit("\"CAP_CHOWN\"", "\"CAP_NOPE\""), "ok");
	at = strstr(base, "\"CAP_CHOWN\"");
	snprintf(text, sizeof text, "%.*s\"CAP_NOPE\",\"CAP_CHOWN\"%s", (int)(at - base), base,
		 at + strlen("\"CAP_CHOWN\""));
	CHECK(oci_spec_parse(text, &s, &err) == 0);
	CHECK(s.process.caps.nunknown == 1 && strcmp(s.process.caps.unknown, "CAP_NOPE") == 0);
	CHECK(s.process.caps.bounding == ((1ULL << 5) | 1ULL));
	oci_spec_free(&s);
}

/* BASE without its hostname, with up to two edits (FROM -> TO, NULL for
 * none), parsed and put through the host-safety check. */
static const char *safety(const char *f1, const char *t1, const char *f2, const char *t2)
{
	static struct sk_err err;
	static const char host[] = "\"hostname\":\"h\",";
	char a[sizeof base + 1024], b[sizeof base + 1024];
	const char *at = strstr(base, host);
	struct oci_spec s;

	snprintf(a, sizeof a, "%.*s%s", (int)(at - base), base, at + strlen(host));
	for (int i = 0; i < 2; i++) {
		const char *from = i ? f2 : f1, *to = i ? t2 : t1;
		if (!from)
			continue;
		if (!(at = strstr(a, from)))
			return "edit not found";
		snprintf(b, sizeof b, "%.*s%s%s", (int)(at - a), a, to, at + strlen(from));
		memcpy(a, b, sizeof a);
	}
	memset(&err, 0, sizeof err);
	int rc = oci_spec_parse(a, &s, &err) == 0 ? oci_spec_check_host_safe(&s, &err) : -2;
	oci_spec_free(&s);
	return rc == 0 ? "ok" : err.msg;
}

TEST(host_safety)
{
	static const char root[] = "\"root\"", pid[] = "{\"type\":\"pid\"}";
	static const char fwd[] = "\"net.ipv4.ip_forward\":\"1\"";

	/* The network namespace is joined by a path that is not ours. */
	CHECK_STREQ(safety(NULL, NULL, NULL, NULL), "ok");
	CHECK_STREQ(safety(root, "\"hostname\":\"h\",\"root\"", NULL, NULL),
		    "hostname: needs a uts namespace of the container's own (it would change the "
		    "host's name)");
	CHECK_STREQ(safety(root, "\"domainname\":\"d\",\"root\"", NULL, NULL),
		    "domainname: needs a uts namespace of the container's own (it would change "
		    "the host's domain name)");
	CHECK_STREQ(safety(root, "\"hostname\":\"\",\"root\"", NULL, NULL), "ok");
	CHECK_STREQ(safety(fwd, "\"kernel.shmmax\":\"1\"", NULL, NULL),
		    "linux.sysctl.kernel.shmmax: the container has no ipc namespace of its own: it "
		    "would change the host's");
	CHECK_STREQ(safety(fwd, "\"fs.mqueue.msg_max\":\"1\"", pid, "{\"type\":\"ipc\"}"), "ok");
	CHECK_STREQ(safety(fwd, "\"vm.swappiness\":\"1\"", NULL, NULL),
		    "linux.sysctl.vm.swappiness: not in a namespace of the container: it would "
		    "change the host");
	CHECK_STREQ(
	    safety("\"/run/netns/x\"", "\"/proc/self/ns/net\"", NULL, NULL),
	    "linux.sysctl.net.ipv4.ip_forward: the container has no network namespace of its "
	    "own: it would change the host's");
	CHECK_STREQ(safety(fwd, "\"kernel.hostname\":\"x\"", pid, "{\"type\":\"uts\"}"), "ok");
	CHECK_STREQ(safety(fwd, "\"kernel.hostname\":\"x\"", root, "\"hostname\":\"h\",\"root\""),
		    "hostname: needs a uts namespace of the container's own (it would change the "
		    "host's name)");
	CHECK_STREQ(safety(fwd, "\"kernel.domainname\":\"x\"", pid, "{\"type\":\"uts\"}"), "ok");
}

/* A failed parse leaves nothing allocated, not even the arguments of the
 * hook it failed in (found by fuzzing), so callers that free only what
 * parsed (runtime/lifecycle.c) leak nothing; LeakSanitizer checks at exit. */
TEST(failed_parse_frees_everything)
{
	static const char from[] = "\"path\":\"/bin/true\"";
	static const char to[] =
	    "\"args\":[\"true\",\"-x\"],\"env\":[\"A=1\"],\"path\":\"bin/true\"";
	char text[sizeof base + 128];
	const char *at = strstr(base, from);
	struct sk_err err = {0};
	struct oci_spec s;

	CHECK(at != NULL);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	CHECK(oci_spec_parse(text, &s, &err) < 0);
	CHECK_STREQ(err.msg, "hooks.poststop[0].path: must be an absolute path");
	CHECK(s.json == NULL && s.hooks[HOOK_POSTSTOP].v == NULL && s.process.args == NULL);
}

TEST(shares_to_weight)
{
	CHECK(oci_shares_to_weight(2) == 1);
	CHECK(oci_shares_to_weight(1024) == 39);
	CHECK(oci_shares_to_weight(262144) == 10000);
	CHECK(oci_shares_to_weight(0) == 1);
}

int main(void)
{
	RUN(parses_a_full_config);
	RUN(errors_name_the_key_path);
	RUN(devices_and_caps_parse);
	RUN(host_safety);
	RUN(failed_parse_frees_everything);
	RUN(shares_to_weight);
	return check_summary();
}
