/* The image spec parser: a full spec, the defaults, and one case per kind
 * of error, each checked for its exact "file:line: key path: message". */
#include "check.h"
#include "../../imagegen/spec.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static const char good[] = "# a full spec\n"
			   "hostname: node-1\n"
			   "debug: true\n"
			   "kernel:\n"
			   "  version: 6.1.0-56-cloud-amd64\n"
			   "  modules: [virtio_net, overlay]\n"
			   "  cmdline: \"console=ttyS0 panic=-1\"\n"
			   "services:\n"
			   "  - name: hello\n"
			   "    exec: [\"/bin/sh\", \"-c\", \"echo hi\"]\n"
			   "    env: [\"A=B\", \"EMPTY=\"]\n"
			   "    restart: on-failure\n"
			   "  - name: agent_2\n"
			   "    exec:\n"
			   "      - /usr/bin/skiff-agent\n"
			   "files:\n"
			   "  - path: /etc/motd\n"
			   "    content: |\n"
			   "      hello\n"
			   "    mode: \"0600\"\n"
			   "  - path: /usr/bin/tool\n"
			   "    source: tool.sh\n"
			   "    mode: 0755\n"
			   "cluster:\n"
			   "  name: demo\n"
			   "  endpoints: [\"http://10.0.2.2:2379\"]\n"
			   "  replicas: 3\n"
			   "  quoted: \"3\"\n"
			   "  tls: false\n"
			   "  ratio: 1.5\n"
			   "  nothing: ~\n"
			   "shutdown:\n"
			   "  grace_ms: 2000\n";

TEST(good_spec_parsed_fully)
{
	struct sk_err err = {0};
	struct spec s;

	CHECK(spec_parse("good.yaml", good, sizeof good - 1, &s, &err) == 0);
	CHECK_STREQ(err.msg, "");
	CHECK_STREQ(s.name, "good.yaml");
	CHECK_STREQ(s.hostname, "node-1");
	CHECK(s.debug == 1);
	CHECK_STREQ(s.kernel_version, "6.1.0-56-cloud-amd64");
	CHECK(s.kernel_version_line == 5);
	CHECK(s.n_modules == 2);
	CHECK_STREQ(s.modules[0].name, "virtio_net");
	CHECK_STREQ(s.modules[1].name, "overlay");
	CHECK(s.modules[1].line == 6);
	CHECK_STREQ(s.cmdline, "console=ttyS0 panic=-1");
	CHECK(s.n_services == 2);
	CHECK_STREQ(s.services[0].name, "hello");
	CHECK(s.services[0].n_exec == 3);
	CHECK_STREQ(s.services[0].exec[2], "echo hi");
	CHECK(s.services[0].exec[3] == NULL);
	CHECK(s.services[0].n_env == 2);
	CHECK_STREQ(s.services[0].env[1], "EMPTY=");
	CHECK(s.services[0].restart == SPEC_RESTART_ON_FAILURE);
	CHECK(s.services[0].line == 9);
	CHECK_STREQ(s.services[1].exec[0], "/usr/bin/skiff-agent");
	CHECK(s.services[1].env == NULL);
	CHECK(s.services[1].restart == SPEC_RESTART_ALWAYS);
	CHECK(s.n_files == 2);
	CHECK_STREQ(s.files[0].path, "/etc/motd");
	CHECK_STREQ(s.files[0].content, "hello\n");
	CHECK(s.files[0].content_len == 6);
	CHECK(s.files[0].mode == 0600);
	CHECK(s.files[0].source == NULL);
	CHECK_STREQ(s.files[1].source, "tool.sh");
	CHECK(s.files[1].source_line == 22);
	CHECK(s.files[1].mode == 0755);
	CHECK(s.grace_ms == 2000);

	char *json = cJSON_PrintUnformatted(s.cluster);
	CHECK_STREQ(json, "{\"name\":\"demo\",\"endpoints\":[\"http://10.0.2.2:2379\"],"
			  "\"replicas\":3,\"quoted\":\"3\",\"tls\":false,\"ratio\":\"1.5\","
			  "\"nothing\":null}");
	free(json);
	spec_free(&s);
}

