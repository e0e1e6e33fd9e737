/* Cluster events from record changes (ctl/events.c). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ctl/events.h"

#define P "/skiff/c/"

static int describe(const char *key, const char *now, const char *before, int64_t version,
		    struct event *e)
{
	struct etcd_event ev = {.type = now ? ETCD_EV_PUT : ETCD_EV_DELETE};

	ev.kv.key = (char *)key;
	ev.kv.value = (char *)now;
	ev.kv.version = version;
	if (before) {
		ev.prev_kv.key = (char *)key;
		ev.prev_kv.value = (char *)before;
	}
	return events_describe(P, &ev, 42, e);
}

TEST(task_lifecycle)
{
	struct event e;

	CHECK(describe(P "tasks/t1", "{\"taskDefinition\":\"web:3\",\"createdAt\":\"T0\"}", NULL, 1,
		       &e) == 1);
	CHECK_STREQ(e.what, "created");
	CHECK_STREQ(e.detail, "web:3");
	CHECK_STREQ(e.time, "T0");
	CHECK(e.revision == 42);
	CHECK(describe(P "assign/n1/t1", "{}", NULL, 1, &e) == 1);
	CHECK_STREQ(e.what, "placed");
	CHECK_STREQ(e.id, "t1");
	CHECK_STREQ(e.node, "n1");
	CHECK(describe(P "assign/n1/t1", "{\"desiredStatus\":\"STOPPED\"}", "{}", 2, &e) == 0);
	CHECK(describe(P "status/n1/t1", "{\"status\":\"RUNNING\"}", "{\"status\":\"PULLING\"}", 3,
		       &e) == 1);
	CHECK_STREQ(e.what, "RUNNING");
	/* the same status again (a refresh) is no event */
	CHECK(describe(P "status/n1/t1", "{\"status\":\"RUNNING\"}", "{\"status\":\"RUNNING\"}", 4,
		       &e) == 0);
	CHECK(describe(P "status/n1/t1", "{\"status\":\"RUNNING\",\"healthStatus\":\"UNHEALTHY\"}",
		       "{\"status\":\"RUNNING\",\"healthStatus\":\"HEALTHY\"}", 5, &e) == 1);
	CHECK_STREQ(e.what, "UNHEALTHY");
	CHECK(describe(P "tasks/t1", "{\"desiredStatus\":\"STOPPED\",\"stoppedReason\":\"scale\"}",
		       "{\"desiredStatus\":\"RUNNING\"}", 3, &e) == 1);
	CHECK_STREQ(e.what, "stop requested");
	CHECK_STREQ(e.detail, "scale");
	CHECK(describe(P "status/n1/t1",
		       "{\"status\":\"STOPPED\",\"stoppedReason\":\"EssentialContainerExited\","
		       "\"containers\":[{\"name\":\"main\",\"exitCode\":3}]}",
		       "{\"status\":\"RUNNING\"}", 6, &e) == 1);
	CHECK_STREQ(e.what, "STOPPED");
	CHECK_STREQ(e.detail, "EssentialContainerExited, exit 3 (main)");
}

TEST(nodes_and_services)
{
	struct event e;

	CHECK(describe(P "nodes/n1", "{\"addresses\":[\"10.0.2.15\"]}", NULL, 1, &e) == 1);
	CHECK_STREQ(e.what, "joined");
	CHECK(describe(P "nodes/n1", "{\"addresses\":[]}", "{}", 2, &e) == 0);
	CHECK(describe(P "nodes/n1", NULL, "{}", 0, &e) == 1);
	CHECK_STREQ(e.what, "lost");
	CHECK(describe(P "nodemeta/n1", "{\"status\":\"DRAINING\"}", NULL, 1, &e) == 1);
	CHECK_STREQ(e.what, "DRAINING");
	CHECK(describe(P "nodemeta/n1", "{\"status\":\"ACTIVE\"}", "{\"status\":\"DRAINING\"}", 2,
		       &e) == 1);
	CHECK_STREQ(e.what, "ACTIVE");
	CHECK(describe(P "services/s", "{\"desiredCount\":3,\"taskDefinition\":\"w:1\"}",
		       "{\"desiredCount\":2,\"taskDefinition\":\"w:1\"}", 2, &e) == 1);
	CHECK_STREQ(e.what, "updated");
	CHECK_STREQ(e.detail, "w:1, desired count 3");
	/* other keys, other clusters, garbage values */
	CHECK(describe(P "leader/scheduler", "x", NULL, 1, &e) == 0);
	CHECK(describe("/skiff/other/tasks/t1", "{}", NULL, 1, &e) == 0);
	CHECK(describe(P "tasks", "{}", NULL, 1, &e) == 0);
	CHECK(describe(P "status/n1/t1", "not json", NULL, 1, &e) == 0);
}

int main(void)
{
	RUN(task_lifecycle);
	RUN(nodes_and_services);
	return check_summary();
}
