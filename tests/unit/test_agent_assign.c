/* Assignments (agent/assign.c) read by the shared task-definition model,
 * secrets delivered with them, the status a node reports (agent/report.c)
 * and a task's health. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/assign.h"
#include "../../agent/task.h"
#include "check.h"

static const char *full =
    "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\",\"secrets\":{\"db\":\"{\\\"pw\\\":"
    "\\\"s3cret\\\"}\","
    "\"plain\":\"hunter2\"},\"taskDefinition\":{\"family\":\"web\",\"revision\":3,"
    "\"networkMode\":\"bridge\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":"
    "\"127.0.0.1:5000/bb:latest\",\"memory\":64,\"stopTimeout\":4,\"portMappings\":"
    "[{\"containerPort\":80,\"hostPort\":8080}],\"secrets\":[{\"name\":\"PW\",\"valueFrom\":"
    "\"arn:aws:secretsmanager:r:1:secret:db:pw::\"}]},{\"name\":\"side\",\"image\":\"bb\","
    "\"memory\":32,\"essential\":false,\"healthCheck\":{\"command\":[\"CMD\",\"true\"]}}]}}";

TEST(parses_an_assignment)
{
	struct assignment *as = NULL;
	struct sk_err err = {0};

	CHECK(assign_parse(full, "t1", &as, &err) == 0);
	if (!as)
		return;
	CHECK_STREQ(as->task_id, "t1");
	CHECK(as->desired == DESIRED_RUNNING);
	CHECK(as->td->n_containers == 2 && as->td->revision == 3);
	CHECK_STREQ(as->td->containers[0].image, "127.0.0.1:5000/bb:latest");
	assign_free(as);
}

static void expect_error(const char *text, const char *id, const char *want)
{
	struct assignment *as = NULL;
	struct sk_err err = {0};

	CHECK(assign_parse(text, id, &as, &err) < 0 && as == NULL);
	if (!strstr(err.msg, want)) {
		printf("  got \"%s\", want \"%s\"\n", err.msg, want);
		check_case_failed = 1;
	}
}

TEST(rejects_bad_assignments_naming_the_field)
{
	expect_error("[]", "t1", "assignment t1: not a JSON object");
	expect_error("{\"task\":\"t2\",\"taskDefinition\":{}}", "t1", "does not match");
	expect_error("{\"desiredStatus\":\"GONE\",\"taskDefinition\":{}}", "t1", "desiredStatus");
	expect_error("{\"taskDefinition\":{\"family\":\"f\",\"containerDefinitions\":[{\"name\":"
		     "\"a\",\"image\":\"b\",\"memory\":64,\"cpu\":\"lots\"}]}}",
		     "t1", "taskDefinition: containerDefinitions[0].cpu: expected an integer");
	expect_error("{\"secrets\":{\"a\":1},\"taskDefinition\":{}}", "t1", "secrets.a");
	expect_error("{\"taskDefinition\":{}}", "../x", "task id");
}

TEST(secrets_come_from_the_assignment)
{
	struct assignment *as = NULL;
	struct sk_err err = {0};
	char *v;

	CHECK(assign_parse(full, "t1", &as, &err) == 0);
	if (!as)
		return;
	v = assign_secret(as, as->td->containers[0].secrets[0].value_from, &err);
	CHECK_STREQ(v, "s3cret");
	free(v);
	v = assign_secret(as, "plain", &err);
	CHECK_STREQ(v, "hunter2");
	free(v);
	CHECK(assign_secret(as, "missing", &err) == NULL && strstr(err.msg, "missing"));
	CHECK(assign_secret(as, "arn:aws:secretsmanager:r:1:secret:plain:nokey::", &err) == NULL);
	/* a message never holds the value */
	CHECK(strstr(err.msg, "hunter2") == NULL);
	assign_free(as);
}

