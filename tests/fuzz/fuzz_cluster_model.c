/* The scheduler's view of the cluster (ctl/model.c, placement.c): every
 * key under /skiff/<cluster>/ as a list or a watch hands them over, turned
 * into nodes, tasks and services, then the placement of each pending task
 * as the leader does it. Node records and task status are written by the
 * nodes: with per-node identities they are outside input to the
 * scheduler. The input is one key per line, "<key below the prefix>
 * <value>" (nodes/n1 {"cpu":1024,...}); a repeated key is dropped, as etcd
 * holds each key once. */
#include "fuzz.h"
#include "ctl/model.h"
#include "ctl/placement.h"

#define PREFIX	 "/skiff/demo/"
#define MAX_KEYS 64

/* The leader's candidates and its choice for one task (ctl/reconcile.c). */
static void place(const struct model *m, const struct m_task *t, struct place_node *pn, size_t k)
{
	struct strategy strats[PLACEMENT_MAX];
	struct constraint cons[PLACEMENT_MAX];
	struct sk_err err = {0};
	size_t ns = 0, nc = 0;
	unsigned seed = 1;
	char why[256];
	const struct m_service *svc = *t->service ? model_service(m, t->service) : NULL;
	if (svc) {
		int rc = placement_from_json(svc->rec, strats, &ns, cons, &nc, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		if (rc < 0)
			return;
	}
	struct place_req req = {.cpu = t->cpu,
				.memory = t->memory,
				.strategies = strats,
				.nstrategies = ns,
				.constraints = cons,
				.nconstraints = nc};
	int i = place_choose(pn, k, &req, &seed, why, sizeof why);
	FUZZ_REQUIRE(i < (int)k, "chose %d of %zu", i, k);
}

static void place_pending(const struct model *m)
{
	struct place_node pn[MAX_KEYS];
	size_t k = 0;
	for (size_t i = 0; i < m->nnodes && k < MAX_KEYS; i++) {
		const struct m_node *n = &m->nodes[i];
		if (!n->rec || n->draining)
			continue;
		pn[k++] = (struct place_node){
		    .id = n->id,
		    .cpu_free = n->cpu - n->used_cpu,
		    .mem_free = n->memory - n->used_mem,
		    .ntasks = n->ntasks,
		    .labels = cJSON_GetObjectItemCaseSensitive(n->rec, "labels")};
	}
	for (size_t i = 0; i < m->ntasks; i++) {
		const struct m_task *t = &m->tasks[i];
		if (!*t->node && strcmp(t->desired, "STOPPED") != 0 && t->td)
			place(m, t, pn, k);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct etcd_kv kvs[MAX_KEYS];
	struct sk_err err = {0};
	struct model m;
	size_t n = 0;
	char *text = fuzz_text(data, len);
	for (char *save, *line = strtok_r(text, "\n", &save); line && n < MAX_KEYS;
	     line = strtok_r(NULL, "\n", &save)) {
		char *space = strchr(line, ' ');
		const char *value = space ? space + 1 : "";
		if (space)
			*space = '\0';
		size_t klen = sizeof PREFIX + strlen(line);
		kvs[n] = (struct etcd_kv){.key = malloc(klen),
					  .value = strdup(value),
					  .value_len = strlen(value),
					  .create_revision = (int64_t)n + 1,
					  .mod_revision = (int64_t)n + 1,
					  .version = 1};
		FUZZ_REQUIRE(kvs[n].key && kvs[n].value, "malloc");
		snprintf(kvs[n].key, klen, PREFIX "%s", line);
		n++;
		/* etcd holds each key once */
		for (size_t i = 0; i + 1 < n; i++)
			if (!strcmp(kvs[i].key, kvs[n - 1].key)) {
				etcd_kv_clear(&kvs[--n]);
				break;
			}
	}
	int rc = model_build(&m, PREFIX, kvs, n, (int64_t)n + 1, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		place_pending(&m);
		model_free(&m);
	}
	for (size_t i = 0; i < n; i++)
		etcd_kv_clear(&kvs[i]);
	free(text);
	return 0;
}
