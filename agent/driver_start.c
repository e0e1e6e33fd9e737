/* Starting one container of a task: its environment (.env files, then
 * environment, then secrets), its bundle from the image, its network (a
 * namespace of its own on the bridge with its host ports; the task's in
 * awsvpc mode; the node's in host mode; loopback only for none), its
 * /etc/hosts and resolv.conf, its mounts and devices, the config.json
 * edits, then create and start. Runs in a worker process. */
#include "mkdir_p.h"
#include "driver_internal.h"
#include "logship.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"
#include "spec_edit.h"
#include "file.h"

#define MAX_MOUNTS  128
#define MAX_DEVICES 256

struct env {
	char **v; /* "NAME=value", NULL-terminated */
	size_t n, cap;
};

static void env_free(struct env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		memset(e->v[i], 0, strlen(e->v[i])); /* secrets among them */
		free(e->v[i]);
	}
	free(e->v);
}

static int env_set(struct env *e, const char *name, size_t nlen, const char *value)
{
	char *kv = malloc(nlen + strlen(value) + 2);

	if (!kv)
		return -1;
	sprintf(kv, "%.*s=%s", (int)nlen, name, value);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], kv, nlen + 1)) {
			free(e->v[i]);
			e->v[i] = kv;
			return 0;
		}
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 32;
		char **v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return free(kv), -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

/* NAME=VALUE lines; '#' comments and blank lines skipped, as docker --env-file. */
static int env_file(struct env *e, const char *path, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	int line = 0;

	if (sk_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return sk_wrap(err, "environment file");
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		line++;
		l[strcspn(l, "\r")] = '\0';
		if (!*l || *l == '#' || !eq)
			continue;
		if (eq == l)
			return sk_fail(err, 0, "%s: a line has no variable name", path);
		if (env_set(e, l, (size_t)(eq - l), eq + 1) < 0)
			return sk_fail(err, ENOMEM, "%s", path);
	}
	return 0;
}

static int build_env(const struct assignment *as, const struct td_container *c, struct env *e,
		     struct sk_err *err)
{
	for (size_t i = 0; i < c->n_environment_files; i++)
		if (env_file(e, c->environment_files[i].value, err) < 0)
			return -1;
	for (size_t i = 0; i < c->n_environment; i++)
		if (env_set(e, c->environment[i].name, strlen(c->environment[i].name),
			    c->environment[i].value ? c->environment[i].value : "") < 0)
			return sk_fail(err, ENOMEM, "environment");
	for (size_t i = 0; i < c->n_secrets; i++) {
		char *v = assign_secret(as, c->secrets[i].value_from, err);
		if (!v)
			return sk_wrap(err, "secrets[%zu] (%s)", i, c->secrets[i].name);
		int rc = env_set(e, c->secrets[i].name, strlen(c->secrets[i].name), v);
		memset(v, 0, strlen(v));
		free(v);
		if (rc < 0)
			return sk_fail(err, ENOMEM, "secrets");
	}
	return 0;
}

/* ---- network ----------------------------------------------------------- */

static size_t port_maps(const struct start_ctx *sc, struct netcfg_port_map *maps, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sc->n_ports && n < max; i++) {
		const struct port_binding *b = &sc->ports[i];
		if (b->container != sc->index)
			continue;
		maps[n].proto = b->proto == TD_UDP ? IPPROTO_UDP : IPPROTO_TCP;
		maps[n].host_port = b->host_port;
		maps[n++].container_port = b->container_port;
	}
	return n;
}

struct net {
	char netns[PATH_MAX];
	char resolv[512];
	char address[48];
	int host;
};

static int own_netns(struct driver *d, const char *id, struct net *n, struct sk_err *err)
{
	driver_join(n->netns, sizeof n->netns, d->netns, id);
	return netns_create(n->netns, err);
}

