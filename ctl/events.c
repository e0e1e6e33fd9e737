/* Cluster events from record changes (see events.h). */
#include "events.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

struct change {
	const struct etcd_event *ev;
	cJSON *now, *before; /* the values, NULL when absent */
	int created;
};

static const char *str(const cJSON *o, const char *k)
{
	return json_record_str(o, k);
}

static void set(struct event *e, const char *object, const char *id, const char *what)
{
	e->object = object;
	snprintf(e->id, sizeof e->id, "%s", id);
	snprintf(e->what, sizeof e->what, "%s", what);
}

static int task_event(const char *id, const struct change *c, struct event *e)
{
	if (c->ev->type == ETCD_EV_DELETE) {
		set(e, "task", id, "deleted");
		return 1;
	}
	if (c->created) {
		set(e, "task", id, "created");
		snprintf(e->time, sizeof e->time, "%s", str(c->now, "createdAt"));
		snprintf(e->detail, sizeof e->detail, "%s%s%s", str(c->now, "taskDefinition"),
			 *str(c->now, "service") ? ", service " : "", str(c->now, "service"));
		return 1;
	}
	if (!strcmp(str(c->now, "desiredStatus"), "STOPPED") &&
	    strcmp(str(c->before, "desiredStatus"), "STOPPED")) {
		set(e, "task", id, "stop requested");
		snprintf(e->time, sizeof e->time, "%s", str(c->now, "stoppedAt"));
		snprintf(e->detail, sizeof e->detail, "%s", str(c->now, "stoppedReason"));
		return 1;
	}
	return 0;
}

static void stop_detail(const cJSON *st, char *buf, size_t size)
{
	const cJSON *k;
	size_t n = (size_t)snprintf(buf, size, "%s", str(st, "stoppedReason"));

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(st, "containers"))
	{
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(k, "exitCode");
		if (cJSON_IsNumber(code) && n < size) {
			n += (size_t)snprintf(buf + n, size - n, "%sexit %d (%s)", n ? ", " : "",
					      (int)code->valuedouble, str(k, "name"));
			break;
		}
	}
	if (*str(st, "detail") && n < size)
		snprintf(buf + n, size - n, "%s%s", n ? ": " : "", str(st, "detail"));
}

static int status_event(const char *node, const char *task, const struct change *c, struct event *e)
{
	const char *now = str(c->now, "status"), *was = str(c->before, "status");
	const char *health = str(c->now, "healthStatus");

	if (c->ev->type == ETCD_EV_DELETE || !*now)
		return 0;
	if (strcmp(now, was)) {
		set(e, "task", task, now);
		if (!strcmp(now, "STOPPED"))
			stop_detail(c->now, e->detail, sizeof e->detail);
	} else if (*health && strcmp(health, str(c->before, "healthStatus"))) {
		set(e, "task", task, health);
	} else {
		return 0;
	}
	snprintf(e->node, sizeof e->node, "%s", node);
	snprintf(e->time, sizeof e->time, "%s", str(c->now, "updatedAt"));
	return 1;
}

static int node_event(const char *id, const struct change *c, struct event *e)
{
	if (c->ev->type == ETCD_EV_DELETE) {
		set(e, "node", id, "lost");
		snprintf(e->detail, sizeof e->detail, "its lease ended");
		return 1;
	}
	if (!c->created)
		return 0;
	set(e, "node", id, "joined");
	snprintf(e->time, sizeof e->time, "%s", str(c->now, "registered_at"));
	const cJSON *addr =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c->now, "addresses"), 0);
	if (cJSON_IsString(addr))
		snprintf(e->detail, sizeof e->detail, "address %s", addr->valuestring);
	return 1;
}

static int nodemeta_event(const char *id, const struct change *c, struct event *e)
{
	const char *now = c->now ? str(c->now, "status") : "ACTIVE";
	const char *was =
	    c->before && *str(c->before, "status") ? str(c->before, "status") : "ACTIVE";

	if (!*now || !strcmp(now, was))
		return 0;
	set(e, "node", id, now);
	return 1;
}

