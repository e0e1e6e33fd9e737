/* What a task's containers share, set up before the first one starts and
 * removed after the last one stopped: images pulled (with registry
 * credentials from the task's secrets), volumes, the task's network
 * namespace (awsvpc), IPC namespace and /dev/shm (ipcMode task), the
 * process that holds its PID namespace (pidMode task) and its cgroup with
 * the task-level cpu and memory. */
#define _GNU_SOURCE
#include "mkdir_p.h"
#include "driver_internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../runtime/cgroup2.h"
#include "../runtime/image_internal.h"
#include "cleanup.h"
#include "netns.h"
#include "file.h"

#define SHARED_FILE "shared.json"

void driver_task_cgroup(const char *task_id, char *buf, size_t size)
{
	snprintf(buf, size, "skiff/%s", task_id);
}

void driver_volume_path(const struct driver *d, const char *task_id, const struct td_volume *vol,
			char *buf, size_t size)
{
	if (vol->host && vol->host->source_path)
		snprintf(buf, size, "%s", vol->host->source_path);
	else if (vol->docker && vol->docker->scope == TD_SCOPE_SHARED)
		snprintf(buf, size, "%s/shared/%s", d->volumes, vol->name);
	else
		snprintf(buf, size, "%s/tasks/%s/%s", d->volumes, task_id, vol->name);
}

/* ---- images ---------------------------------------------------------- */

/* repositoryCredentials: a secret holding {"username","password"}. */
static int credentials(const struct assignment *as, const struct td_container *c, char *buf,
		       size_t size, struct sk_err *err)
{
	SK_AUTOFREE char *value = NULL;
	const cJSON *u, *p;
	cJSON *j;

	buf[0] = '\0';
	if (!c->repository_credentials)
		return 0;
	if (!(value = assign_secret(as, c->repository_credentials->credentials_parameter, err)))
		return -1;
	j = cJSON_Parse(value);
	u = cJSON_GetObjectItemCaseSensitive(j, "username");
	p = cJSON_GetObjectItemCaseSensitive(j, "password");
	if (!cJSON_IsString(u) || !cJSON_IsString(p)) {
		cJSON_Delete(j);
		return sk_fail(err, 0,
			       "repositoryCredentials: the secret is not "
			       "{\"username\", \"password\"}");
	}
	snprintf(buf, size, "%s:%s", u->valuestring, p->valuestring);
	cJSON_Delete(j);
	return 0;
}

static int pull_all(struct driver *d, const struct assignment *as, struct sk_err *err)
{
	for (size_t i = 0; i < as->td->n_containers; i++) {
		const struct td_container *c = &as->td->containers[i];
		struct image_opts o = d->img;
		struct image_info info;
		char creds[1024];
		if (credentials(as, c, creds, sizeof creds, err) < 0)
			return sk_wrap(err, "container %s", c->name);
		o.creds = creds[0] ? creds : NULL;
		int rc = image_pull(&o, c->image, &info, err);
		memset(creds, 0, sizeof creds);
		if (rc < 0)
			return sk_wrap(err, "pull %s", c->image);
	}
	return 0;
}

/* ---- volumes ------------------------------------------------------------ */

