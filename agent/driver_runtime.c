/* The driver through the runtime and image libraries, in-process: image
 * pull and bundle from runtime/image.h, the container lifecycle from
 * runtime/runtime.h, bridge networking with port mappings from
 * netcfg/netcfg.h into a named network namespace the bundle joins.
 *
 * Paths: <run>/runtime (runtime state), <run>/netns/<id>,
 * <data>/bundles/<id> (config.json + the rootfs overlay mount). */
#include "mkdir_p.h"
#include "driver.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../netcfg/netcfg.h"
#include "../runtime/image.h"
#include "../runtime/runtime.h"
#include "cleanup.h"
#include "netns.h"
#include "nodeinfo.h"
#include "spec_edit.h"

struct driver {
	struct rt_global rt;
	struct image_opts img;
	struct netcfg_bridge br;
	const char *insecure[AGENT_MAX_REGISTRIES + 1];
	char rt_root[PATH_MAX];
	char bundles[PATH_MAX];
	char netns[PATH_MAX];
	char data[PATH_MAX];
	int limits; /* cgroup v2 is there: memory and CPU limits apply */
};

/* DIR/NAME into buf; an over-long path is cut (and then not found). */
static void path_join(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		buf[0] = '\0';
}

int driver_open(const struct agent_config *cfg, struct driver **out, struct sk_err *err)
{
	struct driver *d = calloc(1, sizeof *d);

	if (!d)
		return sk_fail(err, errno, "driver");
	snprintf(d->rt_root, sizeof d->rt_root, "%s/runtime", cfg->run_dir);
	snprintf(d->netns, sizeof d->netns, "%s/netns", cfg->run_dir);
	snprintf(d->bundles, sizeof d->bundles, "%s/bundles", cfg->data_dir);
	snprintf(d->data, sizeof d->data, "%s", cfg->data_dir);
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
	struct statfs fs;
	d->limits =
	    statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == 0x63677270; /* CGROUP2_SUPER_MAGIC */
	if (!d->limits)
		sk_warn("no cgroup v2 file system at /sys/fs/cgroup: memory and CPU limits are not "
			"enforced");
	if (sk_mkdir_p(d->rt_root, 0755, err) < 0 || sk_mkdir_p(d->netns, 0755, err) < 0 ||
	    sk_mkdir_p(d->bundles, 0755, err) < 0) {
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

int driver_container_id(const char *task, const char *name, char *buf, size_t size,
			struct sk_err *err)
{
	if ((size_t)snprintf(buf, size, "%s.%s", task, name) >= size)
		return sk_fail(err, 0, "container id %s.%s: too long", task, name);
	return 0;
}

int driver_pull(struct driver *d, const struct container_def *c, struct sk_err *err)
{
	struct image_info info;

	if (image_pull(&d->img, c->image, &info, err) < 0)
		return sk_wrap(err, "pull %s", c->image);
	return 0;
}

static void port_maps(const struct container_def *c, struct netcfg_port_map *maps)
{
	for (int i = 0; i < c->n_ports; i++) {
		maps[i].proto = c->ports[i].proto;
		maps[i].host_port = c->ports[i].host_port;
		maps[i].container_port = c->ports[i].container_port;
	}
}

/* The container's network: its own namespace on the bridge (bridge mode),
 * an empty namespace (none) or the node's (host). */
static int setup_network(struct driver *d, const struct task_def *td, const struct container_def *c,
			 const char *id, struct spec_edit *ed, struct sk_err *err)
{
	struct netcfg_port_map maps[TASK_MAX_PORTS];
	struct netcfg_attach at;

	if (td->host_network) {
		ed->netns_path = NULL;
		ed->host_network = 1;
		return 0;
	}
	path_join(ed->netns_buf, sizeof ed->netns_buf, d->netns, id);
	ed->netns_path = ed->netns_buf;
	if (netns_create(ed->netns_path, err) < 0)
		return -1;
	if (td->no_network)
		return 0;
	port_maps(c, maps);
	if (netcfg_bridge_attach(&d->br, id, ed->netns_path, maps, c->n_ports, &at, err) < 0)
		return sk_wrap(err, "attach %s to the bridge", id);
	if (strlen(at.resolv_path) >= sizeof ed->resolv_path)
		return sk_fail(err, 0, "resolv.conf path %s: too long", at.resolv_path);
	memcpy(ed->resolv_path, at.resolv_path, strlen(at.resolv_path) + 1);
	return 0;
}

static int create_start(struct driver *d, const struct task_def *td, const struct container_def *c,
			const char *id, struct sk_err *err)
{
	struct bundle_opts bo = {0};
	struct rt_create_opts co = {0};
	struct spec_edit ed = {0};
	char bundle[PATH_MAX];

	path_join(bundle, sizeof bundle, d->bundles, id);
	bo.entrypoint = c->entrypoint[0] ? c->entrypoint : NULL;
	bo.cmd = c->command[0] ? c->command : NULL;
	bo.env = c->env[0] ? c->env : NULL;
	bo.workdir = c->workdir;
	bo.user = c->user;
	if (image_bundle_create(&d->img, c->image, id, bundle, &bo, err) < 0)
		return sk_wrap(err, "bundle for %s", c->image);
	if (setup_network(d, td, c, id, &ed, err) < 0)
		return -1;
	ed.task = td->task_id;
	ed.container = c->name;
	ed.memory_mib = d->limits ? c->memory_mib : 0;
	ed.cpu = d->limits ? c->cpu : 0;
	if (spec_edit_apply(bundle, &ed, err) < 0)
		return -1;
	co.bundle = bundle;
	if (rt_create(&d->rt, id, &co, err) < 0)
		return sk_wrap(err, "create %s", id);
	if (rt_start(&d->rt, id, err) < 0)
		return sk_wrap(err, "start %s", id);
	return 0;
}

int driver_start(struct driver *d, const struct task_def *td, int index, struct sk_err *err)
{
	const struct container_def *c = &td->containers[index];
	char id[DRIVER_ID_MAX];

	if (driver_container_id(td->task_id, c->name, id, sizeof id, err) < 0)
		return -1;
	driver_remove(d, id, NULL);
	if (create_start(d, td, c, id, err) < 0) {
		driver_remove(d, id, NULL);
		return sk_wrap(err, "container %s", c->name);
	}
	return 0;
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
	path_join(dir, sizeof dir, d->rt_root, id);
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
		st->exit_code = (int)v->valuedouble;
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

int driver_remove(struct driver *d, const char *id, struct sk_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct sk_err e2 = {0};
	int rc = 0;

	if (!err)
		err = &e2;
	path_join(dir, sizeof dir, d->rt_root, id);
	if (access(dir, F_OK) == 0 && rt_delete(&d->rt, id, 1, err) < 0)
		rc = sk_wrap(err, "delete %s", id);
	path_join(path, sizeof path, d->bundles, id);
	if (access(path, F_OK) == 0) {
		if (image_bundle_remove(&d->img, id, path, err) < 0)
			rc = sk_wrap(err, "remove bundle %s", id);
		rmdir(path);
	}
	path_join(path, sizeof path, d->netns, id);
	if (access(path, F_OK) == 0) {
		if (netcfg_bridge_detach(&d->br, id, err) < 0)
			rc = sk_wrap(err, "detach %s", id);
		if (netns_remove(path, err) < 0)
			rc = -1;
	}
	return rc;
}

/* "<task>.<name>": the name is what follows the last dot. */
static int split_id(const char *id, struct driver_container *c)
{
	const char *dot = strrchr(id, '.');

	if (!dot || dot == id || !dot[1] || (size_t)(dot - id) >= sizeof c->task ||
	    strlen(dot + 1) >= sizeof c->name || strlen(id) >= sizeof c->id)
		return -1;
	snprintf(c->id, sizeof c->id, "%s", id);
	memcpy(c->task, id, dot - id);
	c->task[dot - id] = '\0';
	snprintf(c->name, sizeof c->name, "%s", dot + 1);
	return 0;
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
		if (de->d_name[0] == '.' || split_id(de->d_name, &c) < 0)
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
