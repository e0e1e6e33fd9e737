/* init's configuration: node.json validation and kernel command-line
 * overrides, through init_config.h only. */
#include "check.h"
#include "../../init/init_config.h"

#include <stdlib.h>
#include <string.h>

static struct node_config cfg;
static struct sk_err err;

static int parse(const char *json)
{
	config_defaults(&cfg);
	memset(&err, 0, sizeof err);
	return config_parse(&cfg, "node.json", json, strlen(json), &err);
}

TEST(empty_object_gives_defaults)
{
	CHECK(parse("{}") == 0);
	CHECK_STREQ(cfg.hostname, "skiff");
	CHECK(cfg.grace_ms == 5000);
	CHECK(cfg.debug == 0);
	CHECK(cfg.n_services == 0 && cfg.n_modules == 0);
}

TEST(full_config_is_copied)
{
	CHECK(parse("{\"hostname\":\"n1\",\"debug\":true,\"modules\":[\"bridge\",\"virtio_net\"],"
		    "\"shutdown_grace_ms\":250,\"cluster\":{\"any\":1},\"services\":["
		    "{\"name\":\"agent\",\"exec\":[\"/usr/bin/a\",\"--x\"],\"env\":[\"K=V\"],"
		    "\"restart\":\"on-failure\"},"
		    "{\"name\":\"b\",\"exec\":[\"/b\"],\"env\":[\"PATH=/x\"]}]}") == 0);
	CHECK_STREQ(cfg.hostname, "n1");
	CHECK(cfg.debug == 1 && cfg.grace_ms == 250);
	CHECK(cfg.n_modules == 2);
	CHECK_STREQ(cfg.modules[1], "virtio_net");
	CHECK(cfg.n_services == 2);
	CHECK_STREQ(cfg.services[0].argv[1], "--x");
	CHECK(cfg.services[0].argv[2] == NULL);
	CHECK_STREQ(cfg.services[0].envp[0], "K=V");
	CHECK_STREQ(cfg.services[0].envp[1], "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK(cfg.services[0].envp[2] == NULL);
	CHECK(cfg.services[0].restart == RESTART_ON_FAILURE);
	CHECK(cfg.services[1].restart == RESTART_ALWAYS);
	CHECK_STREQ(cfg.services[1].envp[0], "PATH=/x");
	CHECK(cfg.services[1].envp[1] == NULL);
}

TEST(errors_name_the_key_path)
{
	CHECK(parse("{\"services\":[{\"name\":\"a\",\"exec\":[\"/a\"]},"
		    "{\"name\":\"b\",\"exec\":[]}]}") < 0);
	CHECK_STREQ(err.msg, "node.json: services[1].exec: must not be empty");
	CHECK(parse("{\"services\":[{\"name\":\"a\",\"exec\":[\"/a\"],\"restart\":\"x\"}]}") < 0);
	CHECK_STREQ(err.msg,
		    "node.json: services[0].restart: \"x\" is not always, on-failure or never");
	CHECK(parse("{\"services\":[{\"name\":\"a\",\"exec\":[\"a\"]}]}") < 0);
	CHECK_STREQ(err.msg, "node.json: services[0].exec[0]: \"a\" is not an absolute path");
	CHECK(parse("{\"services\":[{\"name\":\"a\",\"exec\":[\"/a\"]},"
		    "{\"name\":\"a\",\"exec\":[\"/a\"]}]}") < 0);
	CHECK_STREQ(err.msg, "node.json: services[1].name: duplicate service name \"a\"");
	CHECK(parse("{\"modules\":[\"ok\",7]}") < 0);
	CHECK_STREQ(err.msg, "node.json: modules[1]: expected a string");
	CHECK(parse("{\"shutdown_grace_ms\":1.5}") < 0);
	CHECK(parse("{\"debug\":1}") < 0);
	CHECK(parse("{\"hostname\":\"a\",\"hostname\":\"b\"}") < 0);
	CHECK_STREQ(err.msg, "node.json: hostname: duplicate key");
	CHECK(parse("[]") < 0);
}

TEST(malformed_json_names_line_and_column)
{
	CHECK(parse("{\"a\":1,\n  \"b\" 2}") < 0);
	CHECK_STREQ(err.msg, "node.json:2:7: malformed JSON");
}

TEST(cmdline_overrides)
{
	struct cmdline_arg args[] = {
	    {"console", "ttyS0"},      {"skiff.hostname", "other"},
	    {"skiff.debug", "1"},      {"skiff.modules", "stp,bridge,,llc"},
	    {"skiff.grace_ms", "100"}, {"skiff.service.a", "off"},
	};
	CHECK(
	    parse("{\"modules\":[\"bridge\"],\"services\":[{\"name\":\"a\",\"exec\":[\"/a\"]}]}") ==
	    0);
	CHECK(config_apply_cmdline(&cfg, args, sizeof args / sizeof *args, &err) == 0);
	CHECK_STREQ(cfg.hostname, "other");
	CHECK(cfg.debug == 1 && cfg.grace_ms == 100);
	CHECK(cfg.n_modules == 3);
	CHECK_STREQ(cfg.modules[1], "stp");
	CHECK_STREQ(cfg.modules[2], "llc");
	CHECK(cfg.services[0].disabled == 1);
}

TEST(cmdline_bad_values_fail)
{
	struct cmdline_arg grace[] = {{"skiff.grace_ms", "soon"}};
	struct cmdline_arg debug[] = {{"skiff.debug", "yes"}};
	CHECK(parse("{}") == 0);
	CHECK(config_apply_cmdline(&cfg, grace, 1, &err) < 0);
	CHECK_STREQ(
	    err.msg,
	    "kernel command line: skiff.grace_ms: expected an integer 0..600000, got \"soon\"");
	CHECK(config_apply_cmdline(&cfg, debug, 1, &err) < 0);
	CHECK(cfg.grace_ms == 5000);
}

TEST(version_and_fatal)
{
	struct cmdline_arg reboot[] = {{"skiff.fatal", "reboot"}};
	struct cmdline_arg bad[] = {{"skiff.fatal", "explode"}};

	CHECK(parse("{}") == 0);
	CHECK_STREQ(cfg.version, "0");
	CHECK(cfg.fatal_reboot == 0);
	CHECK(parse("{\"version\":\"2.1~rc1\",\"update\":{\"health_timeout_s\":60}}") == 0);
	CHECK_STREQ(cfg.version, "2.1~rc1");
	CHECK(parse("{\"version\":\"2/3\"}") < 0);
	CHECK_STREQ(err.msg, "node.json: version: invalid \"2/3\"");
	CHECK(config_apply_cmdline(&cfg, reboot, 1, &err) == 0);
	CHECK(cfg.fatal_reboot == 1);
	CHECK(config_apply_cmdline(&cfg, bad, 1, &err) < 0);
	CHECK_STREQ(
	    err.msg,
	    "kernel command line: skiff.fatal: expected reboot or poweroff, got \"explode\"");
}

int main(void)
{
	RUN(empty_object_gives_defaults);
	RUN(full_config_is_copied);
	RUN(errors_name_the_key_path);
	RUN(malformed_json_names_line_and_column);
	RUN(cmdline_overrides);
	RUN(cmdline_bad_values_fail);
	RUN(version_and_fatal);
	return check_summary();
}
