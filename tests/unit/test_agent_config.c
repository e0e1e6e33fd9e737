/* Agent settings from node.json and options. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/agent.h"
#include "../../agent/agent_config.h"
#include "check.h"

TEST(cluster_object_of_node_json)
{
	struct agent_config c;
	struct sk_err err = {0};

	agent_config_defaults(&c);
	CHECK(agent_config_parse(
		  &c, "node.json",
		  "{\"hostname\":\"n\",\"cluster\":{\"name\":\"demo\",\"endpoints\":"
		  "[\"http://10.0.2.2:2379\",\"http://10.0.2.2:2380\"],\"node_id\":\"n-1\","
		  "\"labels\":{\"zone\":\"a\"},\"reserved_memory_mib\":100,\"lease_ttl_s\":5,"
		  "\"insecure_registries\":[\"10.0.2.2:5000\"]}}",
		  &err) == 0);
	CHECK_STREQ(c.cluster, "demo");
	CHECK(c.n_endpoints == 2);
	CHECK_STREQ(c.endpoints[1], "http://10.0.2.2:2380");
	CHECK_STREQ(c.node_id, "n-1");
	CHECK(c.n_labels == 1);
	CHECK_STREQ(c.labels[0].value, "a");
	CHECK(c.reserved_memory_mib == 100 && c.lease_ttl_s == 5);
	CHECK(c.n_registries == 1);
	CHECK(agent_config_finish(&c, &err) == 0);
}

TEST(defaults_and_overrides)
{
	struct agent_config c;
	struct sk_err err = {0};

	agent_config_defaults(&c);
	CHECK(agent_config_parse(&c, "node.json", "{\"hostname\":\"x\"}", &err) == 0);
	CHECK_STREQ(c.endpoints[0], "http://127.0.0.1:2379");
	CHECK(c.lease_ttl_s == 10 && c.reserved_memory_mib == -1);
	CHECK(agent_config_set_endpoints(&c, "http://a:1,http://b:2", &err) == 0);
	CHECK(c.n_endpoints == 2);
	CHECK(agent_config_add_label(&c, "zone=b", &err) == 0);
	CHECK(agent_config_add_label(&c, "zone=c", &err) == 0);
	CHECK(c.n_labels == 1);
	CHECK_STREQ(c.labels[0].value, "c");
	CHECK(agent_config_finish(&c, &err) == 0);
	/* hostname-<8 characters of the boot id> */
	CHECK(strlen(c.node_id) > 9 && c.node_id[strlen(c.node_id) - 9] == '-');
}

TEST(bad_input_names_the_key)
{
	struct agent_config c;
	struct sk_err err = {0};

	agent_config_defaults(&c);
	CHECK(agent_config_parse(&c, "f.json", "{\"cluster\":{\"lease_ttl_s\":1}}", &err) < 0);
	CHECK(strstr(err.msg, "f.json: cluster.lease_ttl_s") != NULL);
	CHECK(agent_config_parse(&c, "f.json", "{\"cluster\":{\"endpoints\":[\"ftp://x\"]}}",
				 &err) < 0);
	CHECK(strstr(err.msg, "cluster.endpoints[0]") != NULL);
	CHECK(agent_config_parse(&c, "f.json", "{\"cluster\":", &err) < 0);
	CHECK(agent_config_set_endpoints(&c, "x:1", &err) < 0);
	CHECK(agent_config_add_label(&c, "novalue", &err) < 0);
	snprintf(c.node_id, sizeof c.node_id, "a/b");
	CHECK(agent_config_finish(&c, &err) < 0);
}

/* The node's own etcd user: named after the cluster and node unless given. */
TEST(etcd_user_and_password_file)
{
	struct agent_config c;
	struct sk_err err = {0};

	agent_config_defaults(&c);
	CHECK(agent_config_parse(&c, "node.json",
				 "{\"cluster\":{\"name\":\"demo\",\"node_id\":\"n-1\","
				 "\"password_file\":\"/var/lib/skiff/etcd.password\"}}",
				 &err) == 0);
	CHECK(agent_config_finish(&c, &err) == 0);
	CHECK_STREQ(c.user, "skiff:demo:node:n-1");
	CHECK_STREQ(c.password_file, "/var/lib/skiff/etcd.password");
	agent_config_defaults(&c);
	CHECK(agent_config_parse(&c, "node.json", "{\"cluster\":{\"user\":\"ops\"}}", &err) == 0);
	snprintf(c.node_id, sizeof c.node_id, "n-1");
	CHECK(agent_config_finish(&c, &err) < 0);
	CHECK(strstr(err.msg, "etcd user ops: give password_file") != NULL);
	CHECK(agent_config_parse(&c, "f.json", "{\"cluster\":{\"password_file\":7}}", &err) < 0);
	CHECK(strstr(err.msg, "f.json: cluster.password_file") != NULL);
}

TEST(join_token_from_config_and_cmdline)
{
	struct agent_config c;
	struct sk_err err = {0};
	char path[] = "/tmp/skiff-cmdline-XXXXXX";
	int fd = mkstemp(path);
	static const char line[] = "console=ttyS0 skiff.join_token=abcdef.0123456789abcdef quiet\n";

	CHECK(fd >= 0 && write(fd, line, sizeof line - 1) == (ssize_t)sizeof line - 1);
	close(fd);
	agent_config_defaults(&c);
	agent_join_token_from_cmdline(&c, path);
	CHECK_STREQ(c.join_token, "abcdef.0123456789abcdef");
	/* node.json's wins */
	agent_config_defaults(&c);
	CHECK(agent_config_parse(&c, "node.json", "{\"cluster\":{\"join_token\":\"zzzzzz.0\"}}",
				 &err) == 0);
	agent_join_token_from_cmdline(&c, path);
	CHECK_STREQ(c.join_token, "zzzzzz.0");
	unlink(path);
	agent_config_defaults(&c);
	agent_join_token_from_cmdline(&c, path); /* gone: nothing */
	CHECK_STREQ(c.join_token, "");
}

int main(void)
{
	RUN(cluster_object_of_node_json);
	RUN(defaults_and_overrides);
	RUN(bad_input_names_the_key);
	RUN(etcd_user_and_password_file);
	RUN(join_token_from_config_and_cmdline);
	return check_summary();
}
