/* The node over the node API: who it is (GET /v1/node), its kernel log
 * (GET /v1/node/dmesg, from /dev/kmsg, as `dmesg` prints it) and its live
 * state (GET /v1/node/top: load, CPU, memory, the data partition, and each
 * task's containers with their cgroup's CPU, memory and pids, CPU shares
 * measured over TOP_SAMPLE_MS). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "../runtime/runtime.h"
#include "agent_internal.h"
#include "api_internal.h"
#include "cleanup.h"
#include "driver.h"
#include "nodeinfo.h"
#include "scan.h"
#include "version.h"

#define TOP_SAMPLE_MS 250
#define DMESG_MAX     (2 << 20)

static int reply_json(struct api_conn *c, cJSON *j)
{
	char *text = cJSON_Print(j);
	int rc;

	cJSON_Delete(j);
	if (!text)
		return api_reply_error(c, 500, "out of memory");
	rc = api_reply(c, 200, "application/json", text, strlen(text));
	free(text);
	return rc;
}

int api_node_info(struct api_conn *c)
{
	cJSON *j = cJSON_CreateObject();
	struct utsname un;
	char boot[40] = "";

	uname(&un);
	nodeinfo_boot_id(boot, sizeof boot, &(struct sk_err){0});
	cJSON_AddStringToObject(j, "node", c->cfg->node_id);
	cJSON_AddStringToObject(j, "cluster", c->cfg->cluster);
	cJSON_AddStringToObject(j, "name", c->cfg->api.name);
	cJSON_AddStringToObject(j, "version", SKIFF_VERSION);
	cJSON_AddStringToObject(j, "kernel", un.release);
	cJSON_AddStringToObject(j, "bootId", boot);
	cJSON_AddStringToObject(j, "client", tls_conn_peer(c->tls)->cn);
	return reply_json(c, j);
}

/* ---- dmesg ---- */

/* "PRI,SEQ,USEC,FLAGS;text\n KEY=VALUE..." to "[   S.UUUUUU] text\n". */
static size_t kmsg_line(const char *rec, size_t len, char *out, size_t size)
{
	unsigned long long pri, seq, usec = 0;
	const char *semi = memchr(rec, ';', len), *end, *p = rec;

	/* rec is not NUL-terminated; each number stops at the ';' at the latest. */
	if (!semi || !sk_scan_ull(&p, &pri) || *p++ != ',' || !sk_scan_ull(&p, &seq) ||
	    *p++ != ',' || !sk_scan_ull(&p, &usec))
		return 0;
	end = memchr(semi, '\n', len - (size_t)(semi - rec));
	size_t tl = (size_t)((end ? end : rec + len) - semi - 1);
	int n = snprintf(out, size, "[%5llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000,
			 (int)tl, semi + 1);
	return n > 0 && (size_t)n < size ? (size_t)n : size - 1;
}

/* Every record now in the ring, formatted; *out is malloc'd. */
static size_t kmsg_read_all(int fd, char **out)
{
	char rec[8192];
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	for (ssize_t n; buf && len < DMESG_MAX;) {
		n = read(fd, rec, sizeof rec - 1);
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue; /* overwritten while we read: go on with the next */
		if (n <= 0)
			break;
		if (cap - len < sizeof rec + 32) {
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		len += kmsg_line(rec, (size_t)n, buf + len, cap - len);
	}
	*out = buf;
	return buf ? len : 0;
}

static const char *last_lines(const char *buf, size_t len, long tail)
{
	long seen = 0;

	if (tail < 0)
		return buf;
	if (tail == 0)
		return buf + len;
	for (const char *p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && p != buf + len && ++seen == tail)
			return p;
	return buf;
}

static int dmesg_follow(struct api_conn *c, int fd)
{
	char rec[8192], line[8300];

	for (;;) {
		int w = api_wait(c, fd, 60000);
		if (w < 0)
			return -1;
		for (ssize_t n; w > 0;) {
			n = read(fd, rec, sizeof rec - 1);
			if (n < 0 && errno == EPIPE)
				continue;
			if (n <= 0)
				break;
			size_t l = kmsg_line(rec, (size_t)n, line, sizeof line);
			if (l && api_stream_write(c, line, l) < 0)
				return -1;
		}
	}
}

int api_node_dmesg(struct api_conn *c)
{
	struct api_log_query q;
	SK_AUTOCLOSE int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	SK_AUTOFREE char *all = NULL;

	if (api_log_query(c, &q) < 0)
		return 0;
	if (fd < 0)
		return api_reply_error(c, 503, "kernel log: /dev/kmsg: %s", strerror(errno));
	size_t len = kmsg_read_all(fd, &all);
	const char *from = last_lines(all ? all : "", len, q.tail);
	if (api_stream_begin(c, "text/plain") < 0 ||
	    api_stream_write(c, from, len - (size_t)(from - (all ? all : ""))) < 0)
		return -1;
	if (q.follow && dmesg_follow(c, fd) < 0)
		return -1;
	return api_stream_end(c);
}

/* ---- top ---- */

static int read_small(const char *path, char *buf, size_t size)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? 0 : -1;
}