static int setup_network(struct driver *d, const struct start_ctx *sc, const char *id,
			 struct net *n, struct sk_err *err)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];
	struct netcfg_port_map maps[TD_MAX_PORTS];
	struct netcfg_attach at;
	size_t nmaps;

	if (c->disable_networking == 1)
		return own_netns(d, id, n, err);
	switch (taskdef_network(sc->as->td)) {
	case TD_NET_HOST:
		n->host = 1;
		snprintf(n->resolv, sizeof n->resolv, "/etc/resolv.conf");
		return 0;
	case TD_NET_AWSVPC:
		driver_join(n->netns, sizeof n->netns, d->netns, sc->as->task_id);
		snprintf(n->address, sizeof n->address, "%s", sc->shared->address);
		snprintf(n->resolv, sizeof n->resolv, "%s", sc->shared->resolv);
		return 0;
	case TD_NET_NONE:
		return own_netns(d, id, n, err);
	case TD_NET_BRIDGE:
		break;
	}
	if (own_netns(d, id, n, err) < 0)
		return -1;
	nmaps = port_maps(sc, maps, TD_MAX_PORTS);
	if (netcfg_bridge_attach(&d->br, id, n->netns, maps, nmaps, &at, err) < 0)
		return sk_wrap(err, "attach %s to the bridge", id);
	snprintf(n->address, sizeof n->address, "%.*s", (int)strcspn(at.address, "/"), at.address);
	snprintf(n->resolv, sizeof n->resolv, "%s", at.resolv_path);
	return 0;
}

/* ---- /etc/hosts and resolv.conf ---------------------------------------------- */

static void hosts_links(FILE *f, const struct start_ctx *sc, const struct td_container *c)
{
	for (size_t i = 0; i < c->n_links; i++) {
		size_t nlen = strcspn(c->links[i], ":");
		for (size_t k = 0; k < sc->as->td->n_containers; k++) {
			const char *name = sc->as->td->containers[k].name;
			if (strlen(name) != nlen || strncmp(name, c->links[i], nlen) ||
			    !sc->addresses[k][0])
				continue;
			fprintf(f, "%s\t%s%s%s\n", sc->addresses[k], name,
				c->links[i][nlen] ? " " : "",
				c->links[i] + nlen + !!c->links[i][nlen]);
		}
	}
}

static int write_hosts(const char *path, const struct start_ctx *sc, const struct net *n,
		       const char *hostname, struct sk_err *err)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];
	FILE *f = fopen(path, "we");

	SK_AUTOFREE char *node = NULL;

	if (!f)
		return sk_fail(err, errno, "write %s", path);
	if (n->host && sk_read_file("/etc/hosts", 1 << 20, &node, NULL, NULL) == 0)
		fputs(node, f); /* host mode: the node's, as Docker does */
	else
		fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	if (n->address[0] && hostname)
		fprintf(f, "%s\t%s\n", n->address, hostname);
	hosts_links(f, sc, c);
	for (size_t i = 0; i < c->n_extra_hosts; i++)
		fprintf(f, "%s\t%s\n", c->extra_hosts[i].ip_address, c->extra_hosts[i].hostname);
	if (fclose(f) != 0)
		return sk_fail(err, errno, "write %s", path);
	return 0;
}

/* dnsServers / dnsSearchDomains: the container's own resolv.conf, from
 * the one it would have had. */
static int write_resolv(const char *path, const char *base, const struct td_container *c,
			struct sk_err *err)
{
	SK_AUTOFREE char *old = NULL;
	FILE *f;

