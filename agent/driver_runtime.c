/* The driver through the runtime and image libraries, in-process: the
 * container lifecycle from runtime/runtime.h, ids, listing, exec.
 *
 * Paths: <run>/runtime (runtime state), <run>/netns/<id> (a container's
 * network namespace on the bridge), <run>/tasks/<task-id> (the task's),
 * <data>/bundles/<id> (config.json + the rootfs overlay mount),
 * <data>/volumes, <data>/logs/<task-id>/<container>/. */
#include "mkdir_p.h"
#include "driver_internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/image_internal.h"
#include "cleanup.h"
#include "netns.h"

void driver_join(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		buf[0] = '\0';
}

static int make_dirs(struct driver *d, struct sk_err *err)
{
	const char *dirs[] = {d->rt_root, d->netns, d->bundles, d->tasks, d->volumes, d->logs};

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (sk_mkdir_p(dirs[i], 0755, err) < 0)
			return -1;
	return 0;
}

static void set_paths(struct driver *d, const struct agent_config *cfg)
{
	snprintf(d->rt_root, sizeof d->rt_root, "%s/runtime", cfg->run_dir);
	snprintf(d->netns, sizeof d->netns, "%s/netns", cfg->run_dir);
	snprintf(d->tasks, sizeof d->tasks, "%s/tasks", cfg->run_dir);
	snprintf(d->bundles, sizeof d->bundles, "%s/bundles", cfg->data_dir);
	snprintf(d->volumes, sizeof d->volumes, "%s/volumes", cfg->data_dir);
	snprintf(d->logs, sizeof d->logs, "%s/logs", cfg->data_dir);
	snprintf(d->data, sizeof d->data, "%s", cfg->data_dir);
	if (!realpath("/proc/self/exe", d->self))
		d->self[0] = '\0';
}

int driver_open(const struct agent_config *cfg, struct driver **out, struct sk_err *err)
{
	struct driver *d = calloc(1, sizeof *d);
	struct statfs fs;

	if (!d)
		return sk_fail(err, errno, "driver");
	set_paths(d, cfg);
	d->rt.root = d->rt_root;
	d->img.data_dir = d->data;
	for (size_t i = 0; i < cfg->n_registries; i++)
		d->insecure[i] = cfg->insecure_registries[i];
	d->img.insecure = d->insecure;
	d->br.name = cfg->bridge_name[0] ? cfg->bridge_name : NULL;
	if (cfg->bridge_subnet[0] &&
	    netcfg_prefix_parse(cfg->bridge_subnet, true, &d->br.subnet) < 0) {
		free(d);
		return sk_fail(err, 0, "bridge subnet %s: expected an address/length",
			       cfg->bridge_subnet);
	}
	/* A node has cgroup v2 (init mounts it); a plain host may not, and
	 * then tasks still run, without limits. */
	d->limits =
	    statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == 0x63677270; /* CGROUP2_SUPER_MAGIC */
	if (!d->limits)
		sk_warn("no cgroup v2 file system at /sys/fs/cgroup: memory and CPU limits are not "
			"enforced");
	if (make_dirs(d, err) < 0) {
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void driver_close(struct driver *d)
{
	free(d);
}

/* Names too long for the runtime keep their start and get a hash. */
void driver_container_id(const char *task, const char *name, char buf[DRIVER_ID_MAX])
{
	uint32_t h = 2166136261u;
	size_t room;

	if (strlen(task) + 1 + strlen(name) < DRIVER_ID_MAX) {
		snprintf(buf, DRIVER_ID_MAX, "%s.%s", task, name);
		return;
	}
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	room = DRIVER_ID_MAX - strlen(task) - 11;
	snprintf(buf, DRIVER_ID_MAX, "%s.%.*s+%08x", task, (int)(room > 0 ? room : 0), name,
		 (unsigned)h);
}

void driver_task_dir(const struct driver *d, const char *task_id, char *buf, size_t size)
{
	driver_join(buf, size, d->tasks, task_id);
}

void driver_log_dir(const struct driver *d, const char *task_id, char *buf, size_t size)
{
	driver_join(buf, size, d->logs, task_id);
}

/* The newest modification under a task's log directory (its files). */
static time_t last_write(const char *dir, int depth)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	time_t newest = stat(dir, &st) == 0 ? st.st_mtime : 0;

	while (dp && (de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		driver_join(path, sizeof path, dir, de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		time_t t =
		    S_ISDIR(st.st_mode) && depth < 2 ? last_write(path, depth + 1) : st.st_mtime;
		newest = t > newest ? t : newest;
	}
	if (dp)
		closedir(dp);
	return newest;
}

void driver_logs_sweep(struct driver *d, int (*keep)(void *ctx, const char *task_id), void *ctx,
		       int max_age_s)
{
	DIR *dp = opendir(d->logs);
	struct dirent *de;
	char path[PATH_MAX];
	time_t now = time(NULL);

	while (dp && (de = readdir(dp))) {
		if (de->d_name[0] == '.' || keep(ctx, de->d_name))
			continue;
		driver_join(path, sizeof path, d->logs, de->d_name);
		if (now - last_write(path, 0) >= max_age_s)
			remove_tree_at(AT_FDCWD, path, NULL);
	}
	if (dp)
		closedir(dp);
}

static enum container_status parse_status(const char *s)
{
	if (!strcmp(s, "created"))
		return CONTAINER_CREATED;
	if (!strcmp(s, "running"))
		return CONTAINER_RUNNING;
	return CONTAINER_STOPPED;
}

int driver_state(struct driver *d, const char *id, struct container_state *st, struct sk_err *err)
{
	SK_AUTOFREE char *json = NULL;
	char dir[PATH_MAX];
	cJSON *j;
	const cJSON *v;

	memset(st, 0, sizeof *st);
	driver_join(dir, sizeof dir, d->rt_root, id);
	if (access(dir, F_OK) < 0) {
		st->status = CONTAINER_ABSENT;
		return 0;
	}
	if (rt_state(&d->rt, id, &json, err) < 0)
		return sk_wrap(err, "state of %s", id);
	if (!(j = cJSON_Parse(json)))
		return sk_fail(err, 0, "state of %s: not JSON", id);
	v = cJSON_GetObjectItemCaseSensitive(j, "status");
	st->status = parse_status(cJSON_IsString(v) ? v->valuestring : "stopped");
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "pid")))
		st->pid = (pid_t)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "exitCode")))
		st->exit_code = (int)v->valuedouble, st->exit_known = 1;
	else if (st->status == CONTAINER_STOPPED)
		st->exit_code = 128 + SIGKILL; /* gone without a record */
	st->oom_killed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "oomKilled"));
	cJSON_Delete(j);
	return 0;
}

