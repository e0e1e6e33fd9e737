/* Batched, fenced, parallel writes of the leader (see batch.h). */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"
#include "tasks.h"

#define TXN_OPS	  128	      /* etcd's default --max-txn-ops */
#define TXN_BYTES (512 << 10) /* well under etcd's 1.5 MiB request limit once in base64 */

struct batch {
	struct batch *next;
	struct etcd_cmp cmp[TXN_OPS]; /* cmp[0] is the fence */
	size_t ncmp;
	struct etcd_op ops[TXN_OPS];
	size_t nops;
	size_t bytes, units;
	char *owned[4 * TXN_OPS]; /* keys and values */
	size_t nowned;
	size_t rewrite[TXN_OPS]; /* ops to fill with a stopped assignment */
	size_t nrewrite;
	char *log; /* lines to log once applied */
	size_t log_len;
	const char *failed[TXN_OPS]; /* services told of a failed task once applied */
	size_t nfailed;
};

static void batch_free(struct batch *t)
{
	for (size_t i = 0; i < t->nowned; i++)
		free(t->owned[i]);
	free(t->log);
	free(t);
}

static char *own(struct batch *t, char *s)
{
	if (s)
		t->owned[t->nowned++] = s;
	return s;
}

/* ---- writers ---- */

/* Fills the ops that rewrite an assignment: what etcd holds, desired
 * STOPPED. A missing one stays empty; the unit's compare on its revision
 * then fails the transaction. */
static int fetch_assignments(struct etcd *e, struct batch *t, struct sk_err *err)
{
	struct etcd_op gets[TXN_OPS];
	struct etcd_txn_resp r;
	for (size_t i = 0; i < t->nrewrite; i++)
		gets[i] = (struct etcd_op){.type = ETCD_OP_RANGE, .key = t->ops[t->rewrite[i]].key};
	int rc = etcd_txn(e, NULL, 0, gets, t->nrewrite, NULL, 0, &r, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < t->nrewrite && i < r.nresps; i++) {
		const struct etcd_range_resp *g = &r.resps[i].range;
		cJSON *j =
		    g->nkvs ? cJSON_ParseWithLength(g->kvs[0].value, g->kvs[0].value_len) : NULL;
		char *v = own(t, j ? assign_record_stopped(j) : strdup("{}"));
		cJSON_Delete(j);
		if (!v) {
			etcd_txn_resp_free(&r);
			return sk_fail(err, ENOMEM, "stop task");
		}
		t->ops[t->rewrite[i]].value = v;
	}
	etcd_txn_resp_free(&r);
	return 0;
}