	sk_read_file(base, 1 << 16, &old, NULL, NULL);
	if (!(f = fopen(path, "we")))
		return sk_fail(err, errno, "write %s", path);
	for (size_t i = 0; i < c->n_dns_servers; i++)
		fprintf(f, "nameserver %s\n", c->dns_servers[i]);
	for (char *save, *l = old ? strtok_r(old, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		int ns = !strncmp(l, "nameserver", 10), search = !strncmp(l, "search", 6);
		if ((ns && c->n_dns_servers) || (search && c->n_dns_search_domains))
			continue;
		fprintf(f, "%s\n", l);
	}
	if (c->n_dns_search_domains) {
		fputs("search", f);
		for (size_t i = 0; i < c->n_dns_search_domains; i++)
			fprintf(f, " %s", c->dns_search_domains[i]);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return sk_fail(err, errno, "write %s", path);
	return 0;
}

/* ---- mounts and devices --------------------------------------------------------- */

struct mounts {
	struct spec_mount m[MAX_MOUNTS];
	char src[MAX_MOUNTS][PATH_MAX];
	size_t n;
};

static void add_mounts_of(struct driver *d, const struct start_ctx *sc,
			  const struct td_container *c, int force_ro, struct mounts *out, int depth)
{
	const struct taskdef *td = sc->as->td;

	for (size_t i = 0; i < c->n_mount_points && out->n < MAX_MOUNTS; i++) {
		const struct td_mount_point *mp = &c->mount_points[i];
		const struct td_volume *v = taskdef_volume(td, mp->source_volume);
		if (!v)
			continue;
		driver_volume_path(d, sc->as->task_id, v, out->src[out->n], PATH_MAX);
		out->m[out->n] = (struct spec_mount){out->src[out->n], mp->container_path,
						     force_ro || mp->read_only == 1};
		out->n++;
	}
	for (size_t i = 0; depth < TD_MAX_CONTAINERS && i < c->n_volumes_from; i++) {
		const struct td_container *src =
		    taskdef_container(td, c->volumes_from[i].source_container);
		if (src)
			add_mounts_of(d, sc, src, force_ro || c->volumes_from[i].read_only == 1,
				      out, depth + 1);
	}
}

static int device_of(const char *host, const char *path, struct spec_device *out)
{
	struct stat st;

	if (stat(host, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		return -1;
	snprintf(out->path, sizeof out->path, "%s", path);
	out->type = S_ISBLK(st.st_mode) ? 'b' : 'c';
	out->major = major(st.st_rdev);
	out->minor = minor(st.st_rdev);
	out->mode = st.st_mode & 07777;
	return 0;
}

/* privileged: every device node at the top of the node's /dev. */
static size_t all_devices(struct spec_device *out, size_t max)
{
	DIR *dir = opendir("/dev");
	struct dirent *de;
	char path[300];
	size_t n = 0;

	while (dir && (de = readdir(dir)) && n < max) {
		snprintf(path, sizeof path, "/dev/%s", de->d_name);
		if (de->d_name[0] != '.' && strcmp(de->d_name, "console") &&
		    strncmp(de->d_name, "tty", 3) && strcmp(de->d_name, "ptmx") &&
		    device_of(path, path, &out[n]) == 0)
			n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

static int devices(const struct td_container *c, struct spec_device *out, size_t *n,
		   struct sk_err *err)
{
	const struct td_linux_parameters *lp = c->linux_parameters;

	*n = c->privileged == 1 ? all_devices(out, MAX_DEVICES) : 0;
	for (size_t i = 0; lp && i < lp->n_devices && *n < MAX_DEVICES; i++) {
		const struct td_device *dv = &lp->devices[i];
		const char *to = dv->container_path ? dv->container_path : dv->host_path;
		if (device_of(dv->host_path, to, &out[*n]) < 0)
			return sk_fail(err, errno ? errno : ENODEV, "device %s", dv->host_path);
		(*n)++;
	}
	return 0;
}

/* ---- the container ---------------------------------------------------------------- */

struct start {
	char id[DRIVER_ID_MAX];
	char bundle[PATH_MAX], dir[PATH_MAX], hosts[PATH_MAX], resolv[PATH_MAX], logs[PATH_MAX];
	char shm[PATH_MAX], ipc[PATH_MAX], pidns[64], cgroup[512], hostname[70];
	struct net net;
	struct mounts mounts;
	struct spec_device dev[MAX_DEVICES];
	size_t n_dev;
	struct env env;
};

static int files(struct driver *d, const struct start_ctx *sc, struct start *s, struct sk_err *err)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];
	char name[TD_NAME_MAX + 16];
	const char *host = s->hostname[0] ? s->hostname : NULL;

	driver_task_dir(d, sc->as->task_id, s->dir, sizeof s->dir);
	snprintf(name, sizeof name, "%s.hosts", c->name);
	driver_join(s->hosts, sizeof s->hosts, s->dir, name);
	if (write_hosts(s->hosts, sc, &s->net, host, err) < 0)
		return -1;
	snprintf(s->resolv, sizeof s->resolv, "%s", s->net.resolv);
	if (c->n_dns_servers || c->n_dns_search_domains) {
		snprintf(name, sizeof name, "%s.resolv", c->name);
		driver_join(s->resolv, sizeof s->resolv, s->dir, name);
		if (write_resolv(s->resolv, s->net.resolv, c, err) < 0)
			return -1;
	}
	driver_log_dir(d, sc->as->task_id, name, sizeof name);
	driver_join(s->logs, sizeof s->logs, name, c->name);
	if (sk_mkdir_p(s->logs, 0755, err) < 0)
		return -1;
	return logship_container_config(s->logs, c, err);
}

static void fill_edit(struct driver *d, const struct start_ctx *sc, struct start *s,
		      struct spec_edit *ed)
{
	const struct taskdef *td = sc->as->td;
	const struct td_container *c = &td->containers[sc->index];

	*ed = (struct spec_edit){.task = sc->as->task_id, .container = c->name, .td = td, .def = c};
	ed->host_network = s->net.host;
	ed->netns_path = s->net.netns[0] ? s->net.netns : NULL;
	ed->hosts_path = s->hosts[0] ? s->hosts : NULL;
	ed->resolv_path = s->resolv[0] && access(s->resolv, F_OK) == 0 ? s->resolv : NULL;
	ed->hostname = s->hostname[0] ? s->hostname : NULL;
	ed->log_dir = s->logs;
	ed->init_path = d->self[0] ? d->self : NULL;
	ed->mounts = s->mounts.m;
	ed->n_mounts = s->mounts.n;
	ed->devices = s->dev;
	ed->n_devices = s->n_dev;
	ed->limits = d->limits;
	driver_task_cgroup(sc->as->task_id, s->cgroup, sizeof s->cgroup);
	snprintf(s->cgroup + strlen(s->cgroup), sizeof s->cgroup - strlen(s->cgroup), "/%s",
		 c->name);
	ed->cgroups_path = s->cgroup;
	if (td->ipc_mode == TD_NS_TASK) {
		driver_join(s->ipc, sizeof s->ipc, s->dir, "ipc");
		driver_join(s->shm, sizeof s->shm, s->dir, "shm");
		ed->ipc_ns_path = s->ipc;
		ed->shm_dir = s->shm;
	}
	if (td->pid_mode == TD_NS_TASK && sc->shared->pause > 0) {
		snprintf(s->pidns, sizeof s->pidns, "/proc/%d/ns/pid", (int)sc->shared->pause);
		ed->pid_ns_path = s->pidns;
	}
}

/* A host name of its own, except in host mode without one (the node's). */
static void pick_hostname(const struct start_ctx *sc, struct start *s)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];

	if (c->hostname)
		snprintf(s->hostname, sizeof s->hostname, "%s", c->hostname);
	else if (taskdef_network(sc->as->td) != TD_NET_HOST)
		snprintf(s->hostname, sizeof s->hostname, "%.12s", sc->as->task_id);
}

static int create_start(struct driver *d, const struct start_ctx *sc, struct start *s,
			struct sk_err *err)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];
	struct bundle_opts bo = {0};
	struct rt_create_opts co = {0};
	struct spec_edit ed;