TEST(empty_spec_gives_defaults)
{
	struct sk_err err = {0};
	struct spec s;

	CHECK(spec_parse("empty.yaml", "", 0, &s, &err) == 0);
	CHECK_STREQ(s.hostname, SPEC_DEFAULT_HOSTNAME);
	CHECK_STREQ(s.cmdline, "console=ttyS0 quiet panic=-1 rcupdate.rcu_expedited=1");
	CHECK(s.kernel_version == NULL);
	CHECK(s.kernel_profile == SPEC_KERNEL_CLOUD);
	CHECK(s.debug == 0);
	CHECK(s.n_modules == 0 && s.n_services == 0 && s.n_files == 0);
	CHECK(s.cluster == NULL);
	CHECK(s.grace_ms == 5000);
	spec_free(&s);
}

/* TEXT must fail with exactly WANT, and leave the spec empty. */
static void check_error(const char *text, const char *want)
{
	struct sk_err err = {0};
	struct spec s;

	CHECK(spec_parse("spec.yaml", text, strlen(text), &s, &err) == -1);
	CHECK_STREQ(err.msg, want);
	CHECK(s.hostname == NULL && s.services == NULL);
	spec_free(&s);
}

TEST(unknown_key)
{
	check_error("foo: 1\n", "spec.yaml:1: foo: unknown key");
	check_error("hostname: a\nkernel:\n  modules: []\n  module: [x]\n",
		    "spec.yaml:4: kernel.module: unknown key");
	check_error("services:\n  - name: a\n    exec: [/x]\n    user: root\n",
		    "spec.yaml:4: services[0].user: unknown key");
}

TEST(wrong_type)
{
	check_error("\n\nhostname: [a, b]\n", "spec.yaml:3: hostname: expected a string");
	check_error("hostname:\n", "spec.yaml:1: hostname: expected a string");
	check_error("debug: yes please\n", "spec.yaml:1: debug: expected true or false");
	check_error("kernel: [a]\n", "spec.yaml:1: kernel: expected a mapping, got a sequence");
	check_error("kernel:\n  modules: virtio_net\n",
		    "spec.yaml:2: kernel.modules: expected a sequence, got a scalar");
	check_error("kernel:\n  modules:\n    - a\n    - {b: c}\n",
		    "spec.yaml:4: kernel.modules[1]: expected a string");
	check_error("shutdown:\n  grace_ms: \"5000\"\n",
		    "spec.yaml:2: shutdown.grace_ms: expected an integer from 0 to 600000");
	check_error("shutdown:\n  grace_ms: 700000\n",
		    "spec.yaml:2: shutdown.grace_ms: expected an integer from 0 to 600000");
	check_error("cluster: [a]\n", "spec.yaml:1: cluster: expected a mapping");
}

TEST(bad_restart)
{
	check_error("hostname: n\n"
		    "kernel:\n"
		    "  modules: [virtio_net]\n"
		    "services:\n"
		    "  - name: ok\n"
		    "    exec: [/bin/true]\n"
		    "  - name: bad\n"
		    "    exec: [/bin/false]\n"
		    "    restart: sometimes\n",
		    "spec.yaml:9: services[1].restart: expected always, on-failure or never, "
		    "got \"sometimes\"");
}

TEST(bad_services)
{
	check_error(
	    "services:\n  - name: a\n    exec: [/x]\n  - name: a\n    exec: [/y]\n",
	    "spec.yaml:4: services[1].name: duplicate service name \"a\" (first on line 2)");
	check_error("services:\n  - name: a\n", "spec.yaml:2: services[0].exec: missing");
	check_error("services:\n  - exec: [/x]\n", "spec.yaml:2: services[0].name: missing");
	check_error("services:\n  - name: Web\n    exec: [/x]\n",
		    "spec.yaml:2: services[0].name: invalid service name \"Web\" (a-z, 0-9, '_', "
		    "'-')");
	check_error("services:\n  - name: a\n    exec: [bin/sh]\n",
		    "spec.yaml:3: services[0].exec: \"bin/sh\" is not an absolute path");
	check_error("services:\n  - name: a\n    exec: [/x]\n    env: [A=1, NOEQUALS]\n",
		    "spec.yaml:4: services[0].env[1]: \"NOEQUALS\" is not NAME=VALUE");
}

