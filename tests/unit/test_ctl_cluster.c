/* The scheduler's picture (ctl/cluster.c) and its hash map (ctl/hmap.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../ctl/cluster.h"
#include "../../ctl/hmap.h"

#define P "/skiff/c/"

static struct cluster c;

static void put(const char *key, const char *value, int64_t rev)
{
	struct etcd_kv kv = {(char *)key, (char *)value, strlen(value), rev, rev, 1, 0};
	CHECK(cluster_apply(&c, &kv, 0) == 0);
}

static void del(const char *key, int64_t rev)
{
	struct etcd_kv kv = {(char *)key, NULL, 0, 0, rev, 0, 0};
	CHECK(cluster_apply(&c, &kv, 1) == 0);
}

static struct c_task *task(const char *id)
{
	return hmap_get(&c.tasks, id);
}

static struct c_node *node(const char *id)
{
	struct sym *s = hmap_get(&c.node_syms, id);
	return s ? s->obj : NULL;
}

/* Keys arrive in key order when listed: assign/ and status/ before tasks/. */
TEST(assignment_and_status_wait_for_their_task)
{
	cluster_init(&c, P);
	put(P "assign/n1/t1", "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\"}", 5);
	put(P "status/n1/t1",
	    "{\"task\":\"t1\",\"status\":\"STOPPED\",\"stoppedReason\":\"OutOfMemory\"}", 6);
	CHECK(c.loose_assigns.n == 1 && c.loose_statuses.n == 1);
	put(P "tasks/t1",
	    "{\"id\":\"t1\",\"taskDefinition\":\"web:1\",\"service\":\"s\",\"node\":\"n1\","
	    "\"desiredStatus\":\"RUNNING\",\"createdAt\":\"2024-01-02T03:04:05Z\"}",
	    7);
	struct c_task *t = task("t1");
	CHECK(t && t->assign_rev == 5 && t->status == ST_STOPPED && !t->stopped);
	CHECK_STREQ(t ? t->stop_reason : NULL, "OutOfMemory");
	CHECK(c.loose_assigns.n == 0 && c.loose_statuses.n == 0);
	CHECK(t && t->created == 1704164645);
	CHECK(c.revision == 7);
	cluster_free(&c);
}

/* A pending task placed: its record gets a node, its assignment comes
 * with it (either order within the revision). */
TEST(task_placed_attaches_its_assignment)
{
	cluster_init(&c, P);
	put(P "tasks/t1",
	    "{\"id\":\"t1\",\"taskDefinition\":\"web:1\",\"desiredStatus\":\"RUNNING\"}", 3);
	struct c_task *t = task("t1");
	CHECK(t && !t->node && t->taskdef && !t->service);
	put(P "assign/n2/t1", "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\"}", 4);
	CHECK(t && t->assign_rev == 0 && c.loose_assigns.n == 1);
	put(P "tasks/t1",
	    "{\"id\":\"t1\",\"taskDefinition\":\"web:1\",\"desiredStatus\":\"STOPPED\","
	    "\"node\":\"n2\",\"stoppedAt\":\"2024-01-02T03:04:05Z\"}",
	    4);
	CHECK(t == task("t1") && t->assign_rev == 4 && t->stopped && t->stopped_at);
	CHECK_STREQ(t->node ? t->node->name : NULL, "n2");
	CHECK(c_task_active(t)); /* stopped but not reported so: holds its room */
	put(P "status/n2/t1", "{\"status\":\"STOPPED\"}", 5);
	CHECK(!c_task_active(t));
	del(P "assign/n2/t1", 6);
	CHECK(t->assign_rev == 0 && c.loose_assigns.n == 0);
	/* deleted: what it held waits loose */
	del(P "tasks/t1", 7);
	CHECK(!task("t1") && c.loose_statuses.n == 1);
	cluster_free(&c);
}

/* An assignment for another node than its task's, or not JSON, is an
 * orphan the scheduler deletes. */
TEST(foreign_or_bad_assignments_stay_loose)
{
	cluster_init(&c, P);
	put(P "tasks/t1", "{\"id\":\"t1\",\"node\":\"n1\",\"desiredStatus\":\"RUNNING\"}", 2);
	put(P "assign/n9/t1", "{\"task\":\"t1\"}", 3);
	put(P "assign/n1/t1", "not json", 4);
	CHECK(task("t1")->assign_rev == 0 && c.loose_assigns.n == 2);
	put(P "assign/n1/t1", "{\"task\":\"t1\"}", 5);
	CHECK(task("t1")->assign_rev == 5 && c.loose_assigns.n == 1);
	put(P "assign/n1/deep/er", "{}", 6); /* not <node>/<task>: ignored */
	CHECK(c.loose_assigns.n == 1);
	cluster_free(&c);
}