static int service_event(const char *name, const struct change *c, struct event *e)
{
	long long now = json_record_int(c->now, "desiredCount", 0),
		  was = json_record_int(c->before, "desiredCount", 0);

	if (c->ev->type == ETCD_EV_DELETE)
		set(e, "service", name, "deleted");
	else if (c->created) {
		set(e, "service", name, "created");
		snprintf(e->time, sizeof e->time, "%s", str(c->now, "createdAt"));
	} else if (!strcmp(str(c->now, "status"), "DRAINING") &&
		   strcmp(str(c->before, "status"), "DRAINING"))
		set(e, "service", name, "deleting");
	else if (now != was ||
		 strcmp(str(c->now, "taskDefinition"), str(c->before, "taskDefinition")))
		set(e, "service", name, "updated");
	else
		return 0;
	if (c->now)
		snprintf(e->detail, sizeof e->detail, "%s, desired count %lld",
			 str(c->now, "taskDefinition"), now);
	return 1;
}

/* KIND/A[/B] after the prefix. */
static int route(const char *rest, const struct change *c, struct event *e)
{
	char kind[32], a[160], b[160] = "";
	const char *s1 = strchr(rest, '/'), *s2;

	if (!s1 || (size_t)(s1 - rest) >= sizeof kind)
		return 0;
	snprintf(kind, sizeof kind, "%.*s", (int)(s1 - rest), rest);
	s2 = strchr(s1 + 1, '/');
	snprintf(a, sizeof a, "%.*s", (int)(s2 ? s2 - s1 - 1 : (long)strlen(s1 + 1)), s1 + 1);
	if (s2)
		snprintf(b, sizeof b, "%s", s2 + 1);
	if (!strcmp(kind, "tasks") && !s2)
		return task_event(a, c, e);
	if (!strcmp(kind, "assign") && *b && c->created) {
		set(e, "task", b, "placed");
		snprintf(e->node, sizeof e->node, "%s", a);
		return 1;
	}
	if (!strcmp(kind, "status") && *b)
		return status_event(a, b, c, e);
	if (!strcmp(kind, "nodes") && !s2)
		return node_event(a, c, e);
	if (!strcmp(kind, "nodemeta") && !s2)
		return nodemeta_event(a, c, e);
	if (!strcmp(kind, "services") && !s2)
		return service_event(a, c, e);
	return 0;
}

int events_describe(const char *prefix, const struct etcd_event *ev, int64_t rev, struct event *out)
{
	size_t pl = strlen(prefix);
	struct change c = {.ev = ev};
	int rc;

	memset(out, 0, sizeof *out);
	out->revision = rev;
	if (!ev->kv.key || strncmp(ev->kv.key, prefix, pl))
		return 0;
	if (ev->type == ETCD_EV_PUT)
		c.now = cJSON_Parse(ev->kv.value);
	if (ev->prev_kv.key)
		c.before = cJSON_Parse(ev->prev_kv.value);
	c.created = ev->type == ETCD_EV_PUT && ev->kv.version == 1;
	rc = route(ev->kv.key + pl, &c, out);
	cJSON_Delete(c.now);
	cJSON_Delete(c.before);
	return rc;
}

cJSON *events_json(const struct event *e)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "revision", (double)e->revision);
	if (e->time[0])
		cJSON_AddStringToObject(j, "time", e->time);
	cJSON_AddStringToObject(j, "object", e->object);
	cJSON_AddStringToObject(j, "id", e->id);
	cJSON_AddStringToObject(j, "event", e->what);
	if (e->node[0])
		cJSON_AddStringToObject(j, "node", e->node);
	if (e->detail[0])
		cJSON_AddStringToObject(j, "detail", e->detail);
	return j;
}
