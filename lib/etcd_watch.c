/* Streaming watch: the incremental parser for the gateway's stream of JSON
 * objects, one watch per connection, and list+watch (etcd_sync) with the
 * revision bookkeeping that makes every event arrive exactly once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "etcd_internal.h"
#include "clock.h"

#define DEFAULT_MAX_MESSAGE (16u << 20)

void etcd_watch_parser_init(struct etcd_watch_parser *p, etcd_watch_fn fn, void *ctx)
{
	memset(p, 0, sizeof *p);
	p->max = DEFAULT_MAX_MESSAGE;
	p->fn = fn;
	p->ctx = ctx;
}

void etcd_watch_parser_free(struct etcd_watch_parser *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

static int append(struct etcd_watch_parser *p, const void *data, size_t len, struct sk_err *err)
{
	if (p->len + len > p->max)
		return sk_fail(err, 0, "watch: message larger than %zu bytes", p->max);
	if (p->len + len > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < p->len + len)
			cap *= 2;
		char *b = realloc(p->buf, cap);
		if (!b)
			return sk_fail(err, ENOMEM, "watch");
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	return 0;
}

static int deliver(struct etcd_watch_parser *p, const char *msg, size_t len, struct sk_err *err)
{
	cJSON *j = cJSON_ParseWithLength(msg, len);
	struct etcd_watch_resp r;
	if (!j)
		return sk_fail(err, 0, "watch: message is not JSON");
	int rc = etcd_watch_resp_from_json(j, &r, err);
	cJSON_Delete(j);
	if (rc < 0)
		return -1;
	rc = p->fn(p->ctx, &r, err);
	etcd_watch_resp_free(&r);
	if (rc)
		p->stopped = rc;
	return rc;
}

/* Advances the scanner over one byte; returns 1 when it closes an object. */
static int scan_byte(struct etcd_watch_parser *p, char c)
{
	if (p->in_string) {
		if (p->escape)
			p->escape = 0;
		else if (c == '\\')
			p->escape = 1;
		else if (c == '"')
			p->in_string = 0;
		return 0;
	}
	if (c == '"')
		p->in_string = 1;
	else if (c == '{' || c == '[')
		p->depth++;
	else if (c == '}' || c == ']')
		return --p->depth == 0;
	return 0;
}

int etcd_watch_parser_feed(struct etcd_watch_parser *p, const void *data, size_t len,
			   struct sk_err *err)
{
	if (append(p, data, len, err) < 0)
		return -1;
	size_t start = 0;
	for (; p->scan < p->len; p->scan++) {
		char c = p->buf[p->scan];
		if (p->depth == 0 && c != '{') {
			if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
				return sk_fail(err, 0,
					       "watch: unexpected byte 0x%02x between messages",
					       (unsigned char)c);
			start = p->scan + 1;
			continue;
		}
		if (!scan_byte(p, c))
			continue;
		int rc = deliver(p, p->buf + start, p->scan + 1 - start, err);
		start = p->scan + 1;
		if (rc) {
			p->scan++;
			memmove(p->buf, p->buf + start, p->len - start);
			p->len -= start;
			p->scan -= start;
			return rc;
		}
	}
	memmove(p->buf, p->buf + start, p->len - start);
	p->len -= start;
	p->scan -= start;
	return 0;
}

/* ---- one watch ---- */

struct watch_state {
	struct etcd_watch_parser parser;
	etcd_watch_fn fn;
	void *ctx;
	int code; /* why the stream stopped: the callback's value, or -1 */
};

static int on_message(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct watch_state *w = ctx;
	int rc = w->fn(w->ctx, r, err);
	if (rc)
		return w->code = rc;
	if (!r->canceled)
		return 0;
	if (r->compact_revision > 0) {
		sk_failc(err, SK_ERR_COMPACTED, 0, "watch: revision compacted (oldest kept: %lld)",
			 (long long)r->compact_revision);
		return w->code = -1;
	}
	sk_fail(err, 0, "watch canceled: %s", r->cancel_reason ? r->cancel_reason : "no reason");
	return w->code = -1;
}

static int on_body(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct watch_state *w = ctx;
	int rc = etcd_watch_parser_feed(&w->parser, data, len, err);
	if (rc < 0 && !w->code)
		w->code = -1;
	return rc;
}

static cJSON *watch_body(const struct etcd_watch_req *req)
{
	cJSON *top = cJSON_CreateObject();
	cJSON *c = cJSON_AddObjectToObject(top, "create_request");
	if (!c || etcd_json_add_range(c, req->key, req->range_end, req->prefix) < 0 ||
	    (req->start_revision &&
	     etcd_json_add_i64(c, "start_revision", req->start_revision) < 0) ||
	    (req->prev_kv && !cJSON_AddTrueToObject(c, "prev_kv")) ||
	    (req->progress_notify && !cJSON_AddTrueToObject(c, "progress_notify"))) {
		cJSON_Delete(top);
		return NULL;
	}
	return top;
}

