/* skiffctl task logs | task exec: through the API of the node the task
 * was placed on. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "crilog.h"
#include "napi.h"

static int usage_logs(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl task logs ID [--container C] [-f|--follow] [--tail N] [--since T]\n"
	      "                         [-t|--timestamps] [--addr HOST:PORT]\n"
	      "  A task's container output (stdout to stdout, stderr to stderr), as the node\n"
	      "  keeps it: also after the task stopped, for the node's latest tasks.\n"
	      "  --container  which container (needed when the task has several)\n"
	      "  --follow     keep printing new output until the container stops\n"
	      "  --tail N     only the last N lines\n"
	      "  --since T    lines from a time on: 10s, 5m, 2h, 1d ago, or RFC 3339\n"
	      "  --timestamps each line with the time the node read it\n"
	      "  --addr       the node API at HOST:PORT instead of the node record's address\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int usage_exec(FILE *f, struct sk_err *err)
{
	fputs(
	    "usage: skiffctl task exec ID [--container C] [-i] [-t] [-e NAME=VALUE]...\n"
	    "                         [-u UID[:GID]] [-w DIR] [--addr HOST:PORT] -- CMD [ARG...]\n"
	    "  Runs CMD in the task's running container; its exit status becomes skiffctl's.\n"
	    "  -i  send this terminal's stdin to the command\n"
	    "  -t  a terminal for the command (with -i when stdin is a terminal: -it)\n"
	    "  -e, --env NAME=VALUE  more environment (repeatable)\n"
	    "  -u, --user UID[:GID]  run as this user (default: the container's)\n"
	    "  -w, --workdir DIR     start in DIR (default: the container's)\n",
	    f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

/* "30s", "5m", "2h", "1d" ago, or an RFC 3339 time: seconds since the epoch. */
static int parse_since(const char *s, long long *out, struct sk_err *err)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t ns;

	if (end != s && v >= 0 && end[0] && !end[1] && strchr("smhd", *end)) {
		long long mult = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
		*out = (long long)time(NULL) - v * mult;
		return 0;
	}
	if ((ns = crilog_parse_time(s, strlen(s))) < 0)
		return ctl_usage_error(err, "--since %s: expected 10s, 5m, 2h, 1d or RFC 3339", s);
	*out = ns / 1000000000;
	return 0;
}

/* CRI records to this process's stdout and stderr. */
struct printer {
	int timestamps;
	int at_line_start[2];
	char line[16384 + 128];
	size_t len;
};

static void print_record(struct printer *p, const char *rec, size_t len)
{
	struct crilog_rec r;

	if (crilog_parse(rec, len, &r) < 0)
		return;
	FILE *f = r.err ? stderr : stdout;
	if (p->timestamps && p->at_line_start[r.err]) {
		const char *sp = memchr(rec, ' ', len); /* after the time: crilog_parse found it */
		fprintf(f, "%.*s ", (int)(sp - rec), rec);
	}
	fwrite(r.text, 1, r.len, f);
	if (!r.partial)
		fputc('\n', f);
	p->at_line_start[r.err] = !r.partial;
	if (r.err)
		fflush(stderr);
}

static int on_chunk(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct printer *p = ctx;
	const char *d = data;

	for (size_t i = 0; i < len; i++) {
		if (d[i] == '\n') {
			print_record(p, p->line, p->len);
			p->len = 0;
		} else if (p->len < sizeof p->line) {
			p->line[p->len++] = d[i];
		}
	}
	fflush(stdout);
	return 0;
}

struct logs_args {
	const char *task, *addr, *tail, *container;
	int follow, timestamps, has_since;
	long long since;
};

static int take_tail(void *ctx, const char *v, struct sk_err *err)
{
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return ctl_usage_error(err, "--tail: expected a line count, got `%s`", v);
	((struct logs_args *)ctx)->tail = v;
	return 0;
}

static int take_since(void *ctx, const char *v, struct sk_err *err)
{
	struct logs_args *a = ctx;
	a->has_since = 1;
	return parse_since(v, &a->since, err);
}

static int take_container(void *ctx, const char *v, struct sk_err *err)
{
	if (strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
	    strlen(v))
		return ctl_usage_error(err, "--container: `%s` is not a container name", v);
	((struct logs_args *)ctx)->container = v;
	return 0;
}

