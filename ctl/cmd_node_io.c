/* skiffctl node logs | dmesg | top: through the node's API. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "napi.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl node logs ID [-f|--follow] [--tail N] [--addr HOST:PORT]\n"
	      "       skiffctl node dmesg ID [-f|--follow] [--tail N] [--addr HOST:PORT]\n"
	      "       skiffctl node top ID [--addr HOST:PORT]\n"
	      "  logs: the node's own log (init and its services, the agent), kept in a\n"
	      "  bounded ring on the node; dmesg: its kernel log; top: load, CPU, memory,\n"
	      "  the data partition and each task's containers (-o json for all of it).\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int print_chunk(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	fwrite(data, 1, len, stdout);
	fflush(stdout);
	return 0;
}

struct node_args {
	const char *node, *addr, *tail;
	int follow;
	char query[64];
};

static int take_tail(void *ctx, const char *v, struct sk_err *err)
{
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) >= 8)
		return ctl_usage_error(err, "--tail: expected a line count, got `%s`", v);
	((struct node_args *)ctx)->tail = v;
	return 0;
}

static int parse(int argc, char **argv, int stream, struct node_args *a, struct sk_err *err)
{
	char verb[32];
	const struct arg_opt stream_opts[] = {
	    {"-f", ARG_FLAG, &a->follow, NULL},	 {"--follow", ARG_FLAG, &a->follow, NULL},
	    {"--tail", ARG_FN, NULL, take_tail}, {"--addr", ARG_STR, &a->addr, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	const struct arg_opt *opts = stream ? stream_opts : stream_opts + 3;

	snprintf(verb, sizeof verb, "node %s", argv[1]);
	if (sk_args(argc, argv, 2, verb, opts, a, &a->node, 1, err) < 0 ||
	    sk_args_need(verb, "node", a->node, err) < 0)
		return -1;
	size_t n = 0;
	if (a->follow)
		n += (size_t)snprintf(a->query + n, sizeof a->query - n, "&follow=1");
	if (a->tail)
		n += (size_t)snprintf(a->query + n, sizeof a->query - n, "&tail=%s", a->tail);
	if (n)
		a->query[0] = '?';
	return 0;
}

/* GET PATH from the node; the body goes to fn. */
static int get(struct ctl *c, const struct node_args *a, const char *path, http_body_fn fn,
	       void *ctx, struct sk_err *err)
{
	struct http_response *resp = calloc(1, sizeof *resp);
	struct napi_target t;
	struct napi *n = NULL;
	char target[200];
	int rc;

	if (!resp)
		return -1;
	snprintf(target, sizeof target, "%s%s", path, a->query);
	if ((rc = napi_target_node(c, a->node, a->addr, &t, err)) == 0 &&
	    (rc = napi_open(c, &t, &n, err)) == 0 &&
	    (rc = napi_request(n, "GET", target, NULL, NULL, resp, err)) == 0)
		rc = resp->status == 200 ? napi_body(n, resp, fn, ctx, err)
					 : napi_error(n, resp, err);
	napi_close(n);
	free(resp);
	return rc;
}

int cmd_node_logs(struct ctl *c, int argc, char **argv, int dmesg, struct sk_err *err)
{
	struct node_args a = {0};
	int rc;

	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if ((rc = parse(argc, argv, 1, &a, err)) < 0)
		return rc;
	return get(c, &a, dmesg ? "/v1/node/dmesg" : "/v1/node/logs", print_chunk, NULL, err);
}

/* ---- top ---- */

struct text {
	char *p;
	size_t len;
};

static int gather(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct text *t = ctx;
	char *p;

	if (t->len + len > (8 << 20) || !(p = realloc(t->p, t->len + len + 1)))
		return sk_fail(err, 0, "node top: answer too large");
	t->p = p;
	memcpy(t->p + t->len, data, len);
	t->len += len;
	t->p[t->len] = '\0';
	return 0;
}

