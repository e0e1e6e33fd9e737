/* The rollout document (ctl/rollout.c) and the leader's steps
 * (ctl/rollout_drive.c) on a picture built from keys, each step's writes
 * applied back as etcd would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../ctl/rollout.h"
#include "../../ctl/scheduler.h"

#define P "/skiff/c/"

static struct cluster c;
static struct sched s = {.id = "test"};
static int64_t rev;

static void put(const char *key, const char *value)
{
	rev++;
	struct etcd_kv kv = {(char *)key, (char *)value, strlen(value), rev, rev, 1, 0};
	CHECK(cluster_apply(&c, &kv, 0) == 0);
}

static void del(const char *key)
{
	struct etcd_kv kv = {(char *)key, NULL, 0, 0, ++rev, 0, 0};
	CHECK(cluster_apply(&c, &kv, 1) == 0);
}

static void node(const char *id, const char *os)
{
	char key[128], val[512];
	snprintf(key, sizeof key, P "nodes/%s", id);
	snprintf(val, sizeof val, "{\"id\":\"%s\",\"cpu\":1024,\"memory\":512,\"os\":%s}", id, os);
	put(key, val);
}

/* One step at NOW: 1 if it wrote; its writes are applied and described
 * in `did` ("nodemeta/n1=DRAINING updates/n1 "). */
static char did[1024];
static int step(time_t now)
{
	struct rollout_write w;
	did[0] = '\0';
	if (!rollout_drive(&s, &c, now, &w))
		return 0;
	CHECK(w.u.ncmp == 1 && w.u.cmp[0].number == c.rollout_rev);
	for (size_t i = 0; i < w.u.nop; i++) {
		const char *k = w.u.op[i].key + strlen(P), *v = w.u.op[i].value;
		char *end = did + strlen(did);
		if (strncmp(k, "nodemeta/", 9) == 0)
			snprintf(end, sizeof did - strlen(did), "%s=%s ", k,
				 strstr(v, "DRAINING") ? "DRAINING" : "ACTIVE");
		else if (strcmp(k, ROLLOUT_KEY) != 0)
			snprintf(end, sizeof did - strlen(did), "%s ", k);
		put(w.u.op[i].key, v);
		free((char *)v);
	}
	return 1;
}

static struct rollout doc(void)
{
	struct rollout r;
	struct sk_err err = {0};
	CHECK(c.rollout && rollout_from_json(c.rollout, &r, &err) == 0);
	return r;
}

static const char *node_state(size_t i)
{
	struct rollout r = doc();
	const char *name = i < r.nnodes ? rollout_node_state_name(r.nodes[i].state) : "none";
	rollout_free(&r);
	return name;
}

static void start(const char *nodes_json, int max_unavailable)
{
	char val[1024];
	snprintf(
	    val, sizeof val,
	    "{\"id\":\"r-1\",\"image\":\"reg/os:2\",\"state\":\"running\",\"maxUnavailable\":%d,"
	    "\"nodeTimeoutS\":60,\"nodes\":%s}",
	    max_unavailable, nodes_json);
	put(P ROLLOUT_KEY, val);
}

static void begin(void)
{
	cluster_init(&c, P);
	rev = 0;
	node("n1", "{\"version\":\"1\"}");
	node("n2", "{\"version\":\"1\"}");
}

TEST(document_round_trip_and_errors)
{
	struct rollout r = {.state = RO_HALTED, .max_unavailable = 2, .node_timeout_s = 90};
	struct sk_err err = {0};
	snprintf(r.id, sizeof r.id, "r-abc");
	snprintf(r.image, sizeof r.image, "reg/os:3");
	snprintf(r.reason, sizeof r.reason, "node n1: no");
	struct ro_node n = {.state = RN_UPDATING, .was_draining = 1, .since = 1704164645};
	snprintf(n.name, sizeof n.name, "n1");
	r.nodes = &n;
	r.nnodes = 1;
	cJSON *j = rollout_to_json(&r);
	struct rollout back;
	CHECK(rollout_from_json(j, &back, &err) == 0);
	CHECK(back.state == RO_HALTED && back.max_unavailable == 2 && back.node_timeout_s == 90);
	CHECK(back.nnodes == 1 && back.nodes[0].state == RN_UPDATING && back.nodes[0].was_draining);
	CHECK(back.nodes[0].since == 1704164645 && !back.nodes[0].gone_at);
	CHECK_STREQ(back.reason, "node n1: no");
	rollout_free(&back);
	cJSON_Delete(j);

	j = cJSON_Parse("{\"id\":\"r\",\"state\":\"running\",\"nodes\":[{\"node\":\"a\",\"state\":"
			"\"done\"},{\"node\":\"b\",\"state\":\"sleeping\"}]}");
	CHECK(rollout_from_json(j, &back, &err) < 0);
	CHECK_STREQ(err.msg, "rollout.nodes[1].state: bad state `sleeping`");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"id\":\"r\",\"state\":\"paused\"}");
	CHECK(rollout_from_json(j, &back, &err) < 0);
	CHECK_STREQ(err.msg, "rollout.state: bad state `paused`");
	cJSON_Delete(j);
}