#define CG_NONE (-1) /* the file is not there or unreadable */
#define CG_MAX	(-2) /* "max": no limit */

static long long cgroup_value(const char *cg, const char *file, const char *key)
{
	char path[PATH_MAX], buf[4096];

	if ((size_t)snprintf(path, sizeof path, "/sys/fs/cgroup%s/%s", cg, file) >= sizeof path ||
	    read_small(path, buf, sizeof buf) < 0)
		return CG_NONE;
	if (!key)
		return strncmp(buf, "max", 3) ? atoll(buf) : CG_MAX;
	const char *p = strstr(buf, key);
	return p ? atoll(p + strlen(key)) : CG_NONE;
}

/* NAME: the value, null for no limit, absent when unknown. */
static void add_cg(cJSON *o, const char *name, long long v)
{
	if (v == CG_MAX)
		cJSON_AddNullToObject(o, name);
	else if (v >= 0)
		cJSON_AddNumberToObject(o, name, (double)v);
}

/* The cgroup v2 path of a process ("" when unknown). */
static void cgroup_of(pid_t pid, char *out, size_t size)
{
	char path[64], buf[PATH_MAX];

	out[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if (pid <= 0 || read_small(path, buf, sizeof buf) < 0)
		return;
	char *p = strstr(buf, "0::");
	if (!p)
		return;
	p[strcspn(p, "\n")] = '\0';
	snprintf(out, size, "%s", p + 3);
}

struct sample {
	char id[DRIVER_ID_MAX];
	char cgroup[PATH_MAX];
	long long usec0;
	cJSON *obj;
};

static long long node_cpu_ticks(long long *idle)
{
	char buf[512];
	long long v[8] = {0}, total = 0;
	const char *p = buf;
	int n = 0;

	if (read_small("/proc/stat", buf, sizeof buf) < 0 || strncmp(buf, "cpu", 3) != 0)
		return -1;
	for (p += 3; n < 8 && sk_scan_ll(&p, &v[n]); n++)
		;
	if (n < 4)
		return -1;
	for (int i = 0; i < 8; i++)
		total += v[i];
	*idle = v[3] + v[4];
	return total;
}

static cJSON *container_json(struct api_conn *c, const char *id, const char *name, struct sample *s)
{
	SK_AUTOFREE char *state = NULL;
	cJSON *o = cJSON_CreateObject(), *st = NULL;

	cJSON_AddStringToObject(o, "name", name);
	if (rt_state(&c->rt, id, &state, &(struct sk_err){0}) == 0)
		st = cJSON_Parse(state);
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(st, "status");
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(st, "pid");
	cJSON_AddStringToObject(o, "status",
				cJSON_IsString(status) ? status->valuestring : "absent");
	cJSON_AddNumberToObject(o, "pid", cJSON_IsNumber(pid) ? pid->valuedouble : 0);
	snprintf(s->id, sizeof s->id, "%s", id);
	cgroup_of(cJSON_IsNumber(pid) ? (pid_t)pid->valuedouble : 0, s->cgroup, sizeof s->cgroup);
	s->usec0 = s->cgroup[0] ? cgroup_value(s->cgroup, "cpu.stat", "usage_usec ") : -1;
	s->obj = o;
	if (s->cgroup[0]) {
		add_cg(o, "memoryBytes", cgroup_value(s->cgroup, "memory.current", NULL));
		add_cg(o, "memoryLimitBytes", cgroup_value(s->cgroup, "memory.max", NULL));
		add_cg(o, "pids", cgroup_value(s->cgroup, "pids.current", NULL));
	}
	cJSON_Delete(st);
	return o;
}

/* The tasks the agent last reported (its snapshot), with their containers. */
static cJSON *tasks_json(struct api_conn *c, struct sample *samples, size_t *n, size_t max)
{
	char path[PATH_MAX], id[DRIVER_ID_MAX];
	SK_AUTOFREE char *text = NULL;
	size_t len;
	cJSON *tasks = NULL, *t;

	snprintf(path, sizeof path, "%s/agent/tasks.json", c->cfg->run_dir);
	if (tls_read_file(path, 4 << 20, &text, &len, &(struct sk_err){0}) == 0)
		tasks = cJSON_Parse(text);
	if (!cJSON_IsArray(tasks)) {
		cJSON_Delete(tasks);
		return cJSON_CreateArray();
	}
	cJSON_ArrayForEach(t, tasks)
	{
		const char *task =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "task"));
		cJSON *cs = cJSON_GetObjectItemCaseSensitive(t, "containers"), *k, *live;
		live = cJSON_AddArrayToObject(t, "live");
		cJSON_ArrayForEach(k, cs)
		{
			const char *name =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "name"));
			if (!task || !name || *n == max)
				continue;
			driver_container_id(task, name, id);
			cJSON_AddItemToArray(live, container_json(c, id, name, &samples[(*n)++]));
		}
	}
	return tasks;
}

