/* skiffctl events [--follow] [--since REV]: the cluster's events (see
 * events.h) from one etcd watch of the cluster prefix with previous
 * values, from a revision on. Without --follow it prints what happened up
 * to now and exits; with it, it goes on (reconnecting from the last
 * revision seen if the stream breaks). A start revision etcd compacted
 * away is moved up to the oldest one it has, with a note. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "ctl.h"
#include "events.h"

#define DEFAULT_HISTORY	 1000 /* revisions shown without --since */
#define CATCH_UP_IDLE_MS 1500

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl events [-f|--follow] [--since REV]\n"
	      "  One line per task and node transition (created, placed, PULLING, RUNNING,\n"
	      "  UNHEALTHY, STOPPED with reason and exit code, node joined, lost, DRAINING):\n"
	      "  REVISION TIME OBJECT ID EVENT [on NODE] [: DETAIL]; -o json: one object a line.\n"
	      "  --since REV  from this etcd revision (default: the last 1000 revisions)\n"
	      "  --follow     keep watching\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

struct watch_ctx {
	struct ctl *c;
	int follow;
	int64_t until;	   /* without --follow: the store revision when we started */
	int64_t next;	   /* first revision not printed yet */
	int64_t compacted; /* the oldest revision etcd still has, when it said so */
	int created;
};

static void print(const struct ctl *c, const struct event *e)
{
	if (c->json) {
		cJSON *j = events_json(e);
		char *s = cJSON_PrintUnformatted(j);
		if (s)
			puts(s);
		free(s);
		cJSON_Delete(j);
	} else {
		printf("%lld %s %s %s %s%s%s%s%s\n", (long long)e->revision,
		       e->time[0] ? e->time : "-", e->object, e->id, e->what,
		       e->node[0] ? " on " : "", e->node, e->detail[0] ? ": " : "", e->detail);
	}
	fflush(stdout);
}

static int on_message(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct watch_ctx *w = ctx;
	struct event e;

	if (r->created)
		w->created = 1;
	if (r->canceled) {
		w->compacted = r->compact_revision;
		return 0; /* etcd_watch reports why */
	}
	/* One revision's events (a transaction's) come in one message. */
	int64_t last = 0;
	for (size_t i = 0; i < r->nevents; i++) {
		int64_t rev = r->events[i].kv.mod_revision;
		if (rev < w->next)
			continue;
		if (events_describe(w->c->prefix, &r->events[i], rev, &e))
			print(w->c, &e);
		last = rev;
	}
	if (last)
		w->next = last + 1;
	return !w->follow && w->next > w->until ? 1 : 0;
}

static int take_since(void *ctx, const char *v, struct sk_err *err)
{
	char *end;
	errno = 0;
	long long rev = strtoll(v, &end, 10);
	if (errno || end == v || *end || rev <= 0)
		return ctl_usage_error(err, "--since: expected a revision above 0, got `%s`", v);
	*(int64_t *)ctx = rev;
	return 0;
}

static int parse(int argc, char **argv, struct watch_ctx *w, int64_t *since, struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"-f", ARG_FLAG, &w->follow, NULL},
	    {"--follow", ARG_FLAG, &w->follow, NULL},
	    {"--since", ARG_FN, NULL, take_since},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	return sk_args(argc, argv, 1, "events", opts, since, NULL, 0, err);
}

static int64_t store_revision(struct ctl *c, struct sk_err *err)
{
	struct etcd_range_req req = {.key = c->prefix, .prefix = 1, .count_only = 1};
	struct etcd_range_resp r;
	int rc = etcd_range(c->etcd, &req, &r, err);

	if (rc < 0)
		return rc;
	int64_t rev = r.revision;
	etcd_range_resp_free(&r);
	return rev;
}

static int watch_once(struct watch_ctx *w, struct sk_err *err)
{
	struct etcd_watch_req req = {
	    .key = w->c->prefix, .prefix = 1, .start_revision = w->next, .prev_kv = 1};
	int rc = etcd_watch(w->c->etcd, &req, w->follow ? 0 : CATCH_UP_IDLE_MS, on_message, w, err);

	if (rc < 0 && err->cls == SK_ERR_COMPACTED && w->compacted > w->next) {
		fprintf(stderr, "skiffctl: events before revision %lld were compacted away\n",
			(long long)w->compacted);
		w->next = w->compacted;
		return 0;
	}
	return rc;
}

int cmd_events(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct watch_ctx w = {.c = c};
	int64_t since = 0, now;
	int rc;

	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if ((rc = parse(argc, argv, &w, &since, err)) < 0 || (rc = ctl_connect(c, err)) < 0)
		return rc;
	if ((now = store_revision(c, err)) < 0)
		return (int)now;
	w.until = now;
	w.next = since ? since : now > DEFAULT_HISTORY ? now - DEFAULT_HISTORY + 1 : 1;
	for (;;) {
		if (!w.follow && w.next > w.until)
			return 0;
		rc = watch_once(&w, err);
		if (rc > 0)
			return 0; /* caught up */
		int net = rc < 0 && err->cls == SK_ERR_NET;
		if (net && !w.follow && w.created)
			return 0; /* nothing more came: caught up */
		if (rc < 0 && (!net || !w.follow))
			return rc;
		if (net) {
			struct timespec pause = {1, 0};
			nanosleep(&pause, NULL);
		}
	}
}
