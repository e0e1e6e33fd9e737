/* Container state on disk (see state.h). */
#define _GNU_SOURCE
#include "state.h"
#include "cleanup.h"
#include "util.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "json_get.h"

int state_dir(const struct rt_global *g, const char *id, char *buf, size_t size, struct sk_err *err)
{
	size_t n = strlen(id);

	if (n == 0 || n >= 256 ||
	    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", id[0]) ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") != n)
		return sk_fail(err, 0, "invalid container id \"%s\"", id);
	snprintf(buf, size, "%s/%s", g->root ? g->root : RT_DEFAULT_ROOT, id);
	return 0;
}

static cJSON *base_json(const struct container *c, const char *status)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "ociVersion", "1.0.2");
	cJSON_AddStringToObject(j, "id", c->id);
	if (status)
		cJSON_AddStringToObject(j, "status", status);
	cJSON_AddNumberToObject(j, "pid", c->pid);
	cJSON_AddStringToObject(j, "bundle", c->bundle);
	cJSON_AddStringToObject(j, "rootfs", c->rootfs);
	cJSON_AddStringToObject(j, "created", c->created);
	cJSON_AddItemToObject(j, "annotations",
			      c->spec.annotations ? cJSON_Duplicate(c->spec.annotations, 1)
						  : cJSON_CreateObject());
	return j;
}

char *state_hook_json(const struct container *c, const char *status)
{
	cJSON *j = base_json(c, status);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

int state_save(const struct container *c, struct sk_err *err)
{
	char path[PATH_MAX + 16];
	cJSON *j = base_json(c, NULL);

	cJSON_AddNumberToObject(j, "startTime", (double)rt_proc_start_time(c->pid));
	cJSON_AddStringToObject(j, "cgroupPath", c->cgroup);
	cJSON_AddNumberToObject(j, "monitorPid", c->monitor_pid);
	cJSON_AddNumberToObject(j, "monitorStartTime",
				c->monitor_pid ? (double)rt_proc_start_time(c->monitor_pid) : 0);
	SK_AUTOFREE char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	snprintf(path, sizeof path, "%s/state.json", c->dir);
	return sk_write_atomic(path, s, strlen(s), err);
}

int state_load(const struct rt_global *g, const char *id, struct rt_state *st, struct sk_err *err)
{
	char path[PATH_MAX + 16];
	SK_AUTOFREE char *text = NULL;

	memset(st, 0, sizeof *st);
	if (state_dir(g, id, st->dir, sizeof st->dir, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/state.json", st->dir);
	if (access(st->dir, F_OK) < 0) {
		sk_fail(err, 0, "container %s does not exist", id);
		if (err)
			err->errnum = ENOENT; /* delete --force takes this as done */
		return -1;
	}
	if (sk_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return -1;
	st->json = cJSON_Parse(text);
	if (!cJSON_IsObject(st->json))
		return sk_fail(err, 0, "%s: not valid JSON", path);
	st->id = json_record_str(st->json, "id");
	st->bundle = json_record_str(st->json, "bundle");
	st->cgroup = json_record_str(st->json, "cgroupPath");
	st->pid = (pid_t)json_record_int(st->json, "pid", 0);
	st->start_time = (unsigned long long)json_record_int(st->json, "startTime", 0);
	st->monitor_pid = (pid_t)json_record_int(st->json, "monitorPid", 0);
	st->monitor_start = (unsigned long long)json_record_int(st->json, "monitorStartTime", 0);
	return 0;
}

void state_free(struct rt_state *st)
{
	cJSON_Delete(st->json);
	st->json = NULL;
}

static cJSON *load_exit(const char *dir)
{
	char path[PATH_MAX + 16];
	SK_AUTOFREE char *text = NULL;

	snprintf(path, sizeof path, "%s/exit.json", dir);
	if (sk_read_file(path, 4096, &text, NULL, NULL) < 0)
		return NULL;
	return cJSON_Parse(text);
}

const char *state_status(const struct rt_state *st)
{
	char fifo[PATH_MAX + 16];
	struct stat sb;

	snprintf(fifo, sizeof fifo, "%s/exit.json", st->dir);
	if (stat(fifo, &sb) == 0 || st->pid <= 0)
		return "stopped";
	if (!st->start_time || rt_proc_start_time(st->pid) != st->start_time)
		return "stopped";
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st->dir);
	return stat(fifo, &sb) == 0 ? "created" : "running";
}

static void add_exit(cJSON *out, const char *dir)
{
	cJSON *ex = load_exit(dir), *it;

	cJSON_ArrayForEach(it, ex) cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, 1));
	cJSON_Delete(ex);
}

char *state_oci_json(const struct rt_state *st)
{
	static const char *const order[] = {"ociVersion", "id",	    NULL,      "pid",
					    "bundle",	  "rootfs", "created", "annotations"};
	const char *status = state_status(st);
	cJSON *out = cJSON_CreateObject();

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!order[i]) {
			cJSON_AddStringToObject(out, "status", status);
			continue;
		}
		cJSON *v = cJSON_GetObjectItemCaseSensitive(st->json, order[i]);
		if (strcmp(order[i], "pid") == 0 && strcmp(status, "stopped") == 0)
			cJSON_AddNumberToObject(out, "pid", 0);
		else if (v)
			cJSON_AddItemToObject(out, order[i], cJSON_Duplicate(v, 1));
	}
	if (strcmp(status, "stopped") == 0)
		add_exit(out, st->dir);
	char *s = cJSON_Print(out);
	cJSON_Delete(out);
	return s;
}

int state_exit_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

int state_record_exit(const char *dir, int wstatus, long oom_kills, struct sk_err *err)
{
	char path[PATH_MAX + 16], finished[64];
	cJSON *j = cJSON_CreateObject();

	sk_now_rfc3339(finished, sizeof finished, 1);
	cJSON_AddNumberToObject(j, "exitCode", state_exit_code(wstatus));
	if (WIFSIGNALED(wstatus))
		cJSON_AddStringToObject(j, "exitSignal", rt_signal_name(WTERMSIG(wstatus)));
	cJSON_AddBoolToObject(j, "oomKilled", oom_kills > 0);
	cJSON_AddStringToObject(j, "finished", finished);
	SK_AUTOFREE char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	snprintf(path, sizeof path, "%s/exit.json", dir);
	return sk_write_atomic(path, s, strlen(s), err);
}

int state_remove_dir(const char *dir, struct sk_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!d)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "open %s", dir);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", dir);
	return 0;
}
