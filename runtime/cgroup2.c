/* cgroup v2 (see cgroup2.h). */
#define _GNU_SOURCE
#include "mkdir_p.h"
#include "cgroup2.h"
#include "cleanup.h"
#include "util.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int is_cgroup2(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

const char *cgroup2_root(void)
{
	static const char *root;
	static int known;

	if (!known) {
		root = is_cgroup2(CGROUP_ROOT)	   ? CGROUP_ROOT
		       : is_cgroup2(CGROUP_HYBRID) ? CGROUP_HYBRID
						   : NULL;
		known = 1;
	}
	return root;
}

int cgroup2_available(void)
{
	return cgroup2_root() != NULL;
}

void cgroup2_path(const struct oci_spec *spec, const char *id, char *buf, size_t size)
{
	const char *p = spec->cgroups_path, *root = cgroup2_root();

	if (p && *p)
		snprintf(buf, size, "%s%s%s", root, p[0] == '/' ? "" : "/", p);
	else
		snprintf(buf, size, "%s/skiff/%s", root, id);
}

static int write_in(const char *dir, const char *file, const char *value, struct sk_err *err)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return rt_write_file(path, value, err);
}

/* Enables CONTROLLERS in every ancestor's subtree_control, top down. */
static int enable_controllers(const char *path, const char *controllers, struct sk_err *err)
{
	char dir[4096];
	size_t root_len = strlen(cgroup2_root());

	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + root_len; p && *p;) {
		char *next = strchr(p + 1, '/');
		*p = '\0';
		int rc = write_in(dir, "cgroup.subtree_control", controllers, err);
		*p = '/';
		if (rc < 0)
			return -1;
		p = next;
	}
	return 0;
}

static void controllers_needed(const struct oci_resources *r, char *buf, size_t size)
{
	snprintf(
	    buf, size, "%s%s%s%s",
	    r->cpu_shares >= 0 || r->cpu_quota != -1 || r->cpu_period >= 0 ? "+cpu " : "",
	    r->mem_limit != -1 || r->mem_reservation >= 0 || r->mem_swap != -1 ? "+memory " : "",
	    r->pids_limit != -1 ? "+pids " : "", r->cpuset_cpus || r->cpuset_mems ? "+cpuset" : "");
}

const char *cgroup2_missing_controller(const struct oci_resources *r)
{
	char want[64], path[256];
	SK_AUTOFREE char *have = NULL;

	controllers_needed(r, want, sizeof want);
	snprintf(path, sizeof path, "%s/cgroup.controllers", cgroup2_root());
	if (sk_read_file(path, 4096, &have, NULL, NULL) < 0)
		return NULL;
	for (char *tok = strtok(want, " "); tok; tok = strtok(NULL, " ")) {
		static char name[16];
		snprintf(name, sizeof name, "%s", tok + 1);
		size_t n = strlen(name);
		const char *p = have;
		while ((p = strstr(p, name)) &&
		       ((p > have && p[-1] != ' ') || (p[n] && p[n] != ' ' && p[n] != '\n')))
			p += n;
		if (!p)
			return name;
	}
	return NULL;
}