TEST(bad_files)
{
	check_error("files:\n  - path: /etc/../shadow\n    content: x\n",
		    "spec.yaml:2: files[0].path: \"/etc/../shadow\" is not an absolute path of "
		    "plain components (no \"..\", \".\" or \"//\")");
	check_error("files:\n  - path: etc/motd\n    content: x\n",
		    "spec.yaml:2: files[0].path: \"etc/motd\" is not an absolute path of plain "
		    "components (no \"..\", \".\" or \"//\")");
	check_error("files:\n  - path: /etc/motd\n    content: x\n    source: motd.txt\n",
		    "spec.yaml:2: files[0]: expected exactly one of source and content");
	check_error("files:\n  - path: /etc/motd\n",
		    "spec.yaml:2: files[0]: expected exactly one of source and content");
	check_error("files:\n  - path: /a\n    content: x\n    mode: rw\n",
		    "spec.yaml:4: files[0].mode: expected an octal mode such as \"0644\"");
	check_error("files:\n  - path: /a\n    content: x\n  - path: /a\n    content: y\n",
		    "spec.yaml:4: files[1].path: duplicate path \"/a\" (first on line 2)");
}

TEST(kernel_profile)
{
	struct sk_err err = {0};
	struct spec s;
	const char *text = "hostname: a\nkernel:\n  profile: micro\n  modules: [virtio_net]\n";

	CHECK(spec_parse("micro.yaml", text, strlen(text), &s, &err) == 0);
	CHECK(s.kernel_profile == SPEC_KERNEL_MICRO);
	CHECK(s.kernel_profile_line == 3);
	CHECK_STREQ(spec_kernel_profile_name(s.kernel_profile), "micro");
	CHECK(!spec_gzip(&s)); /* the micro kernel's initramfs is not compressed */
	spec_free(&s);
}

TEST(initramfs_compression)
{
	struct sk_err err = {0};
	struct spec s;
	const char *cloud = "kernel:\n  profile: cloud\n";
	const char *micro_gz = "kernel:\n  profile: micro\n  compression: gzip\n";
	const char *cloud_none = "kernel:\n  compression: none\n";

	CHECK(spec_parse("a.yaml", cloud, strlen(cloud), &s, &err) == 0);
	CHECK(spec_gzip(&s));
	spec_free(&s);
	CHECK(spec_parse("b.yaml", micro_gz, strlen(micro_gz), &s, &err) == 0);
	CHECK(spec_gzip(&s));
	spec_free(&s);
	CHECK(spec_parse("c.yaml", cloud_none, strlen(cloud_none), &s, &err) == 0);
	CHECK(!spec_gzip(&s));
	spec_free(&s);
}

TEST(bad_values)
{
	check_error("hostname: -bad\n",
		    "spec.yaml:1: hostname: invalid hostname \"-bad\" (letters, digits, '-' and "
		    "'.', at most 64)");
	check_error("kernel:\n  profile: tiny\n",
		    "spec.yaml:2: kernel.profile: expected cloud or micro, got \"tiny\"");
	check_error("kernel:\n  compression: xz\n",
		    "spec.yaml:2: kernel.compression: expected gzip or none, got \"xz\"");
	check_error("kernel:\n  version: ../../etc\n",
		    "spec.yaml:2: kernel.version: invalid kernel version \"../../etc\"");
	check_error("kernel:\n  modules: [bridge, virtio-net, virtio_net]\n",
		    "spec.yaml:2: kernel.modules[2]: duplicate module \"virtio_net\" (first on "
		    "line 2)");
	check_error("hostname: a\nhostname: b\n",
		    "spec.yaml:2: hostname: duplicate key (first on line 1)");
	check_error("cluster:\n  a: 1\n  a: 2\n",
		    "spec.yaml:3: cluster.a: duplicate key (first on line 2)");
}