static int is_mount_point(const char *path)
{
	char parent[PATH_MAX + 4];
	struct stat a, b;

	snprintf(parent, sizeof parent, "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static const char *opt(const struct td_docker_volume *dv, const char *key)
{
	for (size_t i = 0; dv && i < dv->n_driver_opts; i++)
		if (!strcmp(dv->driver_opts[i].name, key))
			return dv->driver_opts[i].value;
	return NULL;
}

/* The local driver's type/device/o: a mount, as `docker volume create`. */
static int mount_opts(const struct td_docker_volume *dv, const char *path, struct sk_err *err)
{
	const char *type = opt(dv, "type"), *dev = opt(dv, "device"), *o = opt(dv, "o");

	if (!type || is_mount_point(path))
		return 0;
	if (mount(dev ? dev : type, path, type, 0, o) < 0)
		return sk_fail(err, errno, "mount %s (type %s) on %s", dev ? dev : type, type,
			       path);
	return 0;
}

static int prepare_volume(struct driver *d, const char *task_id, const struct td_volume *v,
			  struct sk_err *err)
{
	char path[PATH_MAX];
	const struct td_docker_volume *dv = v->docker;
	struct stat st;

	driver_volume_path(d, task_id, v, path, sizeof path);
	if (dv && dv->scope == TD_SCOPE_SHARED && dv->autoprovision != 1 && stat(path, &st) < 0)
		return sk_fail(err, 0,
			       "volume %s: no shared volume %s on this node (autoprovision is off)",
			       v->name, path);
	if (sk_mkdir_p(path, 0755, err) < 0)
		return sk_wrap(err, "volume %s", v->name);
	if (mount_opts(dv, path, err) < 0)
		return sk_wrap(err, "volume %s", v->name);
	return 0;
}

/* ---- namespaces and processes ------------------------------------------- */

static void __attribute__((noreturn)) pause_main(void)
{
	sigset_t all;

	prctl(PR_SET_NAME, "skiff-pause");
	syscall(SYS_close_range, 0U, ~0U, 0U);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (;;) { /* PID 1 of the namespace: reap what the containers orphan */
		int sig;
		if (sigwait(&all, &sig) == 0 && sig == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		if (sig == SIGTERM || sig == SIGKILL)
			_exit(0);
	}
}

/* pidMode task: a process that is PID 1 of a new PID namespace, which the
 * containers join. It is reparented to the agent (a child subreaper). */
static pid_t start_pause(struct sk_err *err)
{
	int p[2];
	pid_t pid = -1, child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "pipe"), -1;
	if ((child = fork()) == 0) {
		pid_t inner = -1;
		if (unshare(CLONE_NEWPID) == 0 && (inner = fork()) == 0)
			pause_main();
		if (write(p[1], &inner, sizeof inner) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (child > 0) {
		if (read(p[0], &pid, sizeof pid) != (ssize_t)sizeof pid)
			pid = -1;
		waitpid(child, NULL, 0);
	}
	close(p[0]);
	if (pid <= 0)
		return sk_fail(err, errno, "start the task's PID namespace"), -1;
	return pid;
}

static int shm_size_mib(const struct taskdef *td)
{
	int64_t max = 64;

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_linux_parameters *lp = td->containers[i].linux_parameters;
		if (lp && lp->shared_memory_size != TD_UNSET && lp->shared_memory_size > max)
			max = lp->shared_memory_size;
	}
	return (int)max;
}

/* ipcMode task: one IPC namespace and one /dev/shm for the task. */
static int prepare_ipc(const char *dir, const struct taskdef *td, struct sk_err *err)
{
	char path[PATH_MAX], size[32];

	driver_join(path, sizeof path, dir, "ipc");
	if (access(path, F_OK) < 0 && ipcns_create(path, err) < 0)
		return -1;
	driver_join(path, sizeof path, dir, "shm");
	snprintf(size, sizeof size, "mode=1777,size=%dm", shm_size_mib(td));
	if (sk_mkdir_p(path, 0755, err) < 0)
		return -1;
	if (!is_mount_point(path) && mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV, size) < 0)
		return sk_fail(err, errno, "mount the task's /dev/shm on %s", path);
	return 0;
}

static int prepare_awsvpc(struct driver *d, const char *task_id, struct task_shared *out,
			  struct sk_err *err)
{
	char ns[PATH_MAX];
	struct netcfg_attach at;

	driver_join(ns, sizeof ns, d->netns, task_id);
	if (access(ns, F_OK) < 0 && netns_create(ns, err) < 0)
		return -1;
	if (netcfg_bridge_attach(&d->br, task_id, ns, NULL, 0, &at, err) < 0)
		return sk_wrap(err, "attach the task's network namespace");
	snprintf(out->address, sizeof out->address, "%.*s", (int)strcspn(at.address, "/"),
		 at.address);
	snprintf(out->resolv, sizeof out->resolv, "%s", at.resolv_path);
	return 0;
}

/* Task-level cpu and memory: a hard ceiling for the task's containers. */
static int prepare_cgroup(struct driver *d, const struct assignment *as, struct sk_err *err)
{
	struct oci_resources r = {.mem_limit = -1,
				  .mem_reservation = -1,
				  .mem_swap = -1,
				  .cpu_shares = -1,
				  .cpu_quota = -1,
				  .cpu_period = -1,
				  .pids_limit = -1};
	char rel[256], path[PATH_MAX];

	if (!d->limits)
		return 0;
	if (as->td->memory != TD_UNSET)
		r.mem_limit = as->td->memory * 1024 * 1024;
	if (as->td->cpu != TD_UNSET) {
		r.cpu_period = 100000;
		r.cpu_quota = as->td->cpu * 100000 / 1024;
	}
	driver_task_cgroup(as->task_id, rel, sizeof rel);
	snprintf(path, sizeof path, "%s/%s", CGROUP_ROOT, rel);
	return cgroup2_create(path, &r, err);
}

static int save_shared(const char *dir, const struct task_shared *s, struct sk_err *err)
{
	char path[PATH_MAX];
	SK_AUTOFREE char *text = NULL;
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "address", s->address);
	cJSON_AddStringToObject(j, "resolv", s->resolv);
	cJSON_AddNumberToObject(j, "pause", s->pause);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	driver_join(path, sizeof path, dir, SHARED_FILE);
	if (!text)
		return sk_fail(err, ENOMEM, "%s", path);
	return sk_write_atomic(path, text, strlen(text), err);
}

int driver_shared_load(const struct driver *d, const char *task_id, struct task_shared *out)
{
	char dir[PATH_MAX], path[PATH_MAX];
	SK_AUTOFREE char *text = NULL;
	cJSON *j;
	const cJSON *v;

	memset(out, 0, sizeof *out);
	driver_task_dir(d, task_id, dir, sizeof dir);
	driver_join(path, sizeof path, dir, SHARED_FILE);
	if (sk_read_file(path, 1 << 16, &text, NULL, NULL) < 0 || !(j = cJSON_Parse(text)))
		return -1;
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(j, "address")))
		snprintf(out->address, sizeof out->address, "%s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(j, "resolv")))
		snprintf(out->resolv, sizeof out->resolv, "%s", v->valuestring);
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "pause")))
		out->pause = (pid_t)v->valuedouble;
	cJSON_Delete(j);
	return 0;
}

