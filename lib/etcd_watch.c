/* Streaming watch: the incremental parser for the gateway's stream of JSON
 * objects, one watch per connection, and list+watch (etcd_sync) with the
 * revision bookkeeping that makes every event arrive exactly once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "etcd_internal.h"

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
	int code; /* why the stream stopped: callback value or ETCD_E* */
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
		sk_fail(err, 0, "watch: revision compacted (oldest kept: %lld)",
			(long long)r->compact_revision);
		return w->code = ETCD_ECOMPACTED;
	}
	sk_fail(err, 0, "watch canceled: %s", r->cancel_reason ? r->cancel_reason : "no reason");
	return w->code = ETCD_EFAIL;
}

static int on_body(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct watch_state *w = ctx;
	int rc = etcd_watch_parser_feed(&w->parser, data, len, err);
	if (rc < 0 && !w->code)
		w->code = ETCD_EFAIL;
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

int etcd_watch(struct etcd *e, const struct etcd_watch_req *req, int idle_timeout_ms,
	       etcd_watch_fn fn, void *ctx, struct sk_err *err)
{
	cJSON *body = watch_body(req);
	struct http_client *http = NULL;
	if (!body)
		return sk_fail(err, ENOMEM, "watch %s", req->key);
	int rc =
	    etcd_stream_open(e, "/v3/watch", body,
			     idle_timeout_ms > 0 ? idle_timeout_ms : 24 * 3600 * 1000, &http, err);
	cJSON_Delete(body);
	if (rc < 0)
		return sk_wrap(err, "watch %s", req->key), rc;
	struct watch_state w = {.fn = fn, .ctx = ctx};
	etcd_watch_parser_init(&w.parser, on_message, &w);
	rc = http_body_read(http, on_body, &w, err);
	etcd_watch_parser_free(&w.parser);
	http_client_free(http);
	if (w.code)
		return w.code;
	if (rc == 0)
		sk_fail(err, 0, "watch %s: stream ended", req->key);
	return ETCD_ENET;
}

/* ---- list + watch ---- */

struct sync_state {
	const struct etcd_sync_ops *ops;
	void *ctx;
	int64_t next_rev; /* first revision not yet delivered */
	int user_rc;	  /* a callback's nonzero return */
	int progressed;
};

static int sync_list(struct etcd *e, const char *prefix, struct sync_state *s, struct sk_err *err)
{
	struct etcd_range_req req = {.key = prefix, .prefix = 1};
	struct etcd_range_resp r;
	int rc = etcd_range(e, &req, &r, err);
	if (rc < 0)
		return rc;
	int64_t rev = r.revision;
	rc = s->ops->reset(s->ctx, r.kvs, r.nkvs, rev, err);
	if (!rc && s->ops->synced)
		rc = s->ops->synced(s->ctx, rev, err);
	etcd_range_resp_free(&r);
	if (rc)
		return s->user_rc = rc;
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
	for (;;) {
		int rc = need_list ? sync_list(e, prefix, &s, err) : 0;
		if (s.user_rc)
			return s.user_rc;
		if (rc == 0) {
			need_list = 0;
			struct etcd_watch_req req = {.key = prefix,
						     .prefix = 1,
						     .start_revision = s.next_rev,
						     .prev_kv = 1,
						     .progress_notify = 1};
			s.progressed = 0;
			rc = etcd_watch(e, &req, 15 * 60 * 1000, sync_batch, &s, err);
			if (s.user_rc)
				return s.user_rc;
			if (s.progressed)
				backoff = 100;
		}
		if (rc == ETCD_ECOMPACTED) {
			need_list = 1;
			if (ops->trouble)
				ops->trouble(ctx, rc, err);
			continue;
		}
		if (rc != ETCD_ENET && rc != ETCD_EFAIL)
			return rc;
		if (ops->trouble)
			ops->trouble(ctx, rc, err);
		sleep_ms(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
}
