/* The lifecycle verbs on a container that exists or is being made:
 * create, start, kill, delete, state, list (run, create and start in one,
 * is in run.c; see runtime.h). */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "container.h"
#include "monitor.h"
#include "state.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int make_fifo(struct container *c, struct sk_err *err)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/exec.fifo", c->dir);
	if (mkfifo(path, 0600) < 0)
		return sk_fail(err, errno, "mkfifo %s", path);
	/* Read-write so that opening does not block; the container reads it. */
	c->fifo_fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return sk_fail(err, errno, "open %s", path);
	return 0;
}

int container_apply_opts(struct container *c, const struct rt_create_opts *o, int detached,
			 struct sk_err *err)
{
	c->console_socket = o->console_socket;
	c->inherit_stdio = o->inherit_stdio;
	c->spec.process.preserve_fds = o->preserve_fds;
	if (c->spec.process.terminal && detached && !o->console_socket)
		return sk_fail(err, 0,
			       "config.json: process.terminal: a detached container needs "
			       "--console-socket to hand its pty to");
	if (!c->spec.process.terminal && o->console_socket)
		return sk_fail(err, 0,
			       "--console-socket: process.terminal is false, there is no pty");
	return 0;
}

int rt_create(const struct rt_global *g, const char *id, const struct rt_create_opts *o,
	      struct sk_err *err)
{
	struct container c;
	int rc = -1;

	if (container_prepare(g, id, o->bundle, &c, err) < 0) {
		container_free(&c);
		return -1;
	}
	c.mode = SPAWN_CREATE;
	if (container_apply_opts(&c, o, 1, err) == 0 && make_fifo(&c, err) == 0 &&
	    monitor_create(&c, err) == 0)
		rc = rt_write_pid(o->pid_file, c.pid, err);
	else
		state_remove_dir(c.dir, NULL);
	container_free(&c);
	return rc;
}

int rt_start(const struct rt_global *g, const char *id, struct sk_err *err)
{
	struct rt_state st;
	char fifo[PATH_MAX + 16];

	if (state_load(g, id, &st, err) < 0)
		return -1;
	const char *status = state_status(&st);
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st.dir);
	int fd =
	    strcmp(status, "created") == 0 ? open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
	if (fd < 0) {
		state_free(&st);
		return sk_fail(err, 0, "container %s is %s, not created", id,
			       strcmp(status, "created") == 0 ? "stopped" : status);
	}
	int rc = write(fd, "0", 1) == 1 ? 0 : sk_fail(err, errno, "write %s", fifo);
	close(fd);
	unlink(fifo);
	if (rc == 0) {
		struct oci_spec spec;
		char *text = NULL;
		if (oci_spec_load(st.dir, &spec, NULL, NULL) == 0) {
			text = state_oci_json(&st);
			if (hooks_run(&spec, HOOK_POSTSTART, text, err) < 0)
				sk_warn("%s", err->msg);
			oci_spec_free(&spec);
		}
		free(text);
	}
	state_free(&st);
	return rc;
}

static int wait_gone(pid_t pid, unsigned long long start, int ms)
{
	struct timespec tick = {0, 1000 * 1000};

	for (int i = 0; i < ms; i++) {
		if (pid <= 0 || start == 0 || rt_proc_start_time(pid) != start)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

int rt_kill(const struct rt_global *g, const char *id, int sig, int all, struct sk_err *err)
{
	struct rt_state st;
	int rc = 0;

	if (state_load(g, id, &st, err) < 0)
		return -1;
	if (strcmp(state_status(&st), "stopped") == 0)
		rc = sk_fail(err, 0, "container %s is not running", id);
	else if (all && st.cgroup[0])
		rc = cgroup2_kill(st.cgroup, sig, err);
	else if (kill(st.pid, sig) < 0)
		rc = sk_fail(err, errno, "kill %d", (int)st.pid);
	state_free(&st);
	return rc;
}

static void run_poststop(const struct rt_state *st)
{
	struct oci_spec spec;
	struct sk_err err = {0};

	if (oci_spec_load(st->dir, &spec, NULL, NULL) < 0)
		return;
	char *text = state_oci_json(st);
	if (hooks_run(&spec, HOOK_POSTSTOP, text, &err) < 0)
		sk_warn("%s", err.msg);
	free(text);
	oci_spec_free(&spec);
}

static int destroy(const struct rt_state *st, struct sk_err *err)
{
	/* start_time 0: the process had already exited when its state was saved. */
	if (st->pid > 0 && st->start_time && rt_proc_start_time(st->pid) == st->start_time) {
		kill(st->pid, SIGKILL);
		if (wait_gone(st->pid, st->start_time, 5000) < 0)
			return sk_fail(err, 0, "container process %d does not die", (int)st->pid);
	}
	/* Let the monitor record the exit before the directory goes. */
	wait_gone(st->monitor_pid, st->monitor_start, 5000);
	if (st->cgroup[0] && cgroup2_destroy(st->cgroup, err) < 0)
		return -1;
	run_poststop(st);
	return state_remove_dir(st->dir, err);
}

int rt_delete(const struct rt_global *g, const char *id, int force, struct sk_err *err)
{
	struct rt_state st;
	struct sk_err local = {0};

	if (!err)
		err = &local;
	/* As runc and crun: forcing the delete of what is not there is done. */
	if (state_load(g, id, &st, err) < 0)
		return force && err->errnum == ENOENT ? 0 : -1;
	const char *status = state_status(&st);
	int rc;
	if (strcmp(status, "running") == 0 && !force)
		rc = sk_fail(err, 0, "container %s is running: kill it first or use --force", id);
	else
		rc = destroy(&st, err);
	state_free(&st);
	return rc;
}

int rt_state(const struct rt_global *g, const char *id, char **json, struct sk_err *err)
{
	struct rt_state st;

	if (state_load(g, id, &st, err) < 0)
		return -1;
	*json = state_oci_json(&st);
	state_free(&st);
	return *json ? 0 : sk_fail(err, ENOMEM, "state");
}

static void list_one(const struct rt_global *g, const char *id, FILE *out, int quiet, cJSON *arr)
{
	struct rt_state st;

	if (state_load(g, id, &st, NULL) < 0)
		return;
	if (quiet) {
		fprintf(out, "%s\n", id);
	} else if (arr) {
		char *s = state_oci_json(&st);
		cJSON_AddItemToArray(arr, cJSON_Parse(s));
		free(s);
	} else {
		const char *status = state_status(&st);
		cJSON *created = cJSON_GetObjectItem(st.json, "created");
		fprintf(out, "%-20s %-8d %-10s %-40s %s\n", id,
			strcmp(status, "stopped") ? (int)st.pid : 0, status, st.bundle,
			cJSON_IsString(created) ? created->valuestring : "");
	}
	state_free(&st);
}

int rt_list(const struct rt_global *g, FILE *out, int quiet, int json, struct sk_err *err)
{
	const char *root = g->root ? g->root : RT_DEFAULT_ROOT;
	DIR *d = opendir(root);
	struct dirent *e;
	cJSON *arr = json ? cJSON_CreateArray() : NULL;

	if (!d && errno != ENOENT)
		return sk_fail(err, errno, "open %s", root);
	if (!quiet && !json)
		fprintf(out, "%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE",
			"CREATED");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			list_one(g, e->d_name, out, quiet, arr);
	if (d)
		closedir(d);
	if (arr) {
		char *s = cJSON_Print(arr);
		fprintf(out, "%s\n", s);
		free(s);
		cJSON_Delete(arr);
	}
	return 0;
}
