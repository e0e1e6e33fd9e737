#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../ctl/ctl.h"
#include "../../ctl/model.h"
#include "../../ctl/placement.h"

static cJSON *labels_a, *labels_b;

static struct place_node node(const char *id, int64_t cpu, int64_t mem, int ntasks, int ngroup,
			      const cJSON *labels)
{
	return (struct place_node){id, cpu, mem, ntasks, ngroup, labels, NULL};
}

TEST(binpack_memory_prefers_fullest_node_that_fits)
{
	struct place_node n[] = {node("a", 1024, 512, 0, 0, NULL), node("b", 1024, 200, 3, 0, NULL),
				 node("c", 1024, 100, 5, 0, NULL)};
	struct strategy s = {STRAT_BINPACK, FIELD_MEMORY};
	struct place_req r = {.cpu = 100, .memory = 128, .strategies = &s, .nstrategies = 1};
	unsigned seed = 1;
	CHECK(place_choose(n, 3, &r, &seed, NULL, 0) == 1); /* c is too small */
}

TEST(binpack_cpu_and_spread)
{
	struct place_node n[] = {node("a", 300, 512, 4, 0, NULL), node("b", 900, 512, 1, 0, NULL),
				 node("c", 600, 512, 2, 0, NULL)};
	struct strategy cpu = {STRAT_BINPACK, FIELD_CPU}, spread = {STRAT_SPREAD, FIELD_NODE};
	struct place_req r = {.cpu = 256, .memory = 64, .strategies = &cpu, .nstrategies = 1};
	unsigned seed = 1;
	CHECK(place_choose(n, 3, &r, &seed, NULL, 0) == 0);
	r.strategies = &spread;
	CHECK(place_choose(n, 3, &r, &seed, NULL, 0) == 1);
	r.nstrategies = 0; /* default: spread */
	CHECK(place_choose(n, 3, &r, &seed, NULL, 0) == 1);
}

TEST(random_picks_only_fitting_nodes_and_varies)
{
	struct place_node n[] = {node("a", 1024, 512, 0, 0, NULL), node("b", 10, 512, 0, 0, NULL),
				 node("c", 1024, 512, 0, 0, NULL)};
	struct strategy s = {STRAT_RANDOM, FIELD_NODE};
	struct place_req r = {.cpu = 100, .memory = 64, .strategies = &s, .nstrategies = 1};
	unsigned seed = 42;
	int seen[3] = {0};
	for (int i = 0; i < 200; i++) {
		int k = place_choose(n, 3, &r, &seed, NULL, 0);
		CHECK(k == 0 || k == 2);
		if (k >= 0)
			seen[k]++;
	}
	CHECK(seen[0] > 20 && seen[2] > 20 && seen[1] == 0);
}

TEST(constraints_filter_nodes)
{
	struct place_node n[] = {node("a", 1024, 512, 0, 1, labels_a),
				 node("b", 1024, 512, 5, 0, labels_b)};
	struct constraint c;
	struct sk_err err = {0};
	unsigned seed = 1;
	struct place_req r = {.cpu = 1, .memory = 1, .constraints = &c, .nconstraints = 1};
	CHECK(constraint_parse("distinctInstance", &c, &err) == 0);
	CHECK(place_choose(n, 2, &r, &seed, NULL, 0) == 1);
	CHECK(constraint_parse("memberOf:attribute:zone == a", &c, &err) == 0);
	CHECK(place_choose(n, 2, &r, &seed, NULL, 0) == 0);
	CHECK(constraint_parse("memberOf:attribute:zone!=a", &c, &err) == 0);
	CHECK(place_choose(n, 2, &r, &seed, NULL, 0) == 1);
	CHECK(constraint_parse("memberOf:attribute:zone == z", &c, &err) == 0);
	char why[256] = "";
	CHECK(place_choose(n, 2, &r, &seed, why, sizeof why) == -1);
	CHECK(strstr(why, "2 fail constraints") != NULL);
}