/* Is the member behind a silent stream alive? No if a client of the
 * family saw it fail since it last answered; yes if one heard from it
 * lately; else it must answer a linearizable read of the watched key
 * within the time left (a member cut off from the quorum cannot, and its
 * watch would be as stale as a frozen one's). */
static int member_alive(struct etcd *e, size_t ep, const struct etcd_watch_req *req, int half_ms,
			struct sk_err *err)
{
	if (etcd_endpoint_suspect(e, ep, sk_now_ms()))
		return sk_fail(err, 0, "a request to it failed"), 0;
	if (etcd_endpoint_silence_ms(e, ep) < half_ms)
		return 1;
	struct etcd_range_req probe = {
	    .key = req->key, .range_end = req->range_end, .prefix = req->prefix, .count_only = 1};
	cJSON *body = etcd_range_req_to_json(&probe), *ans = NULL;
	if (!body)
		return 1;
	int rc = etcd_call_at(e, ep, half_ms, "/v3/kv/range", body, &ans, err);
	cJSON_Delete(body);
	cJSON_Delete(ans);
	return rc == 0;
}

/* Reads the stream until it ends or a callback stops it; with a liveness
 * bound, a silence of half of it makes the member prove it is alive. */
static int stream(struct etcd *e, size_t ep, struct http_client *http,
		  const struct etcd_watch_req *req, int liveness_ms, struct watch_state *w,
		  struct sk_err *err)
{
	int half = liveness_ms / 2;
	for (;;) {
		int ready = half > 0 ? http_body_wait(http, half) : 1;
		if (ready < 0)
			return sk_failc(err, SK_ERR_NET, errno, "watch %s: wait", req->key);
		if (ready == 0) {
			struct sk_err perr = {0};
			if (member_alive(e, ep, req, half, &perr))
				continue;
			etcd_endpoint_note(e, ep, 0);
			return sk_failc(err, SK_ERR_NET, 0,
					"watch %s: %s silent for %d ms and not answering (%s)",
					req->key, e->endpoints[ep], liveness_ms, perr.msg);
		}
		int rc = http_body_read_some(http, on_body, w, err);
		if (w->code)
			return w->code;
		if (rc < 0)
			return sk_class(err, SK_ERR_NET);
		if (rc == 0)
			return sk_failc(err, SK_ERR_NET, 0, "watch %s: stream ended", req->key);
		etcd_endpoint_note(e, ep, 1);
	}
}

int etcd_watch(struct etcd *e, const struct etcd_watch_req *req, int liveness_ms, etcd_watch_fn fn,
	       void *ctx, struct sk_err *err)
{
	cJSON *body = watch_body(req);
	struct http_client *http = NULL;
	size_t ep = 0;
	if (!body)
		return sk_fail(err, ENOMEM, "watch %s", req->key);
	int rc = etcd_stream_open(e, "/v3/watch", body, &http, &ep, err);
	cJSON_Delete(body);
	if (rc < 0)
		return sk_wrap(err, "watch %s", req->key);
	struct watch_state w = {.fn = fn, .ctx = ctx};
	etcd_watch_parser_init(&w.parser, on_message, &w);
	rc = stream(e, ep, http, req, liveness_ms, &w, err);
	etcd_watch_parser_free(&w.parser);
	http_client_free(http);
	return rc;
}

/* ---- list + watch ---- */

#define LIST_PAGE 500 /* keys per range request: bounds memory on a large prefix */

struct sync_state {
	const struct etcd_sync_ops *ops;
	void *ctx;
	int64_t next_rev; /* first revision not yet delivered */
	int user_rc;	  /* a callback's nonzero return */
	int progressed;
};

struct page_list {
	struct etcd_kv *kvs;
	size_t n, cap;
};

static void page_list_free(struct page_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		etcd_kv_clear(&l->kvs[i]);
	free(l->kvs);
}

/* Moves the kvs of a page (past skip) to the end of l. */
static int page_keep(struct page_list *l, struct etcd_range_resp *r, size_t skip,
		     struct sk_err *err)
{
	if (l->n + r->nkvs > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : LIST_PAGE;
		while (cap < l->n + r->nkvs)
			cap *= 2;
		struct etcd_kv *v = realloc(l->kvs, cap * sizeof *v);
		if (!v)
			return sk_fail(err, ENOMEM, "list");
		l->kvs = v;
		l->cap = cap;
	}
	for (size_t i = skip; i < r->nkvs; i++) {
		l->kvs[l->n++] = r->kvs[i];
		memset(&r->kvs[i], 0, sizeof r->kvs[i]);
	}
	return 0;
}

