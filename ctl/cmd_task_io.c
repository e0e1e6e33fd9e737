/* skiffctl task logs | task exec: through the API of the node the task
 * was placed on. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static int logs_args(int argc, char **argv, char *target, size_t size, const char **task,
		     const char **addr, int *timestamps, struct sk_err *err)
{
	char q[600] = "";
	size_t n = 0;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long since = 0;
		if (!strcmp(a, "-f") || !strcmp(a, "--follow"))
			n += (size_t)snprintf(q + n, sizeof q - n, "&follow=1");
		else if (!strcmp(a, "-t") || !strcmp(a, "--timestamps"))
			*timestamps = 1;
		else if (!strcmp(a, "--tail") && v && strspn(v, "0123456789") == strlen(v) && *v)
			n += (size_t)snprintf(q + n, sizeof q - n, "&tail=%s", argv[++i]);
		else if (!strcmp(a, "--since") && v) {
			if (parse_since(argv[++i], &since, err) < 0)
				return sk_class(err, SK_ERR_USAGE);
			n += (size_t)snprintf(q + n, sizeof q - n, "&since=%lld", since);
		} else if (!strcmp(a, "--container") && v &&
			   strspn(v, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789-_") == strlen(v))
			n += (size_t)snprintf(q + n, sizeof q - n, "&container=%s", argv[++i]);
		else if (!strcmp(a, "--addr") && v)
			*addr = argv[++i];
		else if (a[0] != '-' && !*task)
			*task = a;
		else
			return ctl_usage_error(err, "task logs: bad argument `%s`", a);
	}
	if (!*task)
		return ctl_usage_error(err, "task logs: which task?");
	snprintf(target, size, "/v1/tasks/%s/logs%s%s", *task, n ? "?" : "", n ? q + 1 : "");
	return 0;
}

int cmd_task_logs(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static struct printer p;
	struct http_response *resp = calloc(1, sizeof *resp);
	struct napi_target t;
	struct napi *n = NULL;
	const char *task = NULL, *addr = NULL;
	char target[900];
	int rc;

	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return free(resp), usage_logs(stdout, err);
	if (!resp)
		return -1;
	p.at_line_start[0] = p.at_line_start[1] = 1;
	if ((rc = logs_args(argc, argv, target, sizeof target, &task, &addr, &p.timestamps, err)) <
		0 ||
	    (rc = napi_target_task(c, task, addr, &t, err)) < 0 ||
	    (rc = napi_open(c, &t, &n, err)) < 0 ||
	    (rc = napi_request(n, "GET", target, NULL, NULL, resp, err)) < 0)
		goto out;
	rc = resp->status == 200 ? napi_body(n, resp, on_chunk, &p, err) : napi_error(n, resp, err);
out:
	napi_close(n);
	free(resp);
	return rc;
}

int cmd_task_exec(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct napi_exec x = {0};
	struct napi_target t;
	struct napi *n = NULL;
	const char *task = NULL, *addr = NULL;
	int i, rc, status = 0;

	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (ctl_is_help(a))
			return usage_exec(stdout, err);
		if (a[0] == '-' && a[1] != '-' && strspn(a + 1, "it") == strlen(a + 1) && a[1]) {
			x.interactive |= strchr(a, 'i') != NULL;
			x.tty |= strchr(a, 't') != NULL;
		} else if (!strcmp(a, "--container") && v) {
			x.container = argv[++i];
		} else if ((!strcmp(a, "-e") || !strcmp(a, "--env")) && v && strchr(v, '=') &&
			   x.nenv < NAPI_EXEC_MAX_ENV) {
			x.env[x.nenv++] = argv[++i];
		} else if ((!strcmp(a, "-u") || !strcmp(a, "--user")) && v) {
			x.user = argv[++i];
		} else if ((!strcmp(a, "-w") || !strcmp(a, "--workdir")) && v) {
			x.workdir = argv[++i];
		} else if (!strcmp(a, "--addr") && v) {
			addr = argv[++i];
		} else if (a[0] != '-' && !task) {
			task = a;
		} else {
			return ctl_usage_error(err, "task exec: bad argument `%s`", a);
		}
	}
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
