/* Host ports. In bridge mode a mapping without a hostPort (or with 0), and
 * every port of a containerPortRange, gets a port of the ephemeral range
 * 32768-61000 that no task of this node holds and nothing on the node
 * listens on, as the ECS agent picks them; a static hostPort is refused
 * while another task holds it. In host mode the container's ports are the
 * node's. The choice is kept in the task's directory, so that a restarted
 * agent reports the same ports. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_internal.h"
#include "cleanup.h"
#include "file.h"
#include "mkdir_p.h"
#include "scan.h"

#define PORTS_FILE "ports"

static const struct task *holder(const struct agent *a, const struct task *self,
				 const struct port_binding *partial, size_t n, int proto,
				 unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (partial[i].proto == proto && partial[i].host_port == port)
			return self;
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		const struct task *t = &a->tasks[i];
		if (!t->used || t == self || t->state == TASK_STOPPED)
			continue;
		for (size_t k = 0; k < t->n_ports; k++)
			if (t->ports[k].proto == proto && t->ports[k].host_port == port)
				return t;
	}
	return NULL;
}

/* Nothing on the node listens on it. */
static int bindable(int proto, unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, (proto == TD_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int ok = s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0;

	if (s >= 0)
		close(s);
	return ok;
}

/* Several agents may share one host (tests): each starts its search at a
 * place of its own. */
static unsigned start_port(const struct agent *a)
{
	uint32_t h = 2166136261u;

	for (const char *p = a->cfg->node_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return TD_EPHEMERAL_LOW + h % (TD_EPHEMERAL_HIGH - TD_EPHEMERAL_LOW + 1);
}

static int pick(struct agent *a, const struct task *t, const struct port_binding *partial, size_t n,
		int proto, unsigned *out)
{
	static unsigned next;
	unsigned span = TD_EPHEMERAL_HIGH - TD_EPHEMERAL_LOW + 1;

	if (!next)
		next = start_port(a);
	for (unsigned i = 0; i < span; i++) {
		unsigned p = TD_EPHEMERAL_LOW + (next - TD_EPHEMERAL_LOW + i) % span;
		if (!holder(a, t, partial, n, proto, p) && bindable(proto, p)) {
			next = p + 1 > TD_EPHEMERAL_HIGH ? TD_EPHEMERAL_LOW : p + 1;
			*out = p;
			return 0;
		}
	}
	return -1;
}

static int add(struct agent *a, struct task *t, struct port_binding *b, size_t *n, size_t ci,
	       int proto, unsigned cport, unsigned hport, struct sk_err *err)
{
	const struct task *other;

	if (!hport && pick(a, t, b, *n, proto, &hport) < 0)
		return sk_fail(err, 0, "no free host port in %d-%d", TD_EPHEMERAL_LOW,
			       TD_EPHEMERAL_HIGH);
	if ((other = holder(a, t, b, *n, proto, hport)) && other != t)
		return sk_fail(err, 0, "host port %u/%s is held by task %s", hport,
			       td_protocol_names[proto], other->id);
	b[(*n)++] =
	    (struct port_binding){(uint8_t)ci, (uint8_t)proto, (uint16_t)cport, (uint16_t)hport};
	return 0;
}

static int allocate(struct agent *a, struct task *t, struct port_binding *b, size_t *n,
		    struct sk_err *err)
{
	const struct taskdef *td = t->def->td;
	int host = taskdef_network(td) == TD_NET_HOST;

	for (size_t ci = 0; ci < td->n_containers; ci++) {
		const struct td_container *c = &td->containers[ci];
		if (c->disable_networking == 1)
			continue;
		for (size_t j = 0; j < c->n_port_mappings; j++) {
			const struct td_port_mapping *m = &c->port_mappings[j];
			int proto = m->protocol < 0 ? TD_TCP : m->protocol;
			int64_t first =
			    m->range_first != TD_UNSET ? m->range_first : m->container_port;
			int64_t last =
			    m->range_first != TD_UNSET ? m->range_last : m->container_port;
			for (int64_t p = first; p <= last; p++) {
				unsigned hp =
				    host ? (unsigned)p
				    : m->range_first == TD_UNSET && m->host_port != TD_UNSET
					? (unsigned)m->host_port
					: 0;
				if (add(a, t, b, n, ci, proto, (unsigned)p, hp, err) < 0)
					return sk_wrap(err, "%s port %lld", c->name, (long long)p);
			}
		}
	}
	return 0;
}

int ports_allocate(struct agent *a, struct task *t, struct sk_err *err)
{
	enum td_network net = taskdef_network(t->def->td);
	size_t n = 0, max = TD_MAX_CONTAINERS * TD_MAX_PORTS;
	struct port_binding *b;

	free(t->ports);
	t->ports = NULL;
	t->n_ports = 0;
	if (net != TD_NET_BRIDGE && net != TD_NET_HOST)
		return 0;
	if (!(b = calloc(max, sizeof *b)))
		return sk_fail(err, ENOMEM, "host ports");
	if (allocate(a, t, b, &n, err) < 0) {
		free(b);
		return -1;
	}
	t->ports = b;
	t->n_ports = n;
	ports_save(a, t);
	return 0;
}

void ports_save(struct agent *a, const struct task *t)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	FILE *f;

	driver_task_dir(a->drv, t->id, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, PORTS_FILE);
	if (sk_mkdir_p(dir, 0755, NULL) < 0 || !(f = fopen(path, "we")))
		return;
	for (size_t i = 0; i < t->n_ports; i++)
		fprintf(f, "%u %u %u %u\n", t->ports[i].container, t->ports[i].proto,
			t->ports[i].container_port, t->ports[i].host_port);
	fclose(f);
}

size_t ports_parse(const char *text, struct port_binding *out, size_t max)
{
	unsigned long long v[4];
	size_t n = 0;

	while (n < max && sk_scan_ull(&text, &v[0]) && sk_scan_ull(&text, &v[1]) &&
	       sk_scan_ull(&text, &v[2]) && sk_scan_ull(&text, &v[3]))
		out[n++] = (struct port_binding){(uint8_t)v[0], (uint8_t)v[1], (uint16_t)v[2],
						 (uint16_t)v[3]};
	return n;
}

void ports_load(struct agent *a, struct task *t)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	size_t max = TD_MAX_CONTAINERS * TD_MAX_PORTS;
	SK_AUTOFREE char *text = NULL;

	driver_task_dir(a->drv, t->id, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, PORTS_FILE);
	if (t->ports || sk_read_file(path, 1 << 20, &text, NULL, &(struct sk_err){0}) < 0)
		return;
	if ((t->ports = calloc(max, sizeof *t->ports)))
		t->n_ports = ports_parse(text, t->ports, max);
}