static void format_limit(int64_t v, char *buf, size_t size)
{
	if (v == -2)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

int cgroup2_format_cpu_max(const struct oci_resources *r, char *buf, size_t size)
{
	char quota[32] = "max";

	if (r->cpu_quota == -1 && r->cpu_period < 0)
		return 0;
	if (r->cpu_quota >= 0)
		snprintf(quota, sizeof quota, "%" PRId64, r->cpu_quota);
	snprintf(buf, size, "%s %" PRId64, quota, r->cpu_period >= 0 ? r->cpu_period : 100000);
	return 1;
}

static int apply_memory(const char *path, const struct oci_resources *r, struct sk_err *err)
{
	char v[32];

	if (r->mem_limit != -1) {
		format_limit(r->mem_limit, v, sizeof v);
		if (write_in(path, "memory.max", v, err) < 0)
			return -1;
	}
	if (r->mem_reservation >= 0) {
		format_limit(r->mem_reservation, v, sizeof v);
		if (write_in(path, "memory.low", v, err) < 0)
			return -1;
	}
	if (r->mem_swap == -1)
		return 0;
	/* OCI swap is memory plus swap; cgroup v2 limits swap alone. */
	format_limit(r->mem_swap == -2 ? -2 : r->mem_swap - r->mem_limit, v, sizeof v);
	return write_in(path, "memory.swap.max", v, err);
}

static int apply_cpu(const char *path, const struct oci_resources *r, struct sk_err *err)
{
	char v[64];

	if (r->cpu_shares >= 0) {
		snprintf(v, sizeof v, "%" PRIu64, oci_shares_to_weight((uint64_t)r->cpu_shares));
		if (write_in(path, "cpu.weight", v, err) < 0)
			return -1;
	}
	if (cgroup2_format_cpu_max(r, v, sizeof v) && write_in(path, "cpu.max", v, err) < 0)
		return -1;
	if (r->cpuset_cpus && write_in(path, "cpuset.cpus", r->cpuset_cpus, err) < 0)
		return -1;
	if (r->cpuset_mems && write_in(path, "cpuset.mems", r->cpuset_mems, err) < 0)
		return -1;
	return 0;
}

static int apply(const char *path, const struct oci_resources *r, struct sk_err *err)
{
	char v[32];
	cJSON *it;

	if (apply_memory(path, r, err) < 0 || apply_cpu(path, r, err) < 0)
		return -1;
	if (r->pids_limit != -1) {
		format_limit(r->pids_limit, v, sizeof v);
		if (write_in(path, "pids.max", v, err) < 0)
			return -1;
	}
	cJSON_ArrayForEach(it, r->unified) if (write_in(path, it->string, it->valuestring, err) <
					       0) return -1;
	return 0;
}

int cgroup2_create(const char *path, const struct oci_resources *res, struct sk_err *err)
{
	char controllers[64];

	if (sk_mkdir_p(path, 0755, err) < 0)
		return sk_wrap(err, "cgroup");
	controllers_needed(res, controllers, sizeof controllers);
	if (controllers[0] && enable_controllers(path, controllers, err) < 0)
		return sk_wrap(err, "cgroup: enable %s", controllers);
	if (apply(path, res, err) < 0)
		return sk_wrap(err, "cgroup");
	return 0;
}

int cgroup2_enter(const char *path, pid_t pid, struct sk_err *err)
{
	char v[24];

	snprintf(v, sizeof v, "%d", (int)pid);
	return write_in(path, "cgroup.procs", v, err);
}

long cgroup2_oom_kills(const char *path)
{
	char file[4096];
	SK_AUTOFREE char *text = NULL;

	snprintf(file, sizeof file, "%s/memory.events", path);
	if (sk_read_file(file, 4096, &text, NULL, NULL) < 0)
		return 0;
	char *p = strstr(text, "oom_kill ");
	return p ? strtol(p + 9, NULL, 10) : 0;
}

/* Signals the processes listed in PATH/cgroup.procs. */
static int signal_procs(const char *path, int sig, struct sk_err *err)
{
	char file[4096];
	SK_AUTOFREE char *text = NULL;

	snprintf(file, sizeof file, "%s/cgroup.procs", path);
	if (sk_read_file(file, 1 << 20, &text, NULL, err) < 0)
		return -1;
	for (char *p = text; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		kill((pid_t)pid, sig);
		p = end;
	}
	return 0;
}

/* Calls FN on every cgroup below PATH, children first, then on PATH. */
static int walk(const char *path, int (*fn)(const char *, int, struct sk_err *), int arg,
		struct sk_err *err)
{
	char child[4096];
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	while (d && rc == 0 && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(child, sizeof child, "%s/%s", path, e->d_name);
			rc = walk(child, fn, arg, err);
		}
	if (d)
		closedir(d);
	return rc < 0 ? -1 : fn(path, arg, err);
}

int cgroup2_kill(const char *path, int sig, struct sk_err *err)
{
	if (sig == SIGKILL && write_in(path, "cgroup.kill", "1", NULL) == 0)
		return 0;
	return walk(path, signal_procs, sig, err);
}

static int remove_one(const char *path, int unused, struct sk_err *err)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	return sk_fail(err, errno, "rmdir %s", path);
}

/* Processes a container left in child cgroups die with it: cgroup.kill
 * covers the subtree, then the tree goes bottom up. The usual case, a
 * cgroup already empty, is one rmdir. */
int cgroup2_destroy(const char *path, struct sk_err *err)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	struct sk_err last = {0};

	if (remove_one(path, 0, &last) == 0)
		return 0;
	for (int i = 0; i < 400; i++) {
		if (walk(path, remove_one, 0, &last) == 0)
			return 0;
		if (last.errnum != EBUSY)
			break;
		cgroup2_kill(path, SIGKILL, NULL);
		nanosleep(&ts, NULL);
	}
	if (err)
		*err = last;
	return -1;
}
