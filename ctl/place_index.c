/* Placement over an index of the pass's nodes (see placement.h): one
 * array of node positions per strategy list in use, sorted by the
 * strategies' keys and then by position (the nodes come sorted by id, so
 * this is place_choose's order). A choice walks the array from the best
 * end; binpack starts at the first node with enough of its resource. */
#include <stdlib.h>
#include <string.h>

#include "placement.h"

#define MAX_ORDERS 16

struct order {
	struct strategy strats[PLACEMENT_MAX];
	size_t ns;
	int *pos; /* node indexes, best first */
};

struct place_index {
	struct place_node *nodes;
	size_t n;
	struct order orders[MAX_ORDERS];
	size_t norders;
};

static int64_t key(const struct place_node *n, const struct strategy *s)
{
	if (s->type == STRAT_BINPACK)
		return s->field == FIELD_MEMORY ? n->mem_free : n->cpu_free;
	return s->type == STRAT_SPREAD ? n->ntasks : 0; /* random past the first: no order */
}

static int compare(const struct place_index *x, const struct order *o, int a, int b)
{
	for (size_t k = 0; k < o->ns; k++) {
		int64_t ka = key(&x->nodes[a], &o->strats[k]),
			kb = key(&x->nodes[b], &o->strats[k]);
		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	return a < b ? -1 : a > b;
}

/* First position among the first count whose node does not come before
 * node i. */
static size_t lower_bound(const struct place_index *x, const struct order *o, int i, size_t count)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (compare(x, o, o->pos[mid], i) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct place_index *sorting;
static const struct order *sorting_order;

static int by_order(const void *a, const void *b)
{
	return compare(sorting, sorting_order, *(const int *)a, *(const int *)b);
}

static struct order *order_for(struct place_index *x, const struct strategy *s, size_t ns)
{
	for (size_t i = 0; i < x->norders; i++)
		if (x->orders[i].ns == ns && memcmp(x->orders[i].strats, s, ns * sizeof *s) == 0)
			return &x->orders[i];
	if (x->norders == MAX_ORDERS)
		return NULL;
	struct order *o = &x->orders[x->norders];
	if (!(o->pos = malloc((x->n + 1) * sizeof *o->pos)))
		return NULL;
	memcpy(o->strats, s, ns * sizeof *s);
	o->ns = ns;
	for (size_t i = 0; i < x->n; i++)
		o->pos[i] = (int)i;
	sorting = x;
	sorting_order = o;
	qsort(o->pos, x->n, sizeof *o->pos, by_order);
	x->norders++;
	return o;
}

struct place_index *place_index_new(struct place_node *nodes, size_t n)
{
	struct place_index *x = calloc(1, sizeof *x);
	if (x) {
		x->nodes = nodes;
		x->n = n;
	}
	return x;
}

void place_index_free(struct place_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->norders; i++)
		free(x->orders[i].pos);
	free(x);
}

static int scan(const struct place_index *x, const struct place_req *req, unsigned *seed)
{
	size_t start = x->n ? (size_t)rand_r(seed) % x->n : 0;
	for (size_t k = 0; k < x->n; k++) {
		size_t i = (start + k) % x->n;
		if (place_fits(&x->nodes[i], req))
			return (int)i;
	}
	return -1;
}

/* With binpack first, nodes short of its resource come first: skip them. */
static size_t first_with_room(const struct place_index *x, const struct order *o,
			      const struct place_req *req)
{
	const struct strategy *s = &o->strats[0];
	if (s->type != STRAT_BINPACK)
		return 0;
	int64_t need = s->field == FIELD_MEMORY ? req->memory : req->cpu;
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (key(&x->nodes[o->pos[mid]], s) < need)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int place_index_choose(struct place_index *x, const struct place_req *req, unsigned *seed)
{
	static const struct strategy spread = {STRAT_SPREAD, FIELD_NODE};
	const struct strategy *s = req->nstrategies ? req->strategies : &spread;
	size_t ns = req->nstrategies ? req->nstrategies : 1;
	if (s[0].type == STRAT_RANDOM)
		return scan(x, req, seed);
	struct order *o = order_for(x, s, ns);
	if (!o)
		return place_choose(x->nodes, x->n, req, seed, NULL, 0);
	for (size_t k = first_with_room(x, o, req); k < x->n; k++)
		if (place_fits(&x->nodes[o->pos[k]], req))
			return o->pos[k];
	return -1;
}

void place_index_take(struct place_index *x, int i, int64_t cpu, int64_t memory)
{
	/* out of every order under its old keys, back in under the new ones */
	for (size_t k = 0; k < x->norders; k++) {
		struct order *o = &x->orders[k];
		size_t at = lower_bound(x, o, i, x->n);
		memmove(&o->pos[at], &o->pos[at + 1], (x->n - at - 1) * sizeof *o->pos);
	}
	x->nodes[i].cpu_free -= cpu;
	x->nodes[i].mem_free -= memory;
	x->nodes[i].ntasks++;
	for (size_t k = 0; k < x->norders; k++) {
		struct order *o = &x->orders[k];
		size_t at = lower_bound(x, o, i, x->n - 1);
		memmove(&o->pos[at + 1], &o->pos[at], (x->n - 1 - at) * sizeof *o->pos);
		o->pos[at] = i;
	}
}
