/* Placement strategies (binpack, spread, random) and constraints
 * (distinctInstance, memberOf on node labels). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "placement.h"

int strategy_parse(const char *s, struct strategy *out, struct sk_err *err)
{
	if (strcmp(s, "binpack:memory") == 0 || strcmp(s, "binpack") == 0)
		*out = (struct strategy){STRAT_BINPACK, FIELD_MEMORY};
	else if (strcmp(s, "binpack:cpu") == 0)
		*out = (struct strategy){STRAT_BINPACK, FIELD_CPU};
	else if (strcmp(s, "spread:node") == 0 || strcmp(s, "spread") == 0 ||
		 strcmp(s, "spread:instanceId") == 0)
		*out = (struct strategy){STRAT_SPREAD, FIELD_NODE};
	else if (strcmp(s, "random") == 0)
		*out = (struct strategy){STRAT_RANDOM, FIELD_NODE};
	else
		return ctl_usage_error(err,
				       "--strategy `%s`: expected binpack:memory, binpack:cpu, "
				       "spread:node or random",
				       s);
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

int constraint_parse(const char *s, struct constraint *out, struct sk_err *err)
{
	memset(out, 0, sizeof *out);
	if (strcmp(s, "distinctInstance") == 0) {
		out->type = CONS_DISTINCT_INSTANCE;
		return 0;
	}
	const char *expr = strncmp(s, "memberOf:", 9) == 0 ? s + 9 : NULL;
	char buf[512];
	if (!expr || strlen(expr) >= sizeof buf)
		goto bad;
	strcpy(buf, expr);
	char *op = strstr(buf, "!=");
	out->not_equal = op != NULL;
	if (!op)
		op = strstr(buf, "==");
	if (!op)
		goto bad;
	*op = '\0';
	char *lhs = trim(buf), *rhs = trim(op + 2);
	if (strncmp(lhs, "attribute:", 10) != 0 || !lhs[10] || !*rhs ||
	    strlen(lhs + 10) >= sizeof out->key || strlen(rhs) >= sizeof out->value)
		goto bad;
	out->type = CONS_MEMBER_OF;
	strcpy(out->key, lhs + 10);
	strcpy(out->value, rhs);
	return 0;
bad:
	return ctl_usage_error(err,
			       "--constraint `%s`: expected distinctInstance or "
			       "memberOf:attribute:KEY == VALUE (or !=)",
			       s);
}

cJSON *strategy_to_json(const struct strategy *s)
{
	static const char *const types[] = {"binpack", "spread", "random"};
	static const char *const fields[] = {"memory", "cpu", "instanceId"};
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", types[s->type]);
	if (s->type != STRAT_RANDOM)
		cJSON_AddStringToObject(j, "field", fields[s->field]);
	return j;
}

cJSON *constraint_to_json(const struct constraint *c)
{
	cJSON *j = cJSON_CreateObject();
	if (c->type == CONS_DISTINCT_INSTANCE) {
		cJSON_AddStringToObject(j, "type", "distinctInstance");
		return j;
	}
	char expr[512];
	snprintf(expr, sizeof expr, "attribute:%s %s %s", c->key,
		 c->not_equal ? "!=" : "==", c->value);
	cJSON_AddStringToObject(j, "type", "memberOf");
	cJSON_AddStringToObject(j, "expression", expr);
	return j;
}

static int strategy_from_json(const cJSON *it, struct strategy *s, struct sk_err *err)
{
	char buf[128];
	const char *field = json_record_str(it, "field");
	if (strcmp(field, "instanceId") == 0 || strcmp(field, "node") == 0)
		field = "node";
	snprintf(buf, sizeof buf, "%s%s%s", json_record_str(it, "type"), *field ? ":" : "", field);
	return strategy_parse(buf, s, err);
}

static int constraint_from_json(const cJSON *it, struct constraint *c, struct sk_err *err)
{
	char buf[600];
	if (strcmp(json_record_str(it, "type"), "memberOf") == 0)
		snprintf(buf, sizeof buf, "memberOf:%s", json_record_str(it, "expression"));
	else
		snprintf(buf, sizeof buf, "%s", json_record_str(it, "type"));
	return constraint_parse(buf, c, err);
}

int placement_from_json(const cJSON *svc, struct strategy *strats, size_t *nstrats,
			struct constraint *cons, size_t *ncons, struct sk_err *err)
{
	const cJSON *it;
	*nstrats = *ncons = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(svc, "placementStrategy"))
	{
		if (*nstrats < PLACEMENT_MAX && strategy_from_json(it, &strats[*nstrats], err) < 0)
			return sk_class(err, SK_ERR_USAGE);
		(*nstrats)++;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(svc, "placementConstraints"))
	{
		if (*ncons < PLACEMENT_MAX && constraint_from_json(it, &cons[*ncons], err) < 0)
			return sk_class(err, SK_ERR_USAGE);
		(*ncons)++;
	}
	if (*nstrats > PLACEMENT_MAX || *ncons > PLACEMENT_MAX)
		return ctl_usage_error(err, "more than %d strategies or constraints",
				       PLACEMENT_MAX);
	return 0;
}

int placement_taskdef(const cJSON *td, struct constraint *cons, size_t *n, size_t max,
		      struct sk_err *err)
{
	const cJSON *it,
	    *arch = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(td, "runtimePlatform"), "cpuArchitecture");
	char buf[600];

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(td, "placementConstraints"))
	{
		if (*n >= max)
			return ctl_usage_error(err, "more than %zu constraints", max);
		if (constraint_from_json(it, &cons[*n], err) < 0)
			return sk_class(err, SK_ERR_USAGE);
		(*n)++;
	}
	if (cJSON_IsString(arch) && *n < max) {
		snprintf(buf, sizeof buf, "memberOf:attribute:ecs.cpu-architecture == %s",
			 !strcmp(arch->valuestring, "ARM64") ? "arm64" : "x86_64");
		if (constraint_parse(buf, &cons[*n], err) < 0)
			return sk_class(err, SK_ERR_USAGE);
		(*n)++;
	}
	return 0;
}

int constraint_match(const struct constraint *c, const struct place_node *n)
{
	if (c->type == CONS_DISTINCT_INSTANCE)
		return n->ngroup == 0;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(n->labels, c->key);
	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(n->attributes, c->key);
	int eq = cJSON_IsString(v) && strcmp(v->valuestring, c->value) == 0;
	if (strcmp(c->key, "node.id") == 0)
		eq = strcmp(n->id, c->value) == 0;
	return c->not_equal ? !eq : eq;
}

/* < 0 when a is better than b under the strategies, > 0 when worse. */
static int compare(const struct place_node *a, const struct place_node *b,
		   const struct place_req *r, int64_t ra, int64_t rb)
{
	for (size_t i = 0; i < r->nstrategies; i++) {
		const struct strategy *s = &r->strategies[i];
		int64_t x = 0, y = 0;
		if (s->type == STRAT_BINPACK && s->field == FIELD_MEMORY)
			x = a->mem_free, y = b->mem_free;
		else if (s->type == STRAT_BINPACK)
			x = a->cpu_free, y = b->cpu_free;
		else if (s->type == STRAT_SPREAD)
			x = a->ntasks, y = b->ntasks;
		else
			x = ra, y = rb;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return strcmp(a->id, b->id);
}

static int fits(const struct place_node *n, const struct place_req *r, int *why)
{
	if (n->cpu_free < r->cpu || n->mem_free < r->memory) {
		why[0]++;
		return 0;
	}
	for (size_t i = 0; i < r->nconstraints; i++)
		if (!constraint_match(&r->constraints[i], n)) {
			why[1]++;
			return 0;
		}
	return 1;
}

int place_fits(const struct place_node *n, const struct place_req *req)
{
	int why[2] = {0, 0};
	return fits(n, req, why);
}

int place_choose(const struct place_node *nodes, size_t n, const struct place_req *req,
		 unsigned *seed, char *why, size_t why_size)
{
	static const struct strategy spread = {STRAT_SPREAD, FIELD_NODE};
	struct place_req r = *req;
	int best = -1, counts[2] = {0, 0};
	int64_t best_rand = 0;
	if (r.nstrategies == 0)
		r.strategies = &spread, r.nstrategies = 1;
	for (size_t i = 0; i < n; i++) {
		if (!fits(&nodes[i], &r, counts))
			continue;
		int64_t rnd = rand_r(seed);
		if (best < 0 || compare(&nodes[i], &nodes[best], &r, rnd, best_rand) < 0)
			best = (int)i, best_rand = rnd;
	}
	if (best < 0 && why)
		snprintf(why, why_size,
			 "no node fits (%zu active; %d lack cpu %lld / memory %lld MiB, %d fail "
			 "constraints)",
			 n, counts[0], (long long)req->cpu, (long long)req->memory, counts[1]);
	return best;
}