TEST(nothing_fits_explains)
{
	struct place_node n[] = {node("a", 100, 64, 0, 0, NULL)};
	struct place_req r = {.cpu = 512, .memory = 64};
	char why[256] = "";
	unsigned seed = 1;
	CHECK(place_choose(n, 1, &r, &seed, why, sizeof why) == -1);
	CHECK(strstr(why, "1 lack cpu 512") != NULL);
	CHECK(place_choose(n, 0, &r, &seed, why, sizeof why) == -1);
}

TEST(parse_and_json_round_trip)
{
	struct strategy s;
	struct constraint c;
	struct sk_err err = {0};
	CHECK(strategy_parse("binpack:cpu", &s, &err) == 0 && s.type == STRAT_BINPACK &&
	      s.field == FIELD_CPU);
	CHECK(strategy_parse("spread:zone", &s, &err) == -1 && err.cls == SK_ERR_USAGE);
	err.cls = SK_ERR_FAIL;
	CHECK(constraint_parse("memberOf:zone == a", &c, &err) == -1 && err.cls == SK_ERR_USAGE);
	err.cls = SK_ERR_FAIL;
	CHECK(constraint_parse("memberOf:attribute:zone = a", &c, &err) == -1 &&
	      err.cls == SK_ERR_USAGE);
	CHECK(strstr(err.msg, "--constraint") != NULL);
	cJSON *svc = cJSON_CreateObject();
	cJSON *sa = cJSON_AddArrayToObject(svc, "placementStrategy");
	cJSON *ca = cJSON_AddArrayToObject(svc, "placementConstraints");
	CHECK(strategy_parse("spread:node", &s, &err) == 0);
	cJSON_AddItemToArray(sa, strategy_to_json(&s));
	CHECK(constraint_parse("memberOf:attribute:zone != b", &c, &err) == 0);
	cJSON_AddItemToArray(ca, constraint_to_json(&c));
	struct strategy ss[PLACEMENT_MAX];
	struct constraint cc[PLACEMENT_MAX];
	size_t ns, nc;
	CHECK(placement_from_json(svc, ss, &ns, cc, &nc, &err) == 0);
	CHECK(ns == 1 && ss[0].type == STRAT_SPREAD && nc == 1 && cc[0].not_equal);
	CHECK_STREQ(cc[0].key, "zone");
	CHECK_STREQ(cc[0].value, "b");
	cJSON_Delete(svc);
}

/* A pseudo-random cluster: n nodes sorted by id, mixed capacity and load. */
static void random_nodes(struct place_node *pn, char ids[][24], size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof ids[i], "n%03zu", i);
		pn[i] = node(ids[i], rand_r(seed) % 2048, rand_r(seed) % 1024, rand_r(seed) % 6,
			     rand_r(seed) % 2, rand_r(seed) % 2 ? labels_a : labels_b);
	}
}

/* The index picks what a full scan picks, placement after placement,
 * for every deterministic strategy list (with and without constraints). */
TEST(index_chooses_as_the_scan)
{
	static const struct strategy lists[][2] = {
	    {{STRAT_SPREAD, FIELD_NODE}},
	    {{STRAT_BINPACK, FIELD_MEMORY}},
	    {{STRAT_BINPACK, FIELD_CPU}},
	    {{STRAT_SPREAD, FIELD_NODE}, {STRAT_BINPACK, FIELD_MEMORY}},
	    {{STRAT_BINPACK, FIELD_CPU}, {STRAT_SPREAD, FIELD_NODE}},
	};
	static const size_t nlists[] = {1, 1, 1, 2, 2};
	struct constraint c[2];
	struct sk_err err = {0};
	CHECK(constraint_parse("memberOf:attribute:zone != b", &c[0], &err) == 0);
	CHECK(constraint_parse("distinctInstance", &c[1], &err) == 0);
	unsigned seed = 7;
	for (size_t round = 0; round < 40; round++) {
		struct place_node a[60], b[60];
		char ids[60][24];
		size_t n = 1 + rand_r(&seed) % 60;
		random_nodes(a, ids, n, &seed);
		memcpy(b, a, sizeof a);
		size_t k = round % 5;
		struct place_req r = {.cpu = 1 + rand_r(&seed) % 300,
				      .memory = 1 + rand_r(&seed) % 200,
				      .strategies = lists[k],
				      .nstrategies = nlists[k],
				      .constraints = c,
				      .nconstraints = round % 3};
		struct place_index *x = place_index_new(b, n);
		CHECK(x != NULL);
		for (int step = 0; step < 30; step++) {
			int want = place_choose(a, n, &r, &seed, NULL, 0);
			int got = place_index_choose(x, &r, &seed);
			CHECK(got == want);
			if (got < 0 || got != want)
				break;
			a[want].cpu_free -= r.cpu, a[want].mem_free -= r.memory, a[want].ntasks++;
			place_index_take(x, got, r.cpu, r.memory);
		}
		CHECK(memcmp(a, b, n * sizeof *a) == 0);
		place_index_free(x);
	}
}