/* One page from key `from` (inclusive) at revision rev (0: latest). */
static int list_page(struct etcd *e, const char *prefix, const char *from, int64_t rev,
		     struct etcd_range_resp *r, struct sk_err *err)
{
	SK_AUTOFREE char *end = NULL;
	size_t elen;
	if (etcd_prefix_end(prefix, strlen(prefix), &end, &elen, err) < 0)
		return -1;
	struct etcd_range_req req = {
	    .key = from, .range_end = end, .revision = rev, .limit = LIST_PAGE};
	return etcd_range(e, &req, r, err);
}

/* Hands one page to the consumer: the first to reset(), the others to
 * more(); without more(), pages are gathered and reset() gets them all. */
static int sync_page(struct sync_state *s, struct page_list *all, struct etcd_range_resp *r,
		     size_t skip, int first, int last, int64_t rev, struct sk_err *err)
{
	if (!s->ops->more) {
		if (page_keep(all, r, skip, err) < 0)
			return -1;
		return last ? s->ops->reset(s->ctx, all->kvs, all->n, rev, err) : 0;
	}
	if (first)
		return s->ops->reset(s->ctx, r->kvs + skip, r->nkvs - skip, rev, err);
	return s->ops->more(s->ctx, r->kvs + skip, r->nkvs - skip, err);
}

/* Lists the prefix page by page, all at the revision of the first page. */
static int sync_list(struct etcd *e, const char *prefix, struct sync_state *s, struct sk_err *err)
{
	struct page_list all = {0};
	SK_AUTOFREE char *from = strdup(prefix);
	int64_t rev = 0;
	int rc = from ? 0 : sk_fail(err, ENOMEM, "list"), first = 1;
	while (rc == 0) {
		struct etcd_range_resp r;
		if ((rc = list_page(e, prefix, from, rev, &r, err)) < 0)
			break;
		/* the next page starts at the last key, which it repeats */
		size_t skip = !first && r.nkvs && strcmp(r.kvs[0].key, from) == 0;
		int last = !r.more || r.nkvs <= skip;
		if (first)
			rev = r.revision;
		if (!last) {
			free(from);
			if (!(from = strdup(r.kvs[r.nkvs - 1].key)))
				rc = sk_fail(err, ENOMEM, "list");
		}
		if (rc == 0 && (rc = sync_page(s, &all, &r, skip, first, last, rev, err)) > 0)
			s->user_rc = rc;
		etcd_range_resp_free(&r);
		first = 0;
		if (last)
			break;
	}
	page_list_free(&all);
	if (rc == 0 && s->ops->synced && (rc = s->ops->synced(s->ctx, rev, err)) != 0)
		s->user_rc = rc;
	if (rc)
		return rc;
	s->next_rev = rev + 1;
	return 0;
}

static int sync_batch(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct sync_state *s = ctx;
	int rc = 0;
	int64_t last = 0;
	/* the events of one revision (a txn) share it and arrive in one message */
	for (size_t i = 0; i < r->nevents && !rc; i++) {
		int64_t rev = r->events[i].kv.mod_revision;
		if (rev < s->next_rev)
			continue; /* already delivered before a reconnect */
		rc = s->ops->event(s->ctx, &r->events[i], rev, err);
		last = rev;
	}
	if (last)
		s->next_rev = last + 1;
	if (!rc && !r->created && !r->canceled && r->nevents == 0 && r->revision >= s->next_rev)
		s->next_rev =
		    r->revision + 1; /* progress notification: nothing before it is missing */
	if (!rc && !r->canceled && s->ops->synced && (r->nevents || !r->created))
		rc = s->ops->synced(s->ctx, s->next_rev - 1, err);
	s->progressed = 1;
	if (rc)
		s->user_rc = rc;
	return rc;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int etcd_sync(struct etcd *e, const char *prefix, const struct etcd_sync_ops *ops, void *ctx,
	      struct sk_err *err)
{
	struct sync_state s = {.ops = ops, .ctx = ctx};
	int backoff = 100, need_list = 1;
	if (!*prefix || (unsigned char)prefix[strlen(prefix) - 1] == 0xff)
		return sk_fail(err, 0, "sync: prefix `%s` cannot be listed by pages", prefix);
	for (;;) {
		int rc = need_list ? sync_list(e, prefix, &s, err) : 0;
		if (s.user_rc)
			return s.user_rc;
		if (rc == 0) {
			need_list = 0;
			struct etcd_watch_req req = {.key = prefix,
						     .prefix = 1,
						     .start_revision = s.next_rev,
						     .progress_notify = 1};
			s.progressed = 0;
			rc = etcd_watch(e, &req, ops->liveness_ms, sync_batch, &s, err);
			if (s.user_rc)
				return s.user_rc;
			if (s.progressed)
				backoff = 100;
		}
		if (rc < 0 && err->cls == SK_ERR_COMPACTED) {
			need_list = 1;
			if (ops->trouble)
				ops->trouble(ctx, err);
			continue;
		}
		if (rc >= 0 || (err->cls != SK_ERR_NET && err->cls != SK_ERR_FAIL))
			return rc;
		if (ops->trouble)
			ops->trouble(ctx, err);
		sleep_ms(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
}