static void note(const struct batcher *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(const struct batcher *b, const char *fmt, ...)
{
	char line[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sched_log_lines(b->who, line);
}

static int fence_held(const struct etcd_txn_resp *r, int64_t fence)
{
	return r->nresps == 1 && r->resps[0].range.nkvs == 1 &&
	       r->resps[0].range.kvs[0].create_revision == fence;
}

/* An etcd with lower limits than its defaults refuses our transactions
 * whole (nothing applied): from now on they get half as big. */
static int refused_as_too_big(struct batcher *b, const struct sk_err *err)
{
	if (!strstr(err->msg, "too many operations") && !strstr(err->msg, "too large"))
		return 0;
	if (b->max_ops > 8)
		b->max_ops /= 2;
	if (b->max_bytes > (16 << 10))
		b->max_bytes /= 2;
	note(b, "%s: transactions of at most %zu operations and %zu bytes from now on", err->msg,
	     b->max_ops, b->max_bytes);
	return 1;
}

static void note_result(struct batcher *b, struct batch *t, int rc, struct etcd_txn_resp *r,
			const struct sk_err *err)
{
	pthread_mutex_lock(&b->lock);
	b->txns++;
	if (rc < 0 && err->cls == SK_ERR_FAIL && refused_as_too_big(b, err)) {
		b->conflicts += t->units;
	} else if (rc < 0) {
		b->uncertain = 1;
		b->unknown += t->units;
		note(b, "write of %zu changes: %s (outcome unknown)", t->units, err->msg);
	} else if (rc == 0) {
		b->conflicts += t->units;
		if (!fence_held(r, t->cmp[0].number)) {
			if (!b->fence_lost)
				note(b, "fence %lld no longer holds: stopping at once",
				     (long long)t->cmp[0].number);
			b->fence_lost = 1;
		}
	} else {
		b->applied += t->units;
		char **f = t->nfailed
			       ? realloc(b->failed_services, (b->nfailed + t->nfailed) * sizeof *f)
			       : NULL;
		for (size_t i = 0; f && i < t->nfailed; i++)
			if ((f[b->nfailed] = strdup(t->failed[i])))
				b->nfailed++;
		if (f)
			b->failed_services = f;
	}
	if (rc >= 0 && r->revision > b->max_rev)
		b->max_rev = r->revision;
	pthread_mutex_unlock(&b->lock);
	if (rc == 1 && t->log_len)
		sched_log_lines(b->who, t->log);
}

static void run(struct batcher *b, struct etcd *e, struct batch *t)
{
	struct sk_err err = {0};
	struct etcd_op get = {.type = ETCD_OP_RANGE, .key = b->fence_key};
	struct etcd_txn_resp r = {0};
	int rc = t->nrewrite ? fetch_assignments(e, t, &err) : 0;
	if (rc == 0)
		rc = etcd_txn(e, t->cmp, t->ncmp, t->ops, t->nops, &get, 1, &r, &err);
	note_result(b, t, rc, &r, &err);
	etcd_txn_resp_free(&r);
}

struct writer {
	struct batcher *b;
	struct etcd *e;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct batcher *b = w->b;
	for (;;) {
		pthread_mutex_lock(&b->lock);
		while (!b->queue)
			pthread_cond_wait(&b->cond, &b->lock);
		struct batch *t = b->queue;
		if (!(b->queue = t->next))
			b->queue_tail = NULL;
		b->queued--;
		/* not one write once the fence is lost or we stepped down */
		int skip =
		    b->fence_lost || __atomic_load_n(b->leading, __ATOMIC_ACQUIRE) != b->fence;
		if (skip)
			b->unsent += t->units;
		else
			b->busy++;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		if (!skip) {
			run(b, w->e, t);
			pthread_mutex_lock(&b->lock);
			b->busy--;
			pthread_cond_broadcast(&b->cond);
			pthread_mutex_unlock(&b->lock);
		}
		batch_free(t);
	}
	return NULL;
}

int batcher_start(struct batcher *b, struct ctl *c, const char *who, const int64_t *leading,
		  size_t nwriters, struct sk_err *err)
{
	memset(b, 0, sizeof *b);
	b->ctl = c;
	b->who = who;
	b->leading = leading;
	b->nwriters = nwriters;
	b->max_ops = TXN_OPS;
	b->max_bytes = TXN_BYTES;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	ctl_key(c, b->fence_key, "leader/scheduler");
	for (size_t i = 0; i < nwriters; i++) {
		struct writer *w = calloc(1, sizeof *w);
		pthread_t th;
		if (!w)
			return sk_fail(err, ENOMEM, "writers");
		w->b = b;
		if (etcd_dup(c->etcd, &w->e, err) < 0)
			return -1;
		int rc = pthread_create(&th, NULL, writer_main, w);
		if (rc)
			return sk_fail(err, rc, "writer thread");
		pthread_detach(th);
	}
	return 0;
}

/* ---- the pass's side ---- */

void batcher_begin(struct batcher *b, int64_t fence)
{
	pthread_mutex_lock(&b->lock);
	b->fence = fence;
	b->max_rev = 0;
	b->fence_lost = b->uncertain = 0;
	b->applied = b->conflicts = b->unknown = b->unsent = b->txns = 0;
	for (size_t i = 0; i < b->nfailed; i++)
		free(b->failed_services[i]);
	b->nfailed = 0;
	pthread_mutex_unlock(&b->lock);
}

static void submit(struct batcher *b)
{
	struct batch *t = b->open;
	b->open = NULL;
	if (!t)
		return;
	pthread_mutex_lock(&b->lock);
	if (b->queue_tail)
		b->queue_tail->next = t;
	else
		b->queue = t;
	b->queue_tail = t;
	b->queued++;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static struct batch *batch_new(struct batcher *b)
{
	struct batch *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cmp[t->ncmp++] = (struct etcd_cmp){.key = b->fence_key,
					      .target = ETCD_CMP_CREATE,
					      .result = ETCD_CMP_EQUAL,
					      .number = b->fence};
	return t;
}

static int has_cmp(const struct batch *t, const struct etcd_cmp *c)
{
	for (size_t i = 1; i < t->ncmp; i++)
		if (t->cmp[i].target == c->target && t->cmp[i].number == c->number &&
		    strcmp(t->cmp[i].key, c->key) == 0)
			return 1;
	return 0;
}

static size_t unit_bytes(const struct unit *u)
{
	size_t n = 0;
	for (size_t i = 0; i < u->nop; i++)
		n += strlen(u->op[i].key) +
		     (u->op[i].value ? strlen(u->op[i].value) : u->rewrite_bytes);
	return n;
}

static int fits(const struct batcher *b, const struct batch *t, const struct unit *u, size_t bytes)
{
	size_t ncmp = 0;
	for (size_t i = 0; i < u->ncmp; i++)
		ncmp += !has_cmp(t, &u->cmp[i]);
	return t->ncmp + ncmp <= b->max_ops && t->nops + u->nop <= b->max_ops &&
	       (t->units == 0 || t->bytes + bytes <= b->max_bytes);
}

static void add_log(struct batch *t, const char *line)
{
	size_t n = strlen(line);
	char *p = realloc(t->log, t->log_len + n + 2);
	if (!p)
		return;
	t->log = p;
	if (t->log_len)
		t->log[t->log_len++] = '\n';
	memcpy(t->log + t->log_len, line, n + 1);
	t->log_len += n;
}

static void add(struct batch *t, const struct unit *u, size_t bytes)
{
	for (size_t i = 0; i < u->ncmp; i++) {
		if (has_cmp(t, &u->cmp[i]))
			continue;
		t->cmp[t->ncmp] = u->cmp[i];
		t->cmp[t->ncmp++].key = own(t, strdup(u->cmp[i].key));
	}
	for (size_t i = 0; i < u->nop; i++) {
		struct etcd_op *op = &t->ops[t->nops];
		*op = u->op[i];
		op->key = own(t, strdup(u->op[i].key));
		own(t, (char *)u->op[i].value);
		if (!op->value && u->op[i].type == ETCD_OP_PUT)
			t->rewrite[t->nrewrite++] = t->nops;
		t->nops++;
	}
	if (u->log[0])
		add_log(t, u->log);
	if (u->failed_service)
		t->failed[t->nfailed++] = own(t, strdup(u->failed_service));
	t->bytes += bytes;
	t->units++;
}

static int unit_ok(const struct unit *u)
{
	for (size_t i = 0; i < u->nop; i++)
		if (u->op[i].type == ETCD_OP_PUT && !u->op[i].value &&
		    !(u->rewrite_assign && strcmp(u->op[i].key, u->rewrite_assign) == 0))
			return 0;
	return 1;
}

static void unit_drop(struct unit *u)
{
	for (size_t i = 0; i < u->nop; i++)
		free((char *)u->op[i].value);
}

int batcher_add(struct batcher *b, struct unit *u)
{
	pthread_mutex_lock(&b->lock);
	int lost = b->fence_lost;
	pthread_mutex_unlock(&b->lock);
	if (lost || !unit_ok(u)) {
		unit_drop(u);
		return lost ? -1 : 0;
	}
	size_t bytes = unit_bytes(u);
	pthread_mutex_lock(&b->lock);
	int room = !b->open || fits(b, b->open, u, bytes);
	pthread_mutex_unlock(&b->lock);
	if (!room)
		submit(b);
	if (!b->open && !(b->open = batch_new(b))) {
		unit_drop(u);
		return 0;
	}
	add(b->open, u, bytes);
	return 0;
}

void batcher_submit(struct batcher *b)
{
	submit(b);
}

void batcher_end(struct batcher *b)
{
	submit(b);
	pthread_mutex_lock(&b->lock);
	while (b->queued || b->busy)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}
