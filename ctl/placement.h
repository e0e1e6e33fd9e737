/* Task placement as pure functions over candidate nodes: constraints
 * filter, strategies order, the first node wins. */
#ifndef SK_CTL_PLACEMENT_H
#define SK_CTL_PLACEMENT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PLACEMENT_MAX 16 /* a service's and its task definition's (ECS: 10) */

enum strategy_type { STRAT_BINPACK, STRAT_SPREAD, STRAT_RANDOM };
enum strategy_field { FIELD_MEMORY, FIELD_CPU, FIELD_NODE };

struct strategy {
	enum strategy_type type;
	enum strategy_field field;
};

enum constraint_type { CONS_DISTINCT_INSTANCE, CONS_MEMBER_OF };

struct constraint {
	enum constraint_type type;
	char key[128]; /* memberOf: attribute:KEY (op) VALUE */
	char value[256];
	int not_equal;
};

struct place_node {
	const char *id;
	int64_t cpu_free, mem_free;
	int ntasks;		 /* tasks on the node */
	int ngroup;		 /* tasks of the same service on the node */
	const cJSON *labels;	 /* {"k":"v"} */
	const cJSON *attributes; /* built in: {"ecs.cpu-architecture":"x86_64",...} */
};

struct place_req {
	int64_t cpu, memory;
	const struct strategy *strategies;
	size_t nstrategies;
	const struct constraint *constraints;
	size_t nconstraints;
};

/* "binpack:memory", "binpack:cpu", "spread:node" (also "spread"), "random". */
int strategy_parse(const char *s, struct strategy *out, struct sk_err *err);
/* "distinctInstance" or "memberOf:attribute:KEY == VALUE" (also !=). */
int constraint_parse(const char *s, struct constraint *out, struct sk_err *err);
/* The ECS JSON forms stored in a service record. */
cJSON *strategy_to_json(const struct strategy *s);
cJSON *constraint_to_json(const struct constraint *c);
int placement_from_json(const cJSON *svc, struct strategy *strats, size_t *nstrats,
			struct constraint *cons, size_t *ncons, struct sk_err *err);

/* A task definition's own: its placementConstraints, and its
 * runtimePlatform's cpuArchitecture as attribute:ecs.cpu-architecture ==.
 * Appended to CONS (N of them already, at most MAX). */
int placement_taskdef(const cJSON *td, struct constraint *cons, size_t *n, size_t max,
		      struct sk_err *err);

int constraint_match(const struct constraint *c, const struct place_node *n);
/* Whether a task of req can go on n (resources and constraints). */
int place_fits(const struct place_node *n, const struct place_req *req);
/* The index of the chosen node, or -1 when none fits (why explains). */
int place_choose(const struct place_node *nodes, size_t n, const struct place_req *req,
		 unsigned *seed, char *why, size_t why_size);

/* The same choice made many times over one set of nodes (a scheduler
 * pass): the nodes are kept in the order of each strategy list asked for,
 * so a choice walks from the best end to the first node that fits instead
 * of comparing every node, and placing a task moves one node. nodes must
 * be sorted by id (the final tie-break) and stay put while the index
 * lives; it changes their cpu_free, mem_free and ntasks. */
struct place_index;
struct place_index *place_index_new(struct place_node *nodes, size_t n);
void place_index_free(struct place_index *x);
/* What place_choose would pick; with random first, a random fitting node. */
int place_index_choose(struct place_index *x, const struct place_req *req, unsigned *seed);
/* A task of cpu and memory was placed on node i. */
void place_index_take(struct place_index *x, int i, int64_t cpu, int64_t memory);

#endif
