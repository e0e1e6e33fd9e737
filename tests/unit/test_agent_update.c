/* The OS update state the agent keeps across reboots (agent/update_state.c):
 * state.json reads back as written, the trial file has the shape init's
 * watchdog reads, and the node record's "os" object says what the
 * contract says (docs/cluster.md "OS updates"). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/update_internal.h"
#include "check.h"
#include "file.h"

static char dir[] = "/tmp/skiff-agent-update.XXXXXX";

static void setup(void)
{
	struct agent_config cfg;

	CHECK(mkdtemp(dir) != NULL);
	agent_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", dir);
	update_paths_init(&cfg);
}

TEST(state_reads_back)
{
	struct update_kept k = {0}, back;
	struct sk_err err = {0};

	CHECK(update_kept_read(&back) == 0 && !back.has_update && !back.previous[0]);
	snprintf(k.previous, sizeof k.previous, "1");
	k.has_update = 1;
	snprintf(k.u.image, sizeof k.u.image, "127.0.0.1:5000/skiff/os:2");
	snprintf(k.u.rollout, sizeof k.u.rollout, "r1");
	snprintf(k.u.target, sizeof k.u.target, "2");
	snprintf(k.u.slot, sizeof k.u.slot, "b");
	snprintf(k.u.from, sizeof k.u.from, "1");
	snprintf(k.u.state, sizeof k.u.state, "failed");
	snprintf(k.u.reason, sizeof k.u.reason, "version 2 did not boot");
	snprintf(k.u.at, sizeof k.u.at, "2026-11-30T00:00:00Z");
	CHECK(update_kept_write(&k, &err) == 0);
	CHECK(update_kept_read(&back) == 0);
	CHECK(memcmp(&k, &back, sizeof k) == 0);
}

TEST(trial_file_shape)
{
	struct update_trial t = {"3", "b", 40}, back;
	struct sk_err err = {0};
	char path[400], reason[256], *text = NULL;

	CHECK(update_trial_write(&t, &err) == 0);
	CHECK(sk_read_file(update_path("trial", path, sizeof path), 4096, &text, NULL, &err) == 0);
	CHECK_STREQ(text, "version=3\nslot=b\ndeadline_s=40\n");
	free(text);
	CHECK(update_trial_read(&back) == 1);
	CHECK_STREQ(back.version, "3");
	CHECK_STREQ(back.slot, "b");
	CHECK(back.deadline_s == 40);
	update_trial_reason(reason, sizeof reason);
	CHECK_STREQ(reason, "");
	/* init writes the reason when its watchdog fires */
	const char *why = "version 3 was not healthy within 40 s (the agent did not mark the boot "
			  "good)\n";
	CHECK(sk_write_atomic(update_path("trial.reason", path, sizeof path), why, strlen(why),
			      &err) == 0);
	update_trial_reason(reason, sizeof reason);
	CHECK_STREQ(reason, "version 3 was not healthy within 40 s (the agent did not mark the "
			    "boot good)");
	update_trial_remove();
	CHECK(update_trial_read(&back) == 0);
	CHECK(access(path, F_OK) < 0);
}

TEST(os_object)
{
	struct update_boot b = {"b", "2"}, none = {"", ""};
	struct update_kept k = {0};
	cJSON *os;
	char *s;

	CHECK(update_os_object(&none, &k) == NULL);
	os = update_os_object(&b, &k);
	s = cJSON_PrintUnformatted(os);
	CHECK_STREQ(s, "{\"version\":\"2\",\"slot\":\"b\"}");
	free(s);
	cJSON_Delete(os);
	snprintf(k.previous, sizeof k.previous, "1");
	k.has_update = 1;
	snprintf(k.u.image, sizeof k.u.image, "reg/os:2");
	snprintf(k.u.rollout, sizeof k.u.rollout, "r1");
	snprintf(k.u.target, sizeof k.u.target, "2");
	snprintf(k.u.slot, sizeof k.u.slot, "b");
	snprintf(k.u.state, sizeof k.u.state, "done");
	snprintf(k.u.at, sizeof k.u.at, "2026-11-30T00:00:00Z");
	os = update_os_object(&b, &k);
	s = cJSON_PrintUnformatted(os);
	/* the slot written and the version it came from stay in state.json */
	CHECK_STREQ(s, "{\"version\":\"2\",\"slot\":\"b\",\"previous\":\"1\",\"update\":{"
		       "\"image\":\"reg/os:2\",\"rollout\":\"r1\",\"target\":\"2\",\"state\":"
		       "\"done\",\"at\":\"2026-11-30T00:00:00Z\"}}");
	free(s);
	cJSON_Delete(os);
}

TEST(health_timeout_from_node_json)
{
	struct agent_config c;
	struct sk_err err = {0};

	agent_config_defaults(&c);
	CHECK(c.update_health_timeout_s == 300);
	CHECK(agent_config_parse(&c, "node.json",
				 "{\"version\":\"2\",\"update\":{\"public_key\":"
				 "\"/etc/skiff/update.pub\",\"health_timeout_s\":40}}",
				 &err) == 0);
	CHECK(c.update_health_timeout_s == 40);
	CHECK(agent_config_parse(&c, "node.json", "{\"update\":{\"health_timeout_s\":5}}", &err) <
	      0);
	CHECK_STREQ(err.msg,
		    "node.json: update.health_timeout_s: expected an integer in 10..86400");
	CHECK(agent_config_parse(&c, "node.json", "{\"update\":[]}", &err) < 0);
	CHECK_STREQ(err.msg, "node.json: update: expected an object");
}

int main(void)
{
	char cmd[300];

	setup();
	RUN(state_reads_back);
	RUN(trial_file_shape);
	RUN(os_object);
	RUN(health_timeout_from_node_json);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0);
	return check_summary();
}