TEST(index_random_picks_fitting_nodes_and_spreads)
{
	struct place_node n[] = {node("a", 1024, 512, 0, 0, NULL), node("b", 10, 512, 0, 0, NULL),
				 node("c", 1024, 512, 0, 0, NULL),
				 node("d", 1024, 512, 0, 0, NULL)};
	struct strategy s = {STRAT_RANDOM, FIELD_NODE};
	struct place_req r = {.cpu = 100, .memory = 64, .strategies = &s, .nstrategies = 1};
	struct place_index *x = place_index_new(n, 4);
	unsigned seed = 3;
	int seen[4] = {0};
	for (int i = 0; i < 200; i++) {
		int k = place_index_choose(x, &r, &seed);
		CHECK(k >= 0 && k != 1);
		if (k >= 0)
			seen[k]++;
	}
	CHECK(seen[0] > 20 && seen[2] > 20 && seen[3] > 20 && seen[1] == 0);
	r.cpu = 2048;
	CHECK(place_index_choose(x, &r, &seed) == -1);
	place_index_free(x);
}

static struct etcd_kv kv(const char *key, const char *value, int64_t rev)
{
	return (struct etcd_kv){(char *)key, (char *)value, strlen(value), rev, rev, 1, 0};
}

TEST(model_accounts_capacity_and_links_records)
{
	struct etcd_kv kvs[] = {
	    kv("/skiff/c/nodes/n1", "{\"id\":\"n1\",\"cpu\":1024,\"memory\":512}", 2),
	    kv("/skiff/c/nodemeta/n1", "{\"status\":\"DRAINING\"}", 3),
	    kv("/skiff/c/taskdefs/web/1",
	       "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"a\",\"cpu\":100,"
	       "\"memory\":64},{\"name\":\"b\",\"memoryReservation\":32}]}",
	       4),
	    kv("/skiff/c/tasks/t1",
	       "{\"id\":\"t1\",\"taskDefinition\":\"web:1\",\"node\":\"n1\","
	       "\"desiredStatus\":\"RUNNING\",\"service\":\"s\"}",
	       5),
	    kv("/skiff/c/tasks/t2",
	       "{\"id\":\"t2\",\"taskDefinition\":\"web:1\",\"node\":\"n1\","
	       "\"desiredStatus\":\"STOPPED\"}",
	       6),
	    kv("/skiff/c/assign/n1/t1", "{\"task\":\"t1\"}", 7),
	    kv("/skiff/c/assign/n1/gone", "{\"task\":\"gone\"}", 8),
	    kv("/skiff/c/status/n1/t1", "{\"task\":\"t1\",\"status\":\"RUNNING\"}", 9),
	    kv("/skiff/c/leader/scheduler", "s1", 10),
	};
	struct model m;
	CHECK(model_build(&m, "/skiff/c/", kvs, sizeof kvs / sizeof kvs[0], 10, NULL) == 0);
	CHECK(m.nnodes == 1 && m.ntasks == 2 && m.ntaskdefs == 1 && m.norphans == 1);
	struct m_node *n = model_node(&m, "n1");
	CHECK(n && n->draining && n->cpu == 1024 && n->used_cpu == 100 && n->used_mem == 96);
	CHECK(n && n->ntasks == 1);
	struct m_task *t = model_task(&m, "t1");
	CHECK(t && t->assign && t->assign_rev == 7 && t->cpu == 100 && t->memory == 96);
	CHECK_STREQ(t ? t->last_status : NULL, "RUNNING");
	CHECK_STREQ(m.orphans[0].key, "/skiff/c/assign/n1/gone");
	CHECK_STREQ(m.leader, "s1");
	model_free(&m);
}

