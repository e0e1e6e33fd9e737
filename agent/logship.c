/* The log shipper's process (see logship.h): one poll loop over inotify
 * (new lines in the followed logs), the collectors' sockets and a 1 s
 * tick that rescans what is to be shipped and saves how far each log was
 * read (<run>/logship/console.pos for the node's log, container.pos beside
 * a container's), so that a restarted shipper neither repeats nor skips
 * lines. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "clock.h"
#include "agent_internal.h"
#include "cleanup.h"
#include "crilog.h"
#include "logconf.h"
#include "logship_internal.h"
#include "mkdir_p.h"
#include "runtime/util.h"
#include "scan.h"

#define WATCH_EVENTS (IN_MODIFY | IN_CREATE | IN_MOVED_TO)

struct ls_source {
	int seen, cri, dest, facility;
	char key[400]; /* "node" or "<task>/<container>" */
	char path[PATH_MAX];
	char pos_path[PATH_MAX];
	char app[49], task[128], container[TD_NAME_MAX + 1];
	struct logreader *r;
	ino_t saved_ino;
	off_t saved_off;
};

struct shipper {
	const struct agent_config *cfg;
	char hostname[65];
	struct ls_dest dests[LS_MAX_DESTS];
	int ndests;
	struct ls_source *src[LS_MAX_SOURCES]; /* allocated as logs appear */
	int inotify;
};

/* ---- destinations ---- */

static int dest_for(struct shipper *sh, const char *address, const char *ca_file)
{
	struct sk_err err = {0};

	for (int i = 0; i < sh->ndests; i++)
		if (!strcmp(sh->dests[i].address, address))
			return i;
	if (sh->ndests == LS_MAX_DESTS) {
		agent_log("log shipper: more than %d collectors, %s ignored", LS_MAX_DESTS,
			  address);
		return -1;
	}
	if (ls_dest_init(&sh->dests[sh->ndests], address, ca_file,
			 (size_t)sh->cfg->syslog.buffer_kib * 1024, &err) < 0) {
		agent_log("log shipper: %s", err.msg);
		return -1;
	}
	return sh->ndests++;
}

/* ---- positions ---- */

static void load_pos(struct ls_source *s)
{
	char buf[64];
	unsigned long long ino = 0;
	long long off = 0;
	ssize_t n = sk_read_small(s->pos_path, buf, sizeof buf);
	const char *p = buf;
	if (n > 0 && sk_scan_ull(&p, &ino) && sk_scan_ll(&p, &off)) {
		logreader_resume(s->r, s->path, (ino_t)ino, (off_t)off);
		s->saved_ino = (ino_t)ino;
		s->saved_off = (off_t)off;
	} else {
		logreader_open(s->r, s->path);
	}
}

static void save_pos(struct ls_source *s)
{
	ino_t ino;
	off_t off;
	char buf[64];

	if (logreader_position(s->r, &ino, &off) < 0 ||
	    (ino == s->saved_ino && off == s->saved_off))
		return;
	snprintf(buf, sizeof buf, "%llu %lld\n", (unsigned long long)ino, (long long)off);
	if (sk_write_atomic(s->pos_path, buf, strlen(buf), &(struct sk_err){0}) == 0) {
		s->saved_ino = ino;
		s->saved_off = off;
	}
}

/* ---- sources ---- */

/* The source with KEY, or the slot for a new one (NULL: all taken). */
static struct ls_source **find_source(struct shipper *sh, const char *key)
{
	struct ls_source **free_slot = NULL;

	for (int i = 0; i < LS_MAX_SOURCES; i++) {
		if (sh->src[i] && !strcmp(sh->src[i]->key, key))
			return &sh->src[i];
		if (!sh->src[i] && !free_slot)
			free_slot = &sh->src[i];
	}
	return free_slot;
}

static void add_source(struct shipper *sh, const struct ls_source *want)
{
	struct ls_source **slot = find_source(sh, want->key), *s;

	if (!slot)
		return;
	if ((s = *slot)) {
		s->seen = 1;
		s->dest = want->dest;
		return;
	}
	if (!(s = malloc(sizeof *s)))
		return;
	*s = *want;
	if (!(s->r = malloc(sizeof *s->r))) {
		free(s);
		return;
	}
	s->seen = 1;
	load_pos(s);
	*slot = s;
}