TEST(yaml_syntax_error)
{
	check_error("hostname: a\nkernel:\n  modules: [a, b\nservices: []\n",
		    "spec.yaml:4: did not find expected ',' or ']' (while parsing a flow sequence "
		    "at line 3)");
	check_error("hostname: a\n  debug: true\n",
		    "spec.yaml:2: mapping values are not allowed in this context");
	check_error("hostname: a\n---\nhostname: b\n",
		    "spec.yaml:3: only one YAML document is allowed");
}

TEST(version_and_update)
{
	struct sk_err err = {0};
	struct spec s;
	const char *text = "version: \"2.1~rc1\"\ndisk: {}\nupdate:\n  signing_key: k.pem\n"
			   "  health_timeout_s: 60\n";

	CHECK(spec_parse("u.yaml", "", 0, &s, &err) == 0);
	CHECK_STREQ(s.version, "0");
	CHECK(!s.update.enabled);
	spec_free(&s);
	CHECK(spec_parse("u.yaml", text, strlen(text), &s, &err) == 0);
	CHECK_STREQ(s.version, "2.1~rc1");
	CHECK(s.update.enabled && s.update.health_timeout_s == 60);
	CHECK_STREQ(s.update.signing_key, "k.pem");
	CHECK(s.update.signing_key_line == 4 && s.update.public_key == NULL);
	spec_free(&s);
	text = "disk: {}\nupdate: {public_key: /etc/k.pub}\n";
	CHECK(spec_parse("u.yaml", text, strlen(text), &s, &err) == 0);
	CHECK(s.update.health_timeout_s == 300);
	spec_free(&s);
}

TEST(bad_version_and_update)
{
	check_error("version: 2/3\n",
		    "spec.yaml:1: version: invalid version \"2/3\" (1 to 32 of A-Z a-z 0-9 . _ + ~ "
		    "-)");
	check_error(
	    "version: \"\"\n",
	    "spec.yaml:1: version: invalid version \"\" (1 to 32 of A-Z a-z 0-9 . _ + ~ -)");
	check_error(
	    "version: 123456789012345678901234567890123\n",
	    "spec.yaml:1: version: invalid version \"123456789012345678901234567890123\" (1 "
	    "to 32 of A-Z a-z 0-9 . _ + ~ -)");
	check_error("disk: {}\nupdate:\n  signing_key: k.pem\n  sign: x\n",
		    "spec.yaml:4: update.sign: unknown key");
	check_error("disk: {}\nupdate:\n  health_timeout_s: 60\n",
		    "spec.yaml:3: update: expected signing_key (to sign updates) or public_key (to "
		    "accept them)");
	check_error("disk: {}\nupdate:\n  public_key: k.pub\n  health_timeout_s: 5\n",
		    "spec.yaml:4: update.health_timeout_s: at least 10 s (a boot and the agent's "
		    "registration)");
	check_error("disk: {}\nupdate:\n  signing_key: \"\"\n",
		    "spec.yaml:3: update.signing_key: must not be empty");
	check_error("hostname: a\nupdate:\n  signing_key: k.pem\n",
		    "spec.yaml:3: update: needs a disk: section (an update replaces a disk's root "
		    "slot and kernel image)");
}

int main(void)
{
	RUN(good_spec_parsed_fully);
	RUN(empty_spec_gives_defaults);
	RUN(unknown_key);
	RUN(wrong_type);
	RUN(bad_restart);
	RUN(bad_services);
	RUN(bad_files);
	RUN(kernel_profile);
	RUN(initramfs_compression);
	RUN(bad_values);
	RUN(yaml_syntax_error);
	RUN(version_and_update);
	RUN(bad_version_and_update);
	return check_summary();
}
