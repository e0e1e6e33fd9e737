/* Agent settings from node.json and options. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/agent.h"
#include "../../agent/agent_config.h"
#include "check.h"
#include "file.h"

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
	char dir[] = "/tmp/skiff-data-XXXXXX", path[64];

	CHECK(mkdtemp(dir) != NULL);
	agent_config_defaults(&c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s", dir);
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
	snprintf(path, sizeof path, "%s/node-id", dir);
	unlink(path);
	rmdir(dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Without a configured id the made one is kept in DATA/node-id and read
 * back on every later start (the next boot has another boot id). */
TEST(node_id_kept_in_the_data_dir)
{
	struct agent_config c;
	struct sk_err err = {0};
	char dir[] = "/tmp/skiff-data-XXXXXX", data[64], path[80], first[AGENT_ID_MAX];
	struct stat st;
	char *text = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(data, sizeof data, "%s/data", dir); /* made on first start */
	snprintf(path, sizeof path, "%s/node-id", data);
	agent_config_defaults(&c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
	CHECK(agent_config_finish(&c, &err) == 0);
	snprintf(first, sizeof first, "%s", c.node_id);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(sk_read_file(path, 4096, &text, NULL, &err) == 0);
	CHECK(text && strlen(text) == strlen(first) + 1 && !strncmp(text, first, strlen(first)));
	free(text);

	/* a later start (as after a reboot) reads it, whatever it says */
	write_text(path, "kept-7\n");
	agent_config_defaults(&c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
	CHECK(agent_config_finish(&c, &err) == 0);
	CHECK_STREQ(c.node_id, "kept-7");
	CHECK_STREQ(c.user, "");

	/* a configured id wins, and is not written */
	agent_config_defaults(&c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
	snprintf(c.node_id, sizeof c.node_id, "n-9");
	CHECK(agent_config_finish(&c, &err) == 0);
	CHECK_STREQ(c.node_id, "n-9");
	CHECK(sk_read_file(path, 4096, &text, NULL, &err) == 0);
	CHECK(text && !strcmp(text, "kept-7\n"));
	free(text);

	/* the etcd user a joined node logs in as follows the kept id */
	agent_config_defaults(&c);
	snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
	snprintf(c.password_file, sizeof c.password_file, "%s/etcd.password", data);
	CHECK(agent_config_finish(&c, &err) == 0);
	CHECK_STREQ(c.user, "skiff:default:node:kept-7");

	/* a bad file is an error naming it (the last: longer than an id) */
	static char tall[300];
	memset(tall, 'a', sizeof tall - 1);
	static const char *const bad[] = {"", "\n", "a/b\n", "two\nlines\n", ".hidden\n", tall};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(path, bad[i]);
		agent_config_defaults(&c);
		snprintf(c.data_dir, sizeof c.data_dir, "%s", data);
		CHECK(agent_config_finish(&c, &err) < 0);
		CHECK(strstr(err.msg, path) != NULL && strstr(err.msg, "not a node id") != NULL);
	}
	unlink(path);
	rmdir(data);
	rmdir(dir);
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
	RUN(node_id_kept_in_the_data_dir);
	RUN(bad_input_names_the_key);
	RUN(etcd_user_and_password_file);
	RUN(join_token_from_config_and_cmdline);
	return check_summary();
}
