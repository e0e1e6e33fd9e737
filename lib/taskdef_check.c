/* Rules that span a task definition: names that must be unique or must
 * name something, what each network mode allows, memory and CPU against
 * the task's, ports that would collide, and dependency cycles. Fields may
 * have failed their own checks already (and be NULL): every rule here
 * skips what it cannot judge, so that all problems are still reported. */
#include <stdlib.h>
#include <string.h>

#include "taskdef_internal.h"

static void cpath(char out[TD_PATH_MAX], size_t i, const char *rest)
{
	snprintf(out, TD_PATH_MAX, "containerDefinitions[%zu]%s%s", i, *rest ? "." : "", rest);
}

static int index_of(const struct taskdef *td, const char *name)
{
	for (size_t i = 0; name && i < td->n_containers; i++)
		if (td->containers[i].name && !strcmp(td->containers[i].name, name))
			return (int)i;
	return -1;
}

static void check_unique_names(struct td_walk *w, const struct taskdef *td)
{
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < td->n_containers; i++) {
		int first = index_of(td, td->containers[i].name);
		if (first >= 0 && (size_t)first != i) {
			cpath(p, i, "name");
			td_error(w, p, "\"%s\" is also the name of containerDefinitions[%d]",
				 td->containers[i].name, first);
		}
	}
	for (size_t i = 0; i < td->n_volumes; i++)
		for (size_t j = 0; j < i && td->volumes[i].name; j++)
			if (td->volumes[j].name &&
			    !strcmp(td->volumes[i].name, td->volumes[j].name)) {
				snprintf(p, sizeof p, "volumes[%zu].name", i);
				td_error(w, p, "\"%s\" is also the name of volumes[%zu]",
					 td->volumes[i].name, j);
				break;
			}
}

static void check_essential(struct td_walk *w, const struct taskdef *td)
{
	for (size_t i = 0; i < td->n_containers; i++)
		if (taskdef_essential(&td->containers[i]))
			return;
	if (td->n_containers)
		td_error(w, "containerDefinitions", "no essential container");
}

/* EC2 rules: memory per container unless the task has it; the containers
 * must fit the task's memory and CPU. */
static void check_resources(struct td_walk *w, const struct taskdef *td)
{
	int64_t mem = 0, cpu = 0;
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_container *c = &td->containers[i];
		int64_t m = c->memory_reservation != TD_UNSET ? c->memory_reservation : c->memory;
		const cJSON *cj = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(w->doc, "containerDefinitions"), (int)i);
		/* a value given but refused has its own error; null and [] are
		 * absent, as everywhere in a definition */
		if (m == TD_UNSET && td->memory == TD_UNSET &&
		    td_is_unset(cJSON_GetObjectItemCaseSensitive(cj, "memory")) &&
		    td_is_unset(cJSON_GetObjectItemCaseSensitive(cj, "memoryReservation")) &&
		    td_is_unset(cJSON_GetObjectItemCaseSensitive(w->doc, "memory"))) {
			cpath(p, i, "memory");
			td_error(w, p, "required (or memoryReservation, or the task's memory)");
		}
		if (td->memory != TD_UNSET && c->memory != TD_UNSET && c->memory > td->memory) {
			cpath(p, i, "memory");
			td_error(w, p, "%lld MiB is above the task's memory (%lld MiB)",
				 (long long)c->memory, (long long)td->memory);
		}
		mem += m == TD_UNSET ? 0 : m;
		cpu += c->cpu == TD_UNSET ? 0 : c->cpu;
	}
	if (td->memory != TD_UNSET && mem > td->memory)
		td_error(w, "memory", "the containers reserve %lld MiB, more than the task's %lld",
			 (long long)mem, (long long)td->memory);
	if (td->cpu != TD_UNSET && cpu > td->cpu)
		td_error(w, "cpu",
			 "the containers ask for %lld CPU units, more than the task's %lld",
			 (long long)cpu, (long long)td->cpu);
}

