/* Logs over the node API: a container's CRI-format log (GET
 * /v1/tasks/T/logs) and the node's own log (GET /v1/node/logs), with
 * `tail` (the last N lines), `since` (records at or after a time; CRI logs
 * only) and `follow` (keep the stream open and send new lines as they are
 * written; for a container, until it has stopped and everything is
 * sent). New lines are noticed through inotify on the log's directory,
 * with a once-a-second check for a stopped container. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "api_internal.h"
#include "cleanup.h"
#include "crilog.h"
#include "driver.h"
#include "logfiles.h"
#include "taskdef.h"

struct stream {
	struct api_conn *c;
	const struct api_log_query *q;
	int cri;
	long count, skip;
	int broken;
	char out[32768];
	size_t out_len;
};

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "") || !strcmp(v, "1") || !strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int parse_since(const char *v, int64_t *ns)
{
	char *end;
	long long secs = strtoll(v, &end, 10);

	if (*v && !*end && secs >= 0) {
		*ns = (int64_t)secs * 1000000000;
		return 0;
	}
	*ns = crilog_parse_time(v, strlen(v));
	return *ns < 0 ? -1 : 0;
}

static int parse_param(const struct api_param *p, struct api_log_query *q)
{
	char *end;

	if (!strcmp(p->name, "tail")) {
		q->tail = strtol(p->value, &end, 10);
		return *p->value && !*end && q->tail >= 0 && q->tail <= 1000000 ? 0 : -1;
	}
	if (!strcmp(p->name, "since"))
		return parse_since(p->value, &q->since_ns);
	if (!strcmp(p->name, "follow"))
		return parse_bool(p->value, &q->follow);
	return strcmp(p->name, "container") == 0 ? 0 : -2;
}

int api_log_query(struct api_conn *c, struct api_log_query *q)
{
	q->tail = -1;
	q->since_ns = 0;
	q->follow = 0;
	for (size_t i = 0; i < c->req.nparams; i++) {
		int rc = parse_param(&c->req.params[i], q);
		if (rc == -2)
			return api_reply_error(c, 400, "unknown parameter %s",
					       c->req.params[i].name),
			       -1;
		if (rc < 0)
			return api_reply_error(c, 400, "bad %s: %s", c->req.params[i].name,
					       c->req.params[i].value),
			       -1;
	}
	return 0;
}

/* ---- the stream ---- */

static int flush_out(struct stream *s)
{
	if (s->out_len && api_stream_write(s->c, s->out, s->out_len) < 0)
		s->broken = 1;
	s->out_len = 0;
	return s->broken ? -1 : 0;
}

/* Is the record in range, and does it end a line (counts for tail)? */
static int wanted(const struct stream *s, const char *line, size_t len, int *ends_line)
{
	struct crilog_rec r;

	*ends_line = 1;
	if (!s->cri)
		return 1;
	if (crilog_parse(line, len, &r) < 0)
		return 0;
	*ends_line = !r.partial;
	return r.ns >= s->q->since_ns;
}

static int count_line(void *ctx, const char *line, size_t len)
{
	struct stream *s = ctx;
	int ends;

	if (wanted(s, line, len, &ends) && ends)
		s->count++;
	return 0;
}

static int send_line(void *ctx, const char *line, size_t len)
{
	struct stream *s = ctx;
	int ends;

	if (!wanted(s, line, len, &ends))
		return 0;
	if (s->skip > 0) {
		s->skip -= ends;
		return 0;
	}
	if (len + 1 > sizeof s->out - s->out_len && flush_out(s) < 0)
		return -1;
	if (len + 1 > sizeof s->out)
		len = sizeof s->out - 1;
	memcpy(s->out + s->out_len, line, len);
	s->out[s->out_len + len] = '\n';
	s->out_len += len + 1;
	return 0;
}

/* What is there now: the last `tail` lines of it. */
static int send_existing(struct stream *s, struct logreader *r, const char *path)
{
	if (s->q->tail >= 0) {
		static struct logreader counter;
		logreader_open(&counter, path);
		logreader_lines(&counter, count_line, s);
		logreader_close(&counter);
		s->skip = s->count > s->q->tail ? s->count - s->q->tail : 0;
	}
	if (logreader_lines(r, send_line, s) < 0)
		return -1;
	return flush_out(s);
}