TEST(status_json_follows_docs_cluster_md)
{
	static struct task t;
	struct port_binding ports[] = {{0, TD_TCP, 80, 32771}};
	struct sk_err err = {0};
	char *json = NULL;

	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "t1");
	CHECK(assign_parse(full, "t1", &t.def, &err) == 0);
	if (!t.def)
		return;
	CHECK(task_set_containers(&t, 30, &err) == 0);
	CHECK(t.n == 2);
	CHECK_STREQ(t.c[0].id, "t1.app");
	CHECK(t.c[0].stop_timeout_s == 4 && t.c[1].stop_timeout_s == 30);
	CHECK(t.c[0].essential && !t.c[1].essential);
	t.ports = ports;
	t.n_ports = 1;
	t.state = TASK_STOPPED;
	t.reason = REASON_ESSENTIAL_EXITED;
	t.c[0].status = CONTAINER_STOPPED;
	t.c[0].has_exit = 1;
	t.c[0].exit_code = 3;
	snprintf(t.c[0].address, sizeof t.c[0].address, "172.31.0.5");
	t.c[1].phase = PHASE_SKIPPED;
	snprintf(t.c[1].why, sizeof t.c[1].why, "dependency x was not HEALTHY");
	CHECK(task_status_json(&t, &json, &err) == 0);
	cJSON *o = cJSON_Parse(json);
	CHECK(o != NULL);
	CHECK_STREQ(cJSON_GetObjectItem(o, "task")->valuestring, "t1");
	CHECK_STREQ(cJSON_GetObjectItem(o, "status")->valuestring, "STOPPED");
	CHECK_STREQ(cJSON_GetObjectItem(o, "stoppedReason")->valuestring,
		    "EssentialContainerExited");
	CHECK_STREQ(cJSON_GetObjectItem(o, "healthStatus")->valuestring, "UNKNOWN");
	cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "containers"), 0);
	cJSON *c1 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "containers"), 1);
	CHECK_STREQ(cJSON_GetObjectItem(c0, "name")->valuestring, "app");
	CHECK_STREQ(cJSON_GetObjectItem(c0, "status")->valuestring, "STOPPED");
	CHECK(cJSON_GetObjectItem(c0, "exitCode")->valueint == 3);
	cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "networkBindings"), 0);
	CHECK(b && cJSON_GetObjectItem(b, "hostPort")->valueint == 32771);
	CHECK_STREQ(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c0, "networkInterfaces"), 0),
				"privateIpv4Address")
		->valuestring,
	    "172.31.0.5");
	CHECK_STREQ(cJSON_GetObjectItem(c1, "status")->valuestring, "STOPPED");
	CHECK(strstr(cJSON_GetObjectItem(c1, "reason")->valuestring, "HEALTHY") != NULL);
	cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hostPorts"), 0);
	CHECK(cJSON_GetObjectItem(p0, "hostPort")->valueint == 32771);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "updatedAt")));
	CHECK(strstr(json, "hunter2") == NULL && strstr(json, "s3cret") == NULL);
	cJSON_Delete(o);
	free(json);
	assign_free(t.def);
}

TEST(task_health_follows_essential_containers)
{
	static struct task t;

	memset(&t, 0, sizeof t);
	t.n = 2;
	t.c[0].essential = 1;
	t.c[1].essential = 0;
	CHECK(task_health(&t) == HEALTH_UNKNOWN); /* no checks at all */
	t.c[1].health = HEALTH_UNHEALTHY;
	CHECK(task_health(&t) == HEALTH_UNKNOWN); /* not essential */
	t.c[0].health = HEALTH_UNKNOWN;
	CHECK(task_health(&t) == HEALTH_UNKNOWN);
	t.c[0].health = HEALTH_HEALTHY;
	CHECK(task_health(&t) == HEALTH_HEALTHY);
	t.c[0].health = HEALTH_UNHEALTHY;
	CHECK(task_health(&t) == HEALTH_UNHEALTHY);
}

TEST(container_ids_fit_the_runtime)
{
	char id[DRIVER_ID_MAX], name[TD_NAME_MAX + 1];

	driver_container_id("0123456789abcdef0123456789abcdef", "web", id);
	CHECK_STREQ(id, "0123456789abcdef0123456789abcdef.web");
	memset(name, 'n', TD_NAME_MAX);
	name[TD_NAME_MAX] = '\0';
	driver_container_id("0123456789abcdef0123456789abcdef", name, id);
	CHECK(strlen(id) < DRIVER_ID_MAX && strchr(id, '+') != NULL);
	name[0] = 'm';
	char other[DRIVER_ID_MAX];
	driver_container_id("0123456789abcdef0123456789abcdef", name, other);
	CHECK(strcmp(id, other) != 0);
}

int main(void)
{
	RUN(parses_an_assignment);
	RUN(rejects_bad_assignments_naming_the_field);
	RUN(secrets_come_from_the_assignment);
	RUN(status_json_follows_docs_cluster_md);
	RUN(task_health_follows_essential_containers);
	RUN(container_ids_fit_the_runtime);
	return check_summary();
}