static void check_port_mode(struct td_walk *w, enum td_network net, const struct td_container *c,
			    size_t i)
{
	char p[TD_PATH_MAX], rest[64];

	if (net == TD_NET_NONE && c->n_port_mappings) {
		cpath(p, i, "portMappings");
		td_error(w, p, "networkMode none has no port mappings");
	}
	for (size_t j = 0; net != TD_NET_BRIDGE && j < c->n_port_mappings; j++) {
		const struct td_port_mapping *m = &c->port_mappings[j];
		if (m->host_port == TD_UNSET || m->host_port == 0 ||
		    m->host_port == m->container_port)
			continue;
		snprintf(rest, sizeof rest, "portMappings[%zu].hostPort", j);
		cpath(p, i, rest);
		td_error(w, p, "networkMode %s: hostPort must be absent or equal containerPort",
			 td_network_names[net]);
	}
}

static void check_network(struct td_walk *w, const struct taskdef *td)
{
	enum td_network net = taskdef_network(td);
	char p[TD_PATH_MAX];

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_container *c = &td->containers[i];
		check_port_mode(w, net, c, i);
		if (net != TD_NET_BRIDGE && c->n_links) {
			cpath(p, i, "links");
			td_error(w, p, "links need networkMode bridge");
		}
		if (net == TD_NET_AWSVPC && c->hostname) {
			cpath(p, i, "hostname");
			td_error(w, p, "not supported with networkMode awsvpc");
		}
		if (net == TD_NET_AWSVPC && c->n_extra_hosts) {
			cpath(p, i, "extraHosts");
			td_error(w, p, "not supported with networkMode awsvpc");
		}
		for (size_t j = 0; j < c->n_system_controls; j++) {
			const char *ns = c->system_controls[j].namespace_;
			char rest[64];
			snprintf(rest, sizeof rest, "systemControls[%zu].namespace", j);
			cpath(p, i, rest);
			if (ns && !strncmp(ns, "net.", 4) && net == TD_NET_HOST)
				td_error(w, p, "net.* cannot be set with networkMode host");
			else if (ns && strncmp(ns, "net.", 4) && td->ipc_mode == TD_NS_HOST)
				td_error(w, p, "IPC sysctls cannot be set with ipcMode host");
		}
	}
	if (td->proxy_configuration && net != TD_NET_AWSVPC)
		td_error(w, "proxyConfiguration", "needs networkMode awsvpc");
}

/* A port of one mapping, ranges taken one port at a time. */
struct port_use {
	int64_t port;
	int proto;
	size_t container, mapping;
};

static size_t ports_of(const struct td_container *c, size_t ci, int host, struct port_use *out,
		       size_t max)
{
	size_t n = 0;

	for (size_t j = 0; j < c->n_port_mappings; j++) {
		const struct td_port_mapping *m = &c->port_mappings[j];
		int proto = m->protocol < 0 ? TD_TCP : m->protocol;
		int64_t first = m->range_first != TD_UNSET ? m->range_first : m->container_port;
		int64_t last = m->range_first != TD_UNSET ? m->range_last : m->container_port;
		if (host && m->range_first == TD_UNSET) /* a static host port */
			first = last = m->host_port == TD_UNSET ? 0 : m->host_port;
		else if (host)
			continue;
		for (int64_t p = first; p > 0 && p <= last && n < max; p++)
			out[n++] = (struct port_use){p, proto, ci, j};
	}
	return n;
}

/* Within a container, a container port is mapped once; across the task,
 * a static host port (bridge) or a container port (host, awsvpc: one
 * namespace) is used once. */