static void drop_source(struct ls_source **slot)
{
	logreader_close((*slot)->r);
	free((*slot)->r);
	free(*slot);
	*slot = NULL;
}

static void node_source(struct shipper *sh)
{
	const struct agent_syslog_config *c = &sh->cfg->syslog;
	struct ls_source s = {.facility = 3};
	char dir[PATH_MAX];

	if (!c->address[0] || (s.dest = dest_for(sh, c->address, c->ca_file)) < 0)
		return;
	snprintf(s.key, sizeof s.key, "node");
	logfiles_console(sh->cfg, s.path, sizeof s.path);
	snprintf(dir, sizeof dir, "%.256s/logship", sh->cfg->run_dir);
	sk_mkdir_p(dir, 0755, &(struct sk_err){0});
	snprintf(s.pos_path, sizeof s.pos_path, "%.3000s/console.pos", dir);
	snprintf(s.app, sizeof s.app, "%.48s", c->tag);
	snprintf(dir, sizeof dir, "%s/log", sh->cfg->run_dir);
	inotify_add_watch(sh->inotify, dir, WATCH_EVENTS);
	add_source(sh, &s);
}

/* The settings logship_container_config wrote for a container; 0 if none. */
static int container_settings(struct shipper *sh, const char *dir, const char *name,
			      struct ls_source *s)
{
	SK_AUTOFREE char *text = NULL;
	char path[PATH_MAX];
	cJSON *j;

	if ((size_t)snprintf(path, sizeof path, "%s/" LOGSHIP_SETTINGS, dir) >= sizeof path)
		return 0;
	if (sk_read_file(path, 8192, &text, NULL, &(struct sk_err){0}) < 0 ||
	    !(j = cJSON_Parse(text)))
		return 0;
	const char *addr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "address"));
	const char *ca = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "ca_file"));
	const char *tag = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "tag"));
	const cJSON *fac = cJSON_GetObjectItemCaseSensitive(j, "facility");
	s->dest = addr ? dest_for(sh, addr, ca) : -1;
	snprintf(s->app, sizeof s->app, "%.48s", tag ? tag : name);
	s->facility = cJSON_IsNumber(fac) ? (int)fac->valuedouble : 3;
	cJSON_Delete(j);
	return s->dest >= 0;
}

/* DIR is <data>/logs/TASK/CONTAINER. */
static void container_source(struct shipper *sh, const char *task, const char *container,
			     const char *dir)
{
	const struct agent_syslog_config *c = &sh->cfg->syslog;
	struct ls_source s = {.cri = 1, .facility = 3};

	if (strlen(container) >= sizeof s.container)
		return;
	snprintf(s.container, sizeof s.container, "%s", container);
	snprintf(s.task, sizeof s.task, "%.127s", task);
	if (!container_settings(sh, dir, s.container, &s)) {
		if (!c->containers || !c->address[0] ||
		    (s.dest = dest_for(sh, c->address, c->ca_file)) < 0)
			return;
		snprintf(s.app, sizeof s.app, "%.48s", s.container);
	}
	snprintf(s.key, sizeof s.key, "%.127s/%.255s", task, s.container);
	if ((size_t)snprintf(s.path, sizeof s.path, "%s/" LOGS_FILE, dir) >= sizeof s.path ||
	    (size_t)snprintf(s.pos_path, sizeof s.pos_path, "%s/" LOGSHIP_POSITION, dir) >=
		sizeof s.pos_path)
		return;
	add_source(sh, &s);
}

static void scan_task(struct shipper *sh, const char *task, const char *dir)
{
	char cdir[PATH_MAX];
	struct dirent *de;
	DIR *t = opendir(dir);

	while (t && (de = readdir(t))) {
		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(cdir, sizeof cdir, "%s/%s", dir, de->d_name) >= sizeof cdir)
			continue;
		inotify_add_watch(sh->inotify, cdir, WATCH_EVENTS);
		container_source(sh, task, de->d_name, cdir);
	}
	if (t)
		closedir(t);
}

