/* Assignment parsing and the status a node reports. */
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/task.h"
#include "../../agent/taskdef.h"
#include "check.h"

static const char *full =
    "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\",\"taskDefinition\":{\"family\":\"web\","
    "\"revision\":3,\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"r:5000/bb:1\","
    "\"entryPoint\":[\"/bin/sh\",\"-c\"],\"command\":[\"httpd -f\"],\"environment\":"
    "[{\"name\":\"A\",\"value\":\"1\"}],\"memory\":64,\"cpu\":256,\"stopTimeout\":4,"
    "\"portMappings\":[{\"containerPort\":80,\"hostPort\":8080},{\"containerPort\":53,"
    "\"protocol\":\"udp\"}]},{\"name\":\"side\",\"image\":\"bb\",\"essential\":false}]}}";

TEST(parses_the_ecs_subset)
{
	struct task_def *td = NULL;
	struct sk_err err = {0};

	CHECK(taskdef_parse(full, "t1", &td, &err) == 0);
	if (!td)
		return;
	CHECK_STREQ(td->task_id, "t1");
	CHECK(td->desired == DESIRED_RUNNING);
	CHECK_STREQ(td->family, "web");
	CHECK(td->revision == 3);
	CHECK(td->n_containers == 2);
	const struct container_def *c = &td->containers[0];
	CHECK_STREQ(c->name, "app");
	CHECK_STREQ(c->image, "r:5000/bb:1");
	CHECK(c->essential == 1 && td->containers[1].essential == 0);
	CHECK_STREQ(c->entrypoint[1], "-c");
	CHECK(c->entrypoint[2] == NULL);
	CHECK_STREQ(c->command[0], "httpd -f");
	CHECK_STREQ(c->env[0], "A=1");
	CHECK(c->memory_mib == 64 && c->cpu == 256 && c->stop_timeout_s == 4);
	CHECK(c->n_ports == 2);
	CHECK(c->ports[0].host_port == 8080 && c->ports[0].container_port == 80);
	CHECK(c->ports[1].host_port == 53 && c->ports[1].proto == IPPROTO_UDP);
	CHECK(td->containers[1].stop_timeout_s == -1);
	taskdef_free(td);
}

static void expect_error(const char *text, const char *id, const char *want)
{
	struct task_def *td = NULL;
	struct sk_err err = {0};

	CHECK(taskdef_parse(text, id, &td, &err) < 0);
	CHECK(td == NULL);
	if (!strstr(err.msg, want))
		check_fail_str(__FILE__, __LINE__, "error message", err.msg, want);
}

TEST(rejects_bad_assignments_naming_the_field)
{
	expect_error("[1]", "t1", "not a JSON object");
	expect_error("{\"task\":\"t2\",\"taskDefinition\":{}}", "t1", "does not match");
	expect_error("{\"desiredStatus\":\"GONE\",\"taskDefinition\":{}}", "t1", "desiredStatus");
	expect_error("{\"taskDefinition\":{\"containerDefinitions\":[]}}", "t1",
		     "containerDefinitions: expected 1..");
	expect_error(
	    "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a b\",\"image\":\"x\"}]}}",
	    "t1", "containerDefinitions[0].name");
	expect_error("{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a\"}]}}", "t1",
		     "containerDefinitions[0].image");
	expect_error(
	    "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\","
	    "\"portMappings\":[{\"containerPort\":70000}]}]}}",
	    "t1", "portMappings[0].containerPort");
	expect_error(
	    "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\","
	    "\"essential\":false}]}}",
	    "t1", "no essential container");
	expect_error(
	    "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\"},"
	    "{\"name\":\"a\",\"image\":\"y\"}]}}",
	    "t1", "used twice");
	expect_error(
	    "{\"taskDefinition\":{\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\"}]}}",
	    "../x", "task id");
}

TEST(desired_stopped)
{
	struct task_def *td = NULL;
	struct sk_err err = {0};

	CHECK(taskdef_parse(
		  "{\"desiredStatus\":\"STOPPED\",\"taskDefinition\":{\"containerDefinitions\":"
		  "[{\"name\":\"a\",\"image\":\"x\"}]}}",
		  "t9", &td, &err) == 0);
	CHECK(td && td->desired == DESIRED_STOPPED);
	taskdef_free(td);
}

TEST(status_json_follows_docs_cluster_md)
{
	struct task t = {0};
	struct sk_err err = {0};
	char *json = NULL;

	snprintf(t.id, sizeof t.id, "t1");
	CHECK(taskdef_parse(full, "t1", &t.def, &err) == 0);
	CHECK(task_set_containers(&t, 30, &err) == 0);
	CHECK(t.n == 2);
	CHECK_STREQ(t.c[0].id, "t1.app");
	CHECK(t.c[0].stop_timeout_s == 4 && t.c[1].stop_timeout_s == 30);
	t.state = TASK_STOPPED;
	t.reason = REASON_ESSENTIAL_EXITED;
	t.c[0].status = CONTAINER_STOPPED;
	t.c[0].has_exit = 1;
	t.c[0].exit_code = 3;
	CHECK(task_status_json(&t, &json, &err) == 0);
	cJSON *o = cJSON_Parse(json);
	CHECK(o != NULL);
	CHECK_STREQ(cJSON_GetObjectItem(o, "task")->valuestring, "t1");
	CHECK_STREQ(cJSON_GetObjectItem(o, "status")->valuestring, "STOPPED");
	CHECK_STREQ(cJSON_GetObjectItem(o, "stoppedReason")->valuestring,
		    "EssentialContainerExited");
	cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "containers"), 0);
	CHECK_STREQ(cJSON_GetObjectItem(c0, "name")->valuestring, "app");
	CHECK_STREQ(cJSON_GetObjectItem(c0, "status")->valuestring, "STOPPED");
	CHECK(cJSON_GetObjectItem(c0, "exitCode")->valueint == 3);
	cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hostPorts"), 0);
	CHECK(cJSON_GetObjectItem(p0, "containerPort")->valueint == 80);
	CHECK(cJSON_GetObjectItem(p0, "hostPort")->valueint == 8080);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "updatedAt")));
	cJSON_Delete(o);
	free(json);
	taskdef_free(t.def);
}

int main(void)
{
	RUN(parses_the_ecs_subset);
	RUN(rejects_bad_assignments_naming_the_field);
	RUN(desired_stopped);
	RUN(status_json_follows_docs_cluster_md);
	return check_summary();
}