static void check_ports(struct td_walk *w, const struct taskdef *td)
{
	enum td_network net = taskdef_network(td);
	int shared = net == TD_NET_HOST || net == TD_NET_AWSVPC;
	size_t cap = TD_MAX_CONTAINERS * TD_MAX_PORTS * 2, n = 0;
	struct port_use *u = calloc(cap, sizeof *u);
	char p[TD_PATH_MAX], rest[64];

	for (size_t i = 0; u && i < td->n_containers; i++) {
		size_t first = n;
		n += ports_of(&td->containers[i], i, 0, u + n, cap - n);
		for (size_t a = first; a < n; a++)
			for (size_t b = shared ? 0 : first; b < a; b++) {
				if (u[a].port != u[b].port || u[a].proto != u[b].proto ||
				    (!shared && u[a].mapping == u[b].mapping))
					continue;
				snprintf(rest, sizeof rest, "portMappings[%zu]", u[a].mapping);
				cpath(p, u[a].container, rest);
				td_error(w, p,
					 "port %lld/%s is mapped twice (containerDefinitions[%zu]."
					 "portMappings[%zu])",
					 (long long)u[a].port, td_protocol_names[u[a].proto],
					 u[b].container, u[b].mapping);
				break;
			}
	}
	if (u && net == TD_NET_BRIDGE) {
		n = 0;
		for (size_t i = 0; i < td->n_containers; i++)
			n += ports_of(&td->containers[i], i, 1, u + n, cap - n);
		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < a; b++)
				if (u[a].port == u[b].port && u[a].proto == u[b].proto) {
					snprintf(rest, sizeof rest, "portMappings[%zu].hostPort",
						 u[a].mapping);
					cpath(p, u[a].container, rest);
					td_error(
					    w, p, "host port %lld/%s is used twice in the task",
					    (long long)u[a].port, td_protocol_names[u[a].proto]);
					break;
				}
	}
	free(u);
}

static int names_container(struct td_walk *w, const struct taskdef *td, size_t i, const char *name,
			   const char *rest)
{
	char p[TD_PATH_MAX];
	int k = index_of(td, name);

	if (!name)
		return -1;
	cpath(p, i, rest);
	if (k < 0)
		td_error(w, p, "no container \"%s\" in this task definition", name);
	else if ((size_t)k == i)
		td_error(w, p, "a container cannot name itself");
	else
		return k;
	return -1;
}

static void check_depends(struct td_walk *w, const struct taskdef *td, size_t i)
{
	const struct td_container *c = &td->containers[i];
	char rest[64], p[TD_PATH_MAX];

	for (size_t j = 0; j < c->n_depends_on; j++) {
		const struct td_dependency *d = &c->depends_on[j];
		snprintf(rest, sizeof rest, "dependsOn[%zu].containerName", j);
		int k = names_container(w, td, i, d->container_name, rest);
		if (k < 0)
			continue;
		const struct td_container *dep = &td->containers[k];
		snprintf(rest, sizeof rest, "dependsOn[%zu].condition", j);
		cpath(p, i, rest);
		if ((d->condition == TD_DEP_COMPLETE || d->condition == TD_DEP_SUCCESS) &&
		    taskdef_essential(dep))
			td_error(w, p,
				 "%s: \"%s\" is essential, so it cannot be waited for to exit",
				 td_condition_names[d->condition], dep->name);
		if (d->condition == TD_DEP_HEALTHY && !dep->health_check)
			td_error(w, p, "HEALTHY: \"%s\" has no healthCheck", dep->name);
	}
}

static void check_mounts(struct td_walk *w, const struct taskdef *td, size_t i)
{
	const struct td_container *c = &td->containers[i];
	const struct td_linux_parameters *lp = c->linux_parameters;
	size_t n_tmpfs = lp ? lp->n_tmpfs : 0;
	char rest[64], p[TD_PATH_MAX];

	for (size_t j = 0; j < c->n_mount_points; j++) {
		const struct td_mount_point *m = &c->mount_points[j];
		snprintf(rest, sizeof rest, "mountPoints[%zu].sourceVolume", j);
		cpath(p, i, rest);
		if (m->source_volume && !taskdef_volume(td, m->source_volume))
			td_error(w, p, "no volume \"%s\" in volumes", m->source_volume);
	}
	/* One destination per mount: mount points and tmpfs together. */
	for (size_t a = 0; a < c->n_mount_points + n_tmpfs; a++) {
		const char *pa = a < c->n_mount_points
				     ? c->mount_points[a].container_path
				     : lp->tmpfs[a - c->n_mount_points].container_path;
		for (size_t b = 0; pa && b < a; b++) {
			const char *pb = b < c->n_mount_points
					     ? c->mount_points[b].container_path
					     : lp->tmpfs[b - c->n_mount_points].container_path;
			if (!pb || strcmp(pa, pb))
				continue;
			cpath(p, i,
			      a < c->n_mount_points ? "mountPoints" : "linuxParameters.tmpfs");
			td_error(w, p, "%s is mounted twice", pa);
			break;
		}
	}
}