static void scan_tasks(struct shipper *sh)
{
	char root[PATH_MAX], dir[PATH_MAX];
	struct dirent *de;

	snprintf(root, sizeof root, "%s/logs", sh->cfg->data_dir);
	inotify_add_watch(sh->inotify, root, IN_CREATE | IN_MOVED_TO);
	DIR *d = opendir(root);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 128 ||
		    (size_t)snprintf(dir, sizeof dir, "%s/%s", root, de->d_name) >= sizeof dir)
			continue;
		inotify_add_watch(sh->inotify, dir, IN_CREATE | IN_MOVED_TO);
		scan_task(sh, de->d_name, dir);
	}
	if (d)
		closedir(d);
}

static void scan(struct shipper *sh)
{
	for (int i = 0; i < LS_MAX_SOURCES; i++)
		if (sh->src[i])
			sh->src[i]->seen = 0;
	node_source(sh);
	scan_tasks(sh);
	for (int i = 0; i < LS_MAX_SOURCES; i++) {
		if (sh->src[i] && !sh->src[i]->seen)
			drop_source(&sh->src[i]);
		else if (sh->src[i])
			save_pos(sh->src[i]);
	}
}

/* ---- lines to messages ---- */

static int64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads as far as DIGITS decimal digits (0: no limit) after an optional
 * sign, the way scanf's %d does after its white space. Returns where it
 * stopped, or NULL when no digit came before END. */
static const char *stamp_number(const char *p, const char *end, int width, long long *out)
{
	unsigned long long v = 0;
	int neg = 0, digits = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-', width--;
	for (; p < end && isdigit((unsigned char)*p) && (width <= 0 || digits < width); digits++)
		v = v * 10 + (unsigned)(*p++ - '0');
	*out = (long long)(neg ? 0 - v : v);
	return digits ? p : NULL;
}

size_t logship_console_stamp(const char *text, size_t len, long long *s, int *ms)
{
	const char *p = text, *end = text + len;
	long long frac;

	if (p == end || *p++ != '[' || !(p = stamp_number(p, end, 0, s)) || p == end ||
	    *p++ != '.' || !(p = stamp_number(p, end, 3, &frac)) || p == end || *p++ != ']')
		return 0;
	*ms = (int)frac;
	return (size_t)(p - text);
}

/* "[   S.mmm] text": the stamp counts from boot (CLOCK_MONOTONIC). */
static int64_t console_time(const char **text, size_t *len)
{
	struct timespec mono;
	long long s = 0;
	int ms = 0;
	size_t n = logship_console_stamp(*text, *len, &s, &ms);

	if (!n)
		return realtime_us();
	*text += n;
	*len -= n;
	while (*len && **text == ' ')
		(*text)++, (*len)--;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t boot = realtime_us() - ((int64_t)mono.tv_sec * 1000000 + mono.tv_nsec / 1000);
	return boot + s * 1000000 + ms * 1000;
}

struct line_ctx {
	struct shipper *sh;
	struct ls_source *s;
};

static int ship_line(void *ctx, const char *line, size_t len)
{
	struct line_ctx *lc = ctx;
	struct ls_source *s = lc->s;
	struct syslog_msg m = {.facility = s->facility,
			       .severity = SYSLOG_INFO,
			       .hostname = lc->sh->hostname,
			       .app = s->app};
	struct crilog_rec r;
	char frame[SYSLOG_MAX_FRAME];

	if (s->cri) {
		if (crilog_parse(line, len, &r) < 0)
			return 0;
		m.time_us = r.ns / 1000;
		m.severity = r.err ? SYSLOG_ERR : SYSLOG_INFO;
		m.msgid = r.err ? "stderr" : "stdout";
		m.text = r.text;
		m.text_len = r.len;
		m.sd_name[0] = "task", m.sd_value[0] = s->task;
		m.sd_name[1] = "container", m.sd_value[1] = s->container;
		m.sd_name[2] = "node", m.sd_value[2] = lc->sh->cfg->node_id;
		m.nsd = 3;
	} else {
		m.text = line;
		m.text_len = len;
		m.time_us = console_time(&m.text, &m.text_len);
		m.sd_name[0] = "node", m.sd_value[0] = lc->sh->cfg->node_id;
		m.nsd = 1;
	}
	size_t n = syslog_frame(&m, frame, sizeof frame);
	if (n)
		ls_dest_push(&lc->sh->dests[s->dest], frame, n);
	return 0;
}