static void add_usage(cJSON *j, const struct agent_config *cfg)
{
	struct statvfs vfs;
	char buf[4096];
	cJSON *mem = cJSON_AddObjectToObject(j, "memory"), *disk;

	if (read_small("/proc/meminfo", buf, sizeof buf) == 0) {
		const char *t = strstr(buf, "MemTotal:"), *a = strstr(buf, "MemAvailable:");
		long long total = t ? atoll(t + 9) * 1024 : 0, avail = a ? atoll(a + 13) * 1024 : 0;
		cJSON_AddNumberToObject(mem, "totalBytes", (double)total);
		cJSON_AddNumberToObject(mem, "availableBytes", (double)avail);
	}
	disk = cJSON_AddObjectToObject(j, "disk");
	cJSON_AddStringToObject(disk, "path", cfg->data_dir);
	if (statvfs(cfg->data_dir, &vfs) == 0) {
		double f = (double)vfs.f_frsize;
		cJSON_AddNumberToObject(disk, "totalBytes", f * (double)vfs.f_blocks);
		cJSON_AddNumberToObject(disk, "usedBytes",
					f * (double)(vfs.f_blocks - vfs.f_bfree));
		cJSON_AddNumberToObject(disk, "availableBytes", f * (double)vfs.f_bavail);
	}
	if (read_small("/proc/loadavg", buf, sizeof buf) == 0) {
		double l[3] = {0};
		char *p = buf, *end;
		for (int i = 0; i < 3 && (l[i] = strtod(p, &end), end != p); i++)
			p = end;
		cJSON_AddItemToObject(j, "load", cJSON_CreateDoubleArray(l, 3));
	}
	if (read_small("/proc/uptime", buf, sizeof buf) == 0)
		cJSON_AddNumberToObject(j, "uptimeSeconds", atof(buf));
	cJSON_AddNumberToObject(j, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
}

static double percent(long long delta_usec, int ms)
{
	return delta_usec < 0 ? 0 : (double)delta_usec / 10.0 / ms;
}

int api_node_top(struct api_conn *c)
{
	static struct sample samples[256];
	struct timespec pause = {0, TOP_SAMPLE_MS * 1000000L};
	size_t n = 0;
	long long idle0, idle1, total0 = node_cpu_ticks(&idle0), total1;
	cJSON *j = cJSON_CreateObject();
	char now[40];

	sk_now_rfc3339(now, sizeof now, 0);
	cJSON_AddStringToObject(j, "node", c->cfg->node_id);
	cJSON_AddStringToObject(j, "time", now);
	add_usage(j, c->cfg);
	cJSON *tasks = tasks_json(c, samples, &n, sizeof samples / sizeof samples[0]);
	nanosleep(&pause, NULL);
	total1 = node_cpu_ticks(&idle1);
	if (total0 >= 0 && total1 > total0)
		cJSON_AddNumberToObject(j, "cpuPercent",
					100.0 * (double)((total1 - total0) - (idle1 - idle0)) /
					    (double)(total1 - total0));
	for (size_t i = 0; i < n; i++) {
		if (samples[i].usec0 < 0)
			continue;
		long long u = cgroup_value(samples[i].cgroup, "cpu.stat", "usage_usec ");
		if (u < 0)
			continue;
		cJSON_AddNumberToObject(samples[i].obj, "cpuUsec", (double)u);
		cJSON_AddNumberToObject(samples[i].obj, "cpuPercent",
					percent(u - samples[i].usec0, TOP_SAMPLE_MS));
	}
	cJSON_AddItemToObject(j, "tasks", tasks);
	return reply_json(c, j);
}