TEST(taskdef_constraints_and_runtime_platform)
{
	cJSON *td =
	    cJSON_Parse("{\"placementConstraints\":[{\"type\":\"memberOf\",\"expression\":"
			"\"attribute:zone == a\"}],\"runtimePlatform\":{\"cpuArchitecture\":"
			"\"ARM64\"}}");
	cJSON *x86 = cJSON_Parse("{\"ecs.cpu-architecture\":\"x86_64\"}");
	cJSON *arm = cJSON_Parse("{\"ecs.cpu-architecture\":\"arm64\"}");
	struct constraint cons[PLACEMENT_MAX];
	size_t n = 0;
	struct sk_err err = {0};
	struct place_node nodes[] = {node("a-x86", 1024, 512, 0, 0, labels_a),
				     node("b-arm", 1024, 512, 0, 0, labels_b),
				     node("a-arm", 1024, 512, 0, 0, labels_a)};
	struct place_req req = {.cpu = 1, .memory = 1};
	unsigned seed = 1;

	nodes[0].attributes = x86;
	nodes[1].attributes = nodes[2].attributes = arm;
	CHECK(placement_taskdef(td, cons, &n, PLACEMENT_MAX, &err) == 0 && n == 2);
	req.constraints = cons;
	req.nconstraints = n;
	CHECK(place_choose(nodes, 3, &req, &seed, NULL, 0) == 2);
	cJSON_Delete(td);
	cJSON_Delete(x86);
	cJSON_Delete(arm);
}

/* Node records come from the nodes: capacities out of range (found by
 * fuzzing; 1e300 was converted to int64_t, -9e18 overflowed the free
 * space) give the node nothing to place on it. */
TEST(model_ignores_nonsense_capacity)
{
	struct etcd_kv kvs[] = {
	    kv("/skiff/c/nodes/a", "{\"cpu\":1e300,\"memory\":-9e18}", 2),
	    kv("/skiff/c/nodes/b", "{\"cpu\":\"99999999999999999999\",\"memory\":1099511627777}",
	       3),
	    kv("/skiff/c/nodes/c", "{\"cpu\":2048,\"memory\":\"512\"}", 4),
	};
	struct model m;
	CHECK(model_build(&m, "/skiff/c/", kvs, sizeof kvs / sizeof kvs[0], 4, NULL) == 0);
	struct m_node *a = model_node(&m, "a"), *b = model_node(&m, "b"), *c = model_node(&m, "c");
	CHECK(a && a->cpu == 0 && a->memory == 0);
	CHECK(b && b->cpu == 0 && b->memory == 0);
	CHECK(c && c->cpu == 2048 && c->memory == 512);
	model_free(&m);
}

int main(void)
{
	labels_a = cJSON_Parse("{\"zone\":\"a\"}");
	labels_b = cJSON_Parse("{\"zone\":\"b\"}");
	RUN(binpack_memory_prefers_fullest_node_that_fits);
	RUN(binpack_cpu_and_spread);
	RUN(random_picks_only_fitting_nodes_and_varies);
	RUN(constraints_filter_nodes);
	RUN(nothing_fits_explains);
	RUN(index_chooses_as_the_scan);
	RUN(index_random_picks_fitting_nodes_and_spreads);
	RUN(parse_and_json_round_trip);
	RUN(model_accounts_capacity_and_links_records);
	RUN(taskdef_constraints_and_runtime_platform);
	RUN(model_ignores_nonsense_capacity);
	cJSON_Delete(labels_a);
	cJSON_Delete(labels_b);
	return check_summary();
}