	if (build_env(sc->as, c, &s->env, err) < 0)
		return -1;
	driver_join(s->bundle, sizeof s->bundle, d->bundles, s->id);
	bo.entrypoint = c->n_entry_point ? (const char *const *)c->entry_point : NULL;
	bo.cmd = c->n_command ? (const char *const *)c->command : NULL;
	bo.env = s->env.n ? (const char *const *)s->env.v : NULL;
	bo.workdir = c->working_directory;
	bo.user = c->user;
	if (image_bundle_create(&d->img, c->image, s->id, s->bundle, &bo, err) < 0)
		return sk_wrap(err, "bundle for %s", c->image);
	pick_hostname(sc, s);
	if (setup_network(d, sc, s->id, &s->net, err) < 0 || files(d, sc, s, err) < 0 ||
	    devices(c, s->dev, &s->n_dev, err) < 0)
		return -1;
	add_mounts_of(d, sc, c, 0, &s->mounts, 0);
	fill_edit(d, sc, s, &ed);
	if (spec_edit_apply(s->bundle, &ed, err) < 0)
		return -1;
	co.bundle = s->bundle;
	if (rt_create(&d->rt, s->id, &co, err) < 0)
		return sk_wrap(err, "create %s", s->id);
	if (rt_start(&d->rt, s->id, err) < 0)
		return sk_wrap(err, "start %s", s->id);
	return 0;
}

int driver_start(struct driver *d, const struct start_ctx *sc, char address[48], struct sk_err *err)
{
	const struct td_container *c = &sc->as->td->containers[sc->index];
	struct start *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return sk_fail(err, ENOMEM, "container %s", c->name);
	driver_container_id(sc->as->task_id, c->name, s->id);
	driver_remove(d, s->id, NULL);
	rc = create_start(d, sc, s, err);
	if (rc < 0) {
		driver_remove(d, s->id, NULL);
		sk_wrap(err, "container %s", c->name);
	} else {
		snprintf(address, 48, "%s", s->net.address);
	}
	env_free(&s->env);
	free(s);
	return rc;
}