static void human(double bytes, char *buf, size_t size)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (bytes >= 1024 && u < 4)
		bytes /= 1024, u++;
	snprintf(buf, size, u ? "%.1f%s" : "%.0f%s", bytes, units[u]);
}

static void print_node(const cJSON *j)
{
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(j, "memory");
	const cJSON *disk = cJSON_GetObjectItemCaseSensitive(j, "disk");
	const cJSON *load = cJSON_GetObjectItemCaseSensitive(j, "load");
	char used[32], total[32], dused[32], dtotal[32];
	double mt = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(mem, "totalBytes"));
	double ma = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(mem, "availableBytes"));

	human(mt - ma, used, sizeof used);
	human(mt, total, sizeof total);
	human(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(disk, "usedBytes")), dused,
	      sizeof dused);
	human(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(disk, "totalBytes")), dtotal,
	      sizeof dtotal);
	printf("node %s  up %.0fs  cpus %.0f  cpu %.1f%%  load %.2f %.2f %.2f\n",
	       json_record_str(j, "node"),
	       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "uptimeSeconds")),
	       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "cpus")),
	       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "cpuPercent")),
	       cJSON_GetNumberValue(cJSON_GetArrayItem(load, 0)),
	       cJSON_GetNumberValue(cJSON_GetArrayItem(load, 1)),
	       cJSON_GetNumberValue(cJSON_GetArrayItem(load, 2)));
	printf("memory %s used of %s  disk %s: %s used of %s\n\n", used, total,
	       json_record_str(disk, "path"), dused, dtotal);
}

static void task_rows(struct table *tb, const cJSON *task)
{
	const cJSON *live = cJSON_GetObjectItemCaseSensitive(task, "live"), *k;

	cJSON_ArrayForEach(k, live)
	{
		char cpu[16] = "-", mem[32] = "-", lim[32] = "-", pids[16] = "-";
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(k, "memoryBytes");
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(k, "memoryLimitBytes");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(k, "cpuPercent");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(k, "pids");
		if (cJSON_IsNumber(c))
			snprintf(cpu, sizeof cpu, "%.1f", c->valuedouble);
		if (cJSON_IsNumber(m) && m->valuedouble >= 0)
			human(m->valuedouble, mem, sizeof mem);
		if (cJSON_IsNumber(l) && l->valuedouble >= 0)
			human(l->valuedouble, lim, sizeof lim);
		else if (cJSON_IsNull(l))
			snprintf(lim, sizeof lim, "none");
		if (cJSON_IsNumber(p) && p->valuedouble >= 0)
			snprintf(pids, sizeof pids, "%.0f", p->valuedouble);
		table_row(tb, json_record_str(task, "task"), json_record_str(task, "status"),
			  json_record_str(k, "name"), json_record_str(k, "status"), cpu, mem, lim,
			  pids);
	}
}

int cmd_node_top(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static const char *const h[] = {"TASK", "STATUS", "CONTAINER", "STATE",
					"CPU%", "MEMORY", "LIMIT",     "PIDS"};
	struct node_args a = {0};
	struct text body = {0};
	int rc;

	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if ((rc = parse(argc, argv, 0, &a, err)) < 0 ||
	    (rc = get(c, &a, "/v1/node/top", gather, &body, err)) < 0) {
		free(body.p);
		return rc;
	}
	cJSON *j = cJSON_Parse(body.p ? body.p : "");
	free(body.p);
	if (!j)
		return sk_fail(err, 0, "node %s: top: the answer is not JSON", a.node);
	if (c->json) {
		ctl_print_json(j);
	} else {
		struct table *tb = table_new(8, h);
		const cJSON *t;
		print_node(j);
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "tasks"))
		    task_rows(tb, t);
		table_print(tb, stdout);
		table_free(tb);
	}
	cJSON_Delete(j);
	return 0;
}
