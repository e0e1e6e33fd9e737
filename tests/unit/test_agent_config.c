/* Agent settings from node.json and options. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

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

int main(void)
{
	RUN(cluster_object_of_node_json);
	RUN(defaults_and_overrides);
	RUN(bad_input_names_the_key);
	return check_summary();
}