static int prepare_shared(struct driver *d, const struct assignment *as, const char *dir,
			  struct task_shared *out, struct sk_err *err)
{
	const struct taskdef *td = as->td;

	for (size_t i = 0; i < td->n_volumes; i++)
		if (prepare_volume(d, as->task_id, &td->volumes[i], err) < 0)
			return -1;
	if (taskdef_network(td) == TD_NET_AWSVPC && prepare_awsvpc(d, as->task_id, out, err) < 0)
		return -1;
	if (td->ipc_mode == TD_NS_TASK && prepare_ipc(dir, td, err) < 0)
		return -1;
	if (td->pid_mode == TD_NS_TASK && (out->pause = start_pause(err)) < 0)
		return -1;
	if (prepare_cgroup(d, as, err) < 0)
		return -1;
	return save_shared(dir, out, err);
}

int driver_prepare(struct driver *d, const struct assignment *as, struct task_shared *out,
		   struct sk_err *err)
{
	char dir[PATH_MAX], logs[PATH_MAX];

	memset(out, 0, sizeof *out);
	driver_task_dir(d, as->task_id, dir, sizeof dir);
	driver_log_dir(d, as->task_id, logs, sizeof logs);
	if (pull_all(d, as, err) < 0)
		return -1;
	if (sk_mkdir_p(dir, 0755, err) < 0 || sk_mkdir_p(logs, 0755, err) < 0)
		return -1;
	return prepare_shared(d, as, dir, out, err);
}

/* ---- teardown --------------------------------------------------------------- */

static void unmount_tree(const char *path)
{
	if (is_mount_point(path))
		umount2(path, MNT_DETACH);
}

static int remove_task_volumes(struct driver *d, const char *task_id, struct sk_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	DIR *dp;
	struct dirent *de;

	if ((size_t)snprintf(dir, sizeof dir, "%s/tasks/%s", d->volumes, task_id) >= sizeof dir ||
	    !(dp = opendir(dir)))
		return 0;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.') {
			driver_join(path, sizeof path, dir, de->d_name);
			unmount_tree(path);
		}
	closedir(dp);
	return remove_tree_at(AT_FDCWD, dir, err);
}

/* The pid is still our PID namespace holder (not reused since). */
static int is_pause(pid_t pid)
{
	char path[64];
	SK_AUTOFREE char *comm = NULL;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	return sk_read_file(path, 64, &comm, NULL, NULL) == 0 && !strncmp(comm, "skiff-pause", 11);
}

int driver_teardown(struct driver *d, const char *task_id, pid_t pause, struct sk_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], rel[256];
	struct sk_err e2 = {0};
	int rc = 0;

	if (!err)
		err = &e2;
	if (pause > 0 && is_pause(pause))
		kill(pause, SIGKILL);
	driver_join(path, sizeof path, d->netns, task_id);
	if (access(path, F_OK) == 0) {
		if (netcfg_bridge_detach(&d->br, task_id, err) < 0)
			rc = -1;
		if (netns_remove(path, err) < 0)
			rc = -1;
	}
	driver_task_dir(d, task_id, dir, sizeof dir);
	driver_join(path, sizeof path, dir, "ipc");
	netns_remove(path, NULL);
	driver_join(path, sizeof path, dir, "shm");
	unmount_tree(path);
	if (access(dir, F_OK) == 0 && remove_tree_at(AT_FDCWD, dir, err) < 0)
		rc = -1;
	if (remove_task_volumes(d, task_id, err) < 0)
		rc = -1;
	driver_task_cgroup(task_id, rel, sizeof rel);
	snprintf(path, sizeof path, "%s/%s", CGROUP_ROOT, rel);
	if (d->limits && cgroup2_destroy(path, err) < 0)
		rc = -1;
	return rc < 0 ? sk_wrap(err, "task %s", task_id) : 0;
}