static int logs_args(int argc, char **argv, char *target, size_t size, struct logs_args *a,
		     struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"-f", ARG_FLAG, &a->follow, NULL},
	    {"--follow", ARG_FLAG, &a->follow, NULL},
	    {"-t", ARG_FLAG, &a->timestamps, NULL},
	    {"--timestamps", ARG_FLAG, &a->timestamps, NULL},
	    {"--tail", ARG_FN, NULL, take_tail},
	    {"--since", ARG_FN, NULL, take_since},
	    {"--container", ARG_FN, NULL, take_container},
	    {"--addr", ARG_STR, &a->addr, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	char q[600] = "";
	size_t n = 0;

	if (sk_args(argc, argv, 2, "task logs", opts, a, &a->task, 1, err) < 0 ||
	    sk_args_need("task logs", "task", a->task, err) < 0)
		return -1;
	if (a->follow)
		n += (size_t)snprintf(q + n, sizeof q - n, "&follow=1");
	if (a->tail)
		n += (size_t)snprintf(q + n, sizeof q - n, "&tail=%s", a->tail);
	if (a->has_since)
		n += (size_t)snprintf(q + n, sizeof q - n, "&since=%lld", a->since);
	if (a->container)
		n += (size_t)snprintf(q + n, sizeof q - n, "&container=%s", a->container);
	snprintf(target, size, "/v1/tasks/%s/logs%s%s", a->task, n ? "?" : "", n ? q + 1 : "");
	return 0;
}

int cmd_task_logs(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static struct printer p;
	struct http_response *resp = calloc(1, sizeof *resp);
	struct napi_target t;
	struct napi *n = NULL;
	struct logs_args a = {0};
	char target[900];
	int rc;

	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return free(resp), usage_logs(stdout, err);
	if (!resp)
		return -1;
	p.at_line_start[0] = p.at_line_start[1] = 1;
	if ((rc = logs_args(argc, argv, target, sizeof target, &a, err)) < 0 ||
	    (rc = napi_target_task(c, a.task, a.addr, &t, err)) < 0 ||
	    (rc = napi_open(c, &t, &n, err)) < 0 ||
	    (rc = napi_request(n, "GET", target, NULL, NULL, resp, err)) < 0)
		goto out;
	p.timestamps = a.timestamps;
	rc = resp->status == 200 ? napi_body(n, resp, on_chunk, &p, err) : napi_error(n, resp, err);
out:
	napi_close(n);
	free(resp);
	return rc;
}

static int take_env(void *ctx, const char *v, struct sk_err *err)
{
	struct napi_exec *x = ctx;
	if (!strchr(v, '='))
		return ctl_usage_error(err, "--env: expected NAME=VALUE, got `%s`", v);
	if (x->nenv >= NAPI_EXEC_MAX_ENV)
		return ctl_usage_error(err, "--env: at most %d", NAPI_EXEC_MAX_ENV);
	x->env[x->nenv++] = v;
	return 0;
}

/* ID and options before "--", then the command; returns the index of "--". */
static int exec_args(int argc, char **argv, struct napi_exec *x, const char **task,
		     const char **addr, struct sk_err *err)
{
	int it = 0, dd = 2;
	const struct arg_opt opts[] = {
	    {"-i", ARG_FLAG, &x->interactive, NULL},
	    {"-t", ARG_FLAG, &x->tty, NULL},
	    {"-it", ARG_FLAG, &it, NULL},
	    {"-ti", ARG_FLAG, &it, NULL},
	    {"--container", ARG_STR, &x->container, NULL},
	    {"-e", ARG_FN, NULL, take_env},
	    {"--env", ARG_FN, NULL, take_env},
	    {"-u", ARG_STR, &x->user, NULL},
	    {"--user", ARG_STR, &x->user, NULL},
	    {"-w", ARG_STR, &x->workdir, NULL},
	    {"--workdir", ARG_STR, &x->workdir, NULL},
	    {"--addr", ARG_STR, addr, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};

	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	if (sk_args(dd, argv, 2, "task exec", opts, x, task, 1, err) < 0)
		return -1;
	x->interactive |= it;
	x->tty |= it;
	return dd;
}

int cmd_task_exec(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct napi_exec x = {0};
	struct napi_target t;
	struct napi *n = NULL;
	const char *task = NULL, *addr = NULL;
	int i, rc, status = 0;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (ctl_is_help(argv[i]))
			return usage_exec(stdout, err);
	if ((i = exec_args(argc, argv, &x, &task, &addr, err)) < 0)
		return -1;
	if (!task || i + 1 >= argc) {
		usage_exec(stderr, err);
		return ctl_usage_error(err, "task exec: expected ID -- CMD [ARG...]");
	}
	x.argv = argv + i + 1;
	if (x.tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "skiffctl: stdin is not a terminal: running without one\n");
		x.tty = 0;
	}
	if ((rc = napi_target_task(c, task, addr, &t, err)) < 0 ||
	    (rc = napi_open(c, &t, &n, err)) < 0 ||
	    (rc = napi_exec_run(n, task, &x, &status, err)) < 0) {
		napi_close(n);
		return rc;
	}
	napi_close(n);
	return status;
}