TEST(check_image)
{
	struct sk_err err = {0};
	CHECK(rollout_check_image("reg:5000/skiff-os:2", &err) == 0);
	CHECK(rollout_check_image("", &err) < 0 && err.cls == SK_ERR_USAGE);
	CHECK(rollout_check_image("reg/os:2\n", &err) < 0);
	CHECK_STREQ(err.msg, "--image `reg/os:2\n`: byte 9 is a space or unprintable");
}

/* The whole way of two nodes, one at a time, the first failing nothing. */
TEST(node_by_node)
{
	begin();
	CHECK(!step(100)); /* no rollout */
	start("[{\"node\":\"n1\",\"state\":\"pending\"},{\"node\":\"n2\",\"state\":\"pending\"}]",
	      1);
	CHECK(step(100));
	CHECK_STREQ(did, "nodemeta/n1=DRAINING ");
	CHECK_STREQ(node_state(0), "draining");
	/* a service task still on n1: wait */
	put(P "tasks/t1", "{\"id\":\"t1\",\"service\":\"web\",\"node\":\"n1\","
			  "\"desiredStatus\":\"RUNNING\"}");
	put(P "assign/n1/t1", "{\"task\":\"t1\",\"desiredStatus\":\"RUNNING\"}");
	CHECK(!step(101));
	/* a standalone task does not hold the drain up */
	put(P "tasks/t2", "{\"id\":\"t2\",\"node\":\"n1\",\"desiredStatus\":\"RUNNING\"}");
	put(P "tasks/t1", "{\"id\":\"t1\",\"service\":\"web\",\"node\":\"n1\","
			  "\"desiredStatus\":\"STOPPED\"}");
	CHECK(!step(102)); /* stopping, not reported stopped yet */
	put(P "status/n1/t1", "{\"status\":\"STOPPED\"}");
	CHECK(step(103));
	CHECK_STREQ(did, "updates/n1 ");
	CHECK_STREQ(node_state(0), "updating");
	CHECK(!step(104)); /* at most one at a time: n2 waits */
	/* n1 reboots: gone (noted once), back on the new version */
	del(P "nodes/n1");
	CHECK(step(105) && !*did);
	CHECK(!step(106));
	node("n1", "{\"version\":\"1\",\"update\":{\"rollout\":\"r-0\",\"state\":\"done\","
		   "\"target\":\"1\"}}"); /* an older rollout's word: not this one */
	CHECK(step(107) && !*did);	  /* back: goneAt cleared */
	CHECK_STREQ(node_state(0), "updating");
	node("n1", "{\"version\":\"2\",\"previous\":\"1\",\"update\":{\"rollout\":\"r-1\","
		   "\"state\":\"done\",\"target\":\"2\"}}");
	CHECK(step(108));
	CHECK_STREQ(did, "nodemeta/n1=ACTIVE ");
	CHECK_STREQ(node_state(0), "done");
	CHECK(step(109));
	CHECK_STREQ(did, "nodemeta/n2=DRAINING ");
	CHECK(step(110));
	CHECK_STREQ(did, "updates/n2 ");
	node("n2", "{\"version\":\"2\",\"update\":{\"rollout\":\"r-1\",\"state\":\"done\","
		   "\"target\":\"2\"}}");
	CHECK(step(111));
	CHECK(step(112) && !*did);
	struct rollout r = doc();
	CHECK(r.state == RO_DONE);
	CHECK_STREQ(r.reason, "2 nodes updated to reg/os:2");
	rollout_free(&r);
	CHECK(!step(113)); /* over */
	cluster_free(&c);
}