static void read_sources(struct shipper *sh)
{
	for (int i = 0; i < LS_MAX_SOURCES; i++) {
		struct line_ctx lc = {sh, sh->src[i]};
		if (sh->src[i])
			logreader_lines(sh->src[i]->r, ship_line, &lc);
	}
}

/* ---- the loop ---- */

static int poll_timeout(struct shipper *sh, int64_t now, int64_t next_scan)
{
	int t = next_scan > now ? (int)(next_scan - now) : 0;

	for (int i = 0; i < sh->ndests; i++) {
		int d = ls_dest_timeout(&sh->dests[i], now);
		if (d >= 0 && d < t)
			t = d;
	}
	return t;
}

static void __attribute__((noreturn)) shipper_main(const struct agent_config *cfg)
{
	static struct shipper sh;
	struct pollfd p[2 + LS_MAX_DESTS];
	sigset_t set;
	int64_t next_scan = 0;
	char buf[4096];

	sh.cfg = cfg;
	gethostname(sh.hostname, sizeof sh.hostname - 1);
	sh.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	p[0] = (struct pollfd){.fd = sh.inotify, .events = POLLIN};
	p[1] = (struct pollfd){.fd = signalfd(-1, &set, SFD_CLOEXEC), .events = POLLIN};
	for (;;) {
		int64_t now = sk_now_ms();
		if (now >= next_scan) {
			scan(&sh);
			next_scan = now + 1000;
		}
		read_sources(&sh);
		for (int i = 0; i < sh.ndests; i++)
			p[2 + i] = (struct pollfd){.fd = sh.dests[i].fd,
						   .events = ls_dest_events(&sh.dests[i])};
		for (int i = 0; i < sh.ndests; i++)
			ls_dest_step(&sh.dests[i], 0, sh.hostname, now);
		if (poll(p, 2 + (nfds_t)sh.ndests, poll_timeout(&sh, sk_now_ms(), next_scan)) < 0 &&
		    errno != EINTR)
			_exit(1);
		if (p[1].revents)
			_exit(0);
		while (p[0].revents && read(sh.inotify, buf, sizeof buf) > 0)
			;
		read_sources(&sh);
		for (int i = 0; i < sh.ndests; i++)
			ls_dest_step(&sh.dests[i], p[2 + i].revents, sh.hostname, sk_now_ms());
	}
}

pid_t logship_spawn(const struct agent_config *cfg, struct sk_err *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return sk_fail(err, errno, "log shipper: fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		prctl(PR_SET_NAME, "skiff-agent-log");
		syscall(SYS_close_range, 3U, ~0U, 0U);
		shipper_main(cfg);
	}
	return pid;
}

/* ---- what the agent writes for a container ---- */

int logship_container_config(const char *dir, const struct td_container *c, struct sk_err *err)
{
	struct logconf_syslog sl;
	char path[PATH_MAX];
	int rc;

	if ((size_t)snprintf(path, sizeof path, "%s/" LOGSHIP_SETTINGS, dir) >= sizeof path)
		return sk_fail(err, 0, "%s: path too long", dir);
	if ((rc = logconf_syslog(c->log_configuration, &sl, err)) <= 0) {
		unlink(path);
		return rc < 0 ? sk_wrap(err, "container %s: logConfiguration", c->name) : 0;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "address", sl.address);
	cJSON_AddStringToObject(j, "tag", sl.tag[0] ? sl.tag : c->name);
	cJSON_AddNumberToObject(j, "facility", sl.facility);
	if (sl.ca_file[0])
		cJSON_AddStringToObject(j, "ca_file", sl.ca_file);
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	rc = text ? sk_write_atomic(path, text, strlen(text), err)
		  : sk_fail(err, ENOMEM, "%s", path);
	free(text);
	return rc;
}