static int watch_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (fd >= 0 && inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

int api_container_running(struct api_conn *c, const char *id)
{
	SK_AUTOFREE char *json = NULL;
	struct sk_err err = {0};
	int running = 0;

	if (rt_state(&c->rt, id, &json, &err) < 0)
		return 0;
	cJSON *j = cJSON_Parse(json);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (cJSON_IsString(st))
		running =
		    !strcmp(st->valuestring, "running") || !strcmp(st->valuestring, "created");
	cJSON_Delete(j);
	return running;
}

/* Sends new lines as they come; for a container (ID set), ends once it
 * no longer runs and its log is read to the end. */
static int follow(struct stream *s, struct logreader *r, const char *path, const char *id)
{
	SK_AUTOCLOSE int in = watch_dir(path);

	for (;;) {
		int w = api_wait(s->c, in, 1000);
		if (w < 0)
			return -1;
		if (w > 0)
			drain(in);
		int gone = id && !api_container_running(s->c, id);
		if (logreader_lines(r, send_line, s) < 0 || flush_out(s) < 0)
			return -1;
		if (gone)
			return 0;
	}
}

static int stream_log(struct api_conn *c, const struct api_log_query *q, const char *path, int cri,
		      const char *id)
{
	static struct stream s;
	static struct logreader r;

	memset(&s, 0, offsetof(struct stream, out));
	s.c = c;
	s.q = q;
	s.cri = cri;
	if (api_stream_begin(c, cri ? "text/plain; format=cri" : "text/plain") < 0)
		return -1;
	logreader_open(&r, path);
	int rc = send_existing(&s, &r, path);
	if (rc == 0 && q->follow)
		rc = follow(&s, &r, path, id);
	logreader_close(&r);
	return rc < 0 ? -1 : api_stream_end(c);
}

/* ---- endpoints ---- */

/* The container WANT (NULL: the task's only one): its name into NAME.
 * Every container the node started has a log directory, named after it,
 * under the task's (kept after the task stopped). Replies on failure. */
int api_pick_container(struct api_conn *c, const char *task, const char *want, char *name,
		       size_t size)
{
	char dir[PATH_MAX], list[400] = "";
	struct dirent *de;
	int n = 0;

	if (want) {
		if (!taskdef_valid_name(want) || strlen(want) >= size)
			return api_reply_error(c, 400, "bad container name"), -1;
		snprintf(name, size, "%s", want);
		return 0;
	}
	if (logfiles_task_dir(c->cfg, task, dir, sizeof dir) < 0)
		return api_reply_error(c, 400, "bad task id"), -1;
	DIR *d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || strlen(de->d_name) >= size)
			continue;
		snprintf(name, size, "%s", de->d_name);
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.60s",
			 n++ ? ", " : "", name);
	}
	if (d)
		closedir(d);
	if (n == 0)
		return api_reply_error(c, 404, "task %s has no containers on this node", task), -1;
	if (n > 1)
		return api_reply_error(c, 400, "task %s has containers %s: choose one (container=)",
				       task, list),
		       -1;
	return 0;
}

int api_task_logs(struct api_conn *c, const char *task)
{
	struct api_log_query q;
	char name[TD_NAME_MAX + 1], path[PATH_MAX], id[DRIVER_ID_MAX];

	if (api_log_query(c, &q) < 0 ||
	    api_pick_container(c, task, api_param(&c->req, "container"), name, sizeof name) < 0)
		return 0;
	if (logfiles_container(c->cfg, task, name, path, sizeof path) < 0)
		return api_reply_error(c, 400, "task or container name too long");
	driver_container_id(task, name, id);
	if (access(path, F_OK) < 0 && !api_container_running(c, id))
		return api_reply_error(c, 404, "no logs of container %s of task %s on this node",
				       name, task);
	return stream_log(c, &q, path, 1, id);
}

int api_node_logs(struct api_conn *c)
{
	struct api_log_query q;
	char path[PATH_MAX], dir[PATH_MAX];

	if (api_log_query(c, &q) < 0)
		return 0;
	if (q.since_ns)
		return api_reply_error(c, 400, "since: only for task logs");
	logfiles_console(c->cfg, path, sizeof path);
	snprintf(dir, sizeof dir, "%s/log", c->cfg->run_dir);
	if (access(dir, F_OK) < 0)
		return api_reply_error(c, 404, "no node log here (%s: kept by skiff-init)", path);
	return stream_log(c, &q, path, 0, NULL);
}