TEST(failure_halts_and_nobody_else_is_told)
{
	begin();
	start("[{\"node\":\"n1\",\"state\":\"updating\"},{\"node\":\"n2\",\"state\":\"pending\"}]",
	      1);
	node("n1", "{\"version\":\"1\",\"update\":{\"rollout\":\"r-1\",\"state\":\"failed\","
		   "\"target\":\"2\",\"reason\":\"no registration in 300 s\"}}");
	CHECK(step(100));
	CHECK_STREQ(did, "nodemeta/n1=ACTIVE ");
	struct rollout r = doc();
	CHECK(r.state == RO_HALTED && r.nodes[0].state == RN_FAILED &&
	      r.nodes[1].state == RN_PENDING);
	CHECK_STREQ(r.reason,
		    "node n1: update to version 2 failed: no registration in 300 s; it is "
		    "back on version 1");
	rollout_free(&r);
	CHECK(!step(101));
	CHECK(!step(100000));
	cluster_free(&c);
}

TEST(refused_gone_and_timeout)
{
	begin();
	start("[{\"node\":\"n1\",\"state\":\"updating\"},{\"node\":\"n2\",\"state\":\"updating\"}]",
	      2);
	node("n1", "{\"version\":\"1\",\"update\":{\"rollout\":\"r-1\",\"state\":\"refused\","
		   "\"target\":\"0\",\"reason\":\"version 0 is not newer than 1\"}}");
	CHECK(step(100));
	struct rollout r = doc();
	CHECK_STREQ(r.reason,
		    "node n1: refused the update: version 0 is not newer than 1; it stays "
		    "on version 1");
	rollout_free(&r);
	/* halted: n2, already told, is still followed to its end */
	del(P "nodes/n2");
	CHECK(step(200) && !*did);
	CHECK(!step(259));
	CHECK(step(261));
	CHECK_STREQ(did, "nodemeta/n2=ACTIVE ");
	r = doc();
	CHECK(r.nodes[1].state == RN_FAILED);
	CHECK_STREQ(r.nodes[1].reason,
		    "gone for 1m01s, longer than the rollout's node timeout (1m00s)");
	CHECK_STREQ(r.reason,
		    "node n1: refused the update: version 0 is not newer than 1; it stays "
		    "on version 1"); /* the first reason stays */
	rollout_free(&r);
	cluster_free(&c);
}

TEST(parallel_cancel_and_drained_before)
{
	begin();
	put(P "nodemeta/n2", "{\"status\":\"DRAINING\"}");
	start("[{\"node\":\"n1\",\"state\":\"pending\"},{\"node\":\"n2\",\"state\":\"pending\"}]",
	      2);
	CHECK(step(100));
	CHECK_STREQ(did, "nodemeta/n1=DRAINING ");
	CHECK(step(100)); /* no service task on n1: told at once */
	CHECK_STREQ(did, "updates/n1 ");
	CHECK(step(100));
	CHECK_STREQ(did, ""); /* n2 was DRAINING already: left as it is */
	struct rollout r = doc();
	CHECK(r.nodes[1].state == RN_DRAINING && r.nodes[1].was_draining);
	rollout_free(&r);
	/* halted (or cancelled) meanwhile: n2, not told yet, is skipped (and
	 * stays drained, as it was); n1, told, is followed to its end */
	char *text = cJSON_PrintUnformatted(c.rollout);
	char *at = strstr(text, "\"running\"");
	memcpy(at, "\"halted\" ", 9);
	put(P ROLLOUT_KEY, text);
	free(text);
	CHECK(step(101));
	CHECK_STREQ(did, "");
	CHECK_STREQ(node_state(1), "skipped");
	CHECK_STREQ(node_state(0), "updating");
	CHECK(!step(102));
	node("n1", "{\"version\":\"2\",\"update\":{\"rollout\":\"r-1\",\"state\":\"done\","
		   "\"target\":\"2\"}}");
	CHECK(step(103));
	CHECK_STREQ(did, "nodemeta/n1=ACTIVE ");
	CHECK(!step(104));
	cluster_free(&c);
}

TEST(unreadable_document_is_left_alone)
{
	begin();
	put(P ROLLOUT_KEY, "{\"id\":\"r\",\"state\":\"maybe\"}");
	CHECK(!step(100));
	put(P ROLLOUT_KEY, "not json");
	CHECK(c.rollout == NULL && !step(100));
	cluster_free(&c);
}

int main(void)
{
	RUN(document_round_trip_and_errors);
	RUN(check_image);
	RUN(node_by_node);
	RUN(failure_halts_and_nobody_else_is_told);
	RUN(refused_gone_and_timeout);
	RUN(parallel_cancel_and_drained_before);
	RUN(unreadable_document_is_left_alone);
	return check_summary();
}