int driver_kill(struct driver *d, const char *id, int sig, struct sk_err *err)
{
	if (rt_kill(&d->rt, id, sig, 1, err) < 0)
		return sk_wrap(err, "signal %d to %s", sig, id);
	return 0;
}

int driver_exec(struct driver *d, const char *id, char **argv, int *status, struct sk_err *err)
{
	struct rt_exec_opts o = {.args = argv};

	if (rt_exec(&d->rt, id, &o, status, err) < 0)
		return sk_wrap(err, "exec in %s", id);
	return 0;
}

int driver_remove(struct driver *d, const char *id, struct sk_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct sk_err e2 = {0};
	int rc = 0;

	if (!err)
		err = &e2;
	driver_join(dir, sizeof dir, d->rt_root, id);
	if (access(dir, F_OK) == 0 && rt_delete(&d->rt, id, 1, err) < 0)
		rc = sk_wrap(err, "delete %s", id);
	driver_join(path, sizeof path, d->bundles, id);
	if (access(path, F_OK) == 0) {
		if (image_bundle_remove(&d->img, id, path, err) < 0)
			rc = sk_wrap(err, "remove bundle %s", id);
		rmdir(path);
	}
	driver_join(path, sizeof path, d->netns, id);
	if (access(path, F_OK) == 0) {
		if (netcfg_bridge_detach(&d->br, id, err) < 0)
			rc = sk_wrap(err, "detach %s", id);
		if (netns_remove(path, err) < 0)
			rc = -1;
	}
	return rc;
}

/* Task and name from the container's annotations (the id may be hashed). */
static int identify(struct driver *d, const char *id, struct driver_container *c)
{
	SK_AUTOFREE char *json = NULL;
	cJSON *j, *ann;
	const cJSON *task, *name;
	int rc = -1;

	if (strlen(id) >= sizeof c->id || rt_state(&d->rt, id, &json, NULL) < 0 ||
	    !(j = cJSON_Parse(json)))
		return -1;
	ann = cJSON_GetObjectItemCaseSensitive(j, "annotations");
	task = cJSON_GetObjectItemCaseSensitive(ann, "skiff.task");
	name = cJSON_GetObjectItemCaseSensitive(ann, "skiff.container");
	if (cJSON_IsString(task) && cJSON_IsString(name) &&
	    strlen(task->valuestring) < sizeof c->task &&
	    strlen(name->valuestring) < sizeof c->name) {
		memcpy(c->id, id, strlen(id) + 1);
		memcpy(c->task, task->valuestring, strlen(task->valuestring) + 1);
		memcpy(c->name, name->valuestring, strlen(name->valuestring) + 1);
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

int driver_list(struct driver *d, struct driver_container **out, size_t *n, struct sk_err *err)
{
	DIR *dir = opendir(d->rt_root);
	struct driver_container *list = NULL, *grown;
	size_t count = 0;
	struct dirent *de;

	if (!dir)
		return sk_fail(err, errno, "list %s", d->rt_root);
	while ((de = readdir(dir))) {
		struct driver_container c;
		if (de->d_name[0] == '.' || identify(d, de->d_name, &c) < 0)
			continue;
		if (!(grown = realloc(list, (count + 1) * sizeof *list))) {
			free(list);
			closedir(dir);
			return sk_fail(err, errno, "list %s", d->rt_root);
		}
		list = grown;
		list[count++] = c;
	}
	closedir(dir);
	*out = list;
	*n = count;
	return 0;
}