TEST(nodes_services_taskdefs_and_leader)
{
	cluster_init(&c, P);
	put(P "nodes/n1",
	    "{\"id\":\"n1\",\"cpu\":2048,\"memory\":1024,\"labels\":{\"zone\":\"a\"}}", 2);
	put(P "nodemeta/n1", "{\"status\":\"DRAINING\"}", 3);
	struct c_node *n = node("n1");
	CHECK(n && n->rev == 2 && n->cpu == 2048 && n->memory == 1024 && n->draining);
	CHECK(n && cJSON_GetObjectItemCaseSensitive(n->labels, "zone"));
	del(P "nodes/n1", 4); /* lease gone: the meta keeps the node known */
	CHECK(node("n1") == n && n->rev == 0 && c.nnodes == 1);
	del(P "nodemeta/n1", 5);
	CHECK(!node("n1") && c.nnodes == 0 && c.node_syms.n == 0);
	put(P "taskdefs/web/1",
	    "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"a\",\"cpu\":100,"
	    "\"memory\":64}]}",
	    6);
	struct sym *d = hmap_get(&c.taskdef_syms, "web:1");
	struct c_taskdef *td = d ? d->obj : NULL;
	CHECK(td && td->cpu == 100 && td->memory == 64 && strstr(td->text, "\"family\":\"web\""));
	put(P "services/s", "{\"name\":\"s\",\"desiredCount\":3}", 7);
	struct sym *sv = hmap_get(&c.service_syms, "s");
	CHECK(sv && sv->obj && ((struct c_service *)sv->obj)->rev == 7);
	del(P "services/s", 8);
	CHECK(!hmap_get(&c.service_syms, "s"));
	put(P "leader/scheduler", "s1", 9);
	CHECK(c.leader_create_rev == 9);
	del(P "leader/scheduler", 10);
	CHECK(c.leader_create_rev == 0);
	put("/skiff/other/tasks/x", "{}", 11); /* another cluster: ignored */
	CHECK(c.tasks.n == 0);
	cluster_clear(&c);
	CHECK(c.taskdef_syms.n == 0 && c.revision == 0 && !c.ready);
	cluster_free(&c);
}

/* Names a task refers to live as long as something refers to them. */
TEST(names_are_shared_and_released)
{
	cluster_init(&c, P);
	put(P "tasks/a", "{\"service\":\"s\",\"node\":\"n\",\"taskDefinition\":\"d:1\"}", 2);
	put(P "tasks/b", "{\"service\":\"s\",\"node\":\"n\",\"taskDefinition\":\"d:1\"}", 3);
	CHECK(task("a")->service == task("b")->service && task("a")->node == task("b")->node);
	CHECK(task("a")->service->refs == 2 && !task("a")->service->obj);
	del(P "tasks/a", 4);
	CHECK(c.service_syms.n == 1);
	del(P "tasks/b", 5);
	CHECK(c.service_syms.n == 0 && c.node_syms.n == 0 && c.taskdef_syms.n == 0);
	cluster_free(&c);
}

/* The map against a plain array, through growth and deletions that shift
 * runs back. */
TEST(hmap_matches_a_reference)
{
	struct hmap m = {0};
	static char keys[3000][16];
	static int present[3000];
	unsigned seed = 11;
	for (int i = 0; i < 3000; i++)
		snprintf(keys[i], sizeof keys[i], "k%d", i);
	for (int step = 0; step < 20000; step++) {
		int i = rand_r(&seed) % 3000;
		if (rand_r(&seed) % 3) {
			CHECK(hmap_put(&m, keys[i], &present[i]) == 0);
			present[i] = 1;
		} else {
			void *v = hmap_del(&m, keys[i]);
			CHECK(v == (present[i] ? &present[i] : NULL));
			present[i] = 0;
		}
	}
	size_t n = 0;
	for (int i = 0; i < 3000; i++) {
		n += present[i];
		CHECK(hmap_get(&m, keys[i]) == (present[i] ? &present[i] : NULL));
	}
	CHECK(m.n == n);
	hmap_free(&m);
	CHECK(hmap_get(&m, "k1") == NULL && hmap_del(&m, "k1") == NULL);
}

int main(void)
{
	RUN(assignment_and_status_wait_for_their_task);
	RUN(task_placed_attaches_its_assignment);
	RUN(foreign_or_bad_assignments_stay_loose);
	RUN(nodes_services_taskdefs_and_leader);
	RUN(names_are_shared_and_released);
	RUN(hmap_matches_a_reference);
	return check_summary();
}