static void check_references(struct td_walk *w, const struct taskdef *td)
{
	char rest[64];

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_container *c = &td->containers[i];
		for (size_t j = 0; j < c->n_links; j++) {
			char name[TD_NAME_MAX + 1];
			snprintf(name, sizeof name, "%.*s", (int)strcspn(c->links[j], ":"),
				 c->links[j]);
			snprintf(rest, sizeof rest, "links[%zu]", j);
			names_container(w, td, i, name, rest);
		}
		for (size_t j = 0; j < c->n_volumes_from; j++) {
			snprintf(rest, sizeof rest, "volumesFrom[%zu].sourceContainer", j);
			names_container(w, td, i, c->volumes_from[j].source_container, rest);
		}
		check_depends(w, td, i);
		check_mounts(w, td, i);
	}
}

int taskdef_waits_for(const struct taskdef *td, size_t i, size_t k)
{
	const struct td_container *c = &td->containers[i];
	const char *name = td->containers[k].name;
	char link[TD_NAME_MAX + 1];

	if (!name)
		return 0;
	for (size_t j = 0; j < c->n_depends_on; j++)
		if (c->depends_on[j].container_name &&
		    !strcmp(c->depends_on[j].container_name, name))
			return 1;
	for (size_t j = 0; j < c->n_links; j++) {
		snprintf(link, sizeof link, "%.*s", (int)strcspn(c->links[j], ":"), c->links[j]);
		if (!strcmp(link, name))
			return 1;
	}
	for (size_t j = 0; j < c->n_volumes_from; j++)
		if (c->volumes_from[j].source_container &&
		    !strcmp(c->volumes_from[j].source_container, name))
			return 1;
	return 0;
}

static int cycle_from(const struct taskdef *td, size_t i, int *state, size_t *stack, size_t depth,
		      size_t *len)
{
	state[i] = 1;
	stack[depth] = i;
	for (size_t k = 0; k < td->n_containers; k++) {
		if (k == i || !taskdef_waits_for(td, i, k) || state[k] == 2)
			continue;
		if (state[k] == 1) {
			size_t from = 0;
			while (stack[from] != k)
				from++;
			memmove(stack, stack + from, (depth + 1 - from) * sizeof *stack);
			*len = depth + 1 - from;
			return 1;
		}
		if (cycle_from(td, k, state, stack, depth + 1, len))
			return 1;
	}
	state[i] = 2;
	return 0;
}

static void check_cycles(struct td_walk *w, const struct taskdef *td)
{
	int state[TD_MAX_CONTAINERS] = {0};
	size_t stack[TD_MAX_CONTAINERS + 1], len = 0;
	char chain[TD_PATH_MAX] = "", p[TD_PATH_MAX];

	if (td->n_containers > TD_MAX_CONTAINERS)
		return;
	for (size_t i = 0; i < td->n_containers; i++) {
		if (state[i] || !cycle_from(td, i, state, stack, 0, &len))
			continue;
		for (size_t j = 0; j <= len; j++) {
			size_t used = strlen(chain);
			snprintf(chain + used, sizeof chain - used, "%s%s", j ? " -> " : "",
				 td->containers[stack[j % len]].name);
		}
		cpath(p, stack[0], "dependsOn");
		td_error(w, p, "containers wait for each other: %s", chain);
		return;
	}
}

void td_check_task(struct td_walk *w, struct taskdef *td)
{
	check_unique_names(w, td);
	check_essential(w, td);
	check_resources(w, td);
	check_network(w, td);
	check_ports(w, td);
	check_references(w, td);
	check_cycles(w, td);
}
