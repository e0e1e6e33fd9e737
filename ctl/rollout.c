/* The rollout document (see rollout.h): reading and writing it, and what
 * skiffctl does with it: create (choosing the nodes), get, cancel. Every
 * write is a transaction on the key's revision, so skiffctl and the
 * leader never overwrite each other's step. */
#define _GNU_SOURCE
#include "rollout.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

static const char *const state_names[] = {"running", "done", "halted", "cancelled"};
static const char *const node_state_names[] = {"pending", "draining", "updating",
					       "done",	  "failed",   "skipped"};

const char *rollout_state_name(enum ro_state s)
{
	return state_names[s];
}

const char *rollout_node_state_name(enum ro_node_state s)
{
	return node_state_names[s];
}

int rollout_node_busy(const struct ro_node *n)
{
	return n->state == RN_DRAINING || n->state == RN_UPDATING;
}

/* ---- the document ---- */

static int name_index(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static time_t parse_time(const char *s)
{
	struct tm tm = {0};
	if (!*s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return timegm(&tm);
}

static void add_time(cJSON *j, const char *key, time_t t)
{
	char buf[32];
	struct tm tm;
	if (!t)
		return;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(j, key, buf);
}

static int copy_str(char *dst, size_t size, const char *s, const char *path, struct sk_err *err)
{
	if (strlen(s) >= size)
		return sk_fail(err, 0, "%s: longer than %zu bytes", path, size - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int node_from_json(const cJSON *j, const char *path, void *elem, struct sk_err *err)
{
	struct ro_node *n = elem;
	char p[64];
	int st = name_index(json_record_str(j, "state"), node_state_names, 6);
	if (!cJSON_IsObject(j))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (st < 0)
		return sk_fail(err, 0, "%s: bad state `%s`", json_path(p, sizeof p, path, "state"),
			       json_record_str(j, "state"));
	n->state = st;
	n->was_draining = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "wasDraining"));
	n->since = parse_time(json_record_str(j, "since"));
	n->gone_at = parse_time(json_record_str(j, "goneAt"));
	if (!*json_record_str(j, "node"))
		return sk_fail(err, 0, "%s: no node", path);
	return copy_str(n->name, sizeof n->name, json_record_str(j, "node"),
			json_path(p, sizeof p, path, "node"), err) < 0 ||
		       copy_str(n->reason, sizeof n->reason, json_record_str(j, "reason"),
				json_path(p, sizeof p, path, "reason"), err) < 0
		   ? -1
		   : 0;
}

int rollout_from_json(const cJSON *j, struct rollout *r, struct sk_err *err)
{
	int n = 0;
	void *nodes = NULL;
	memset(r, 0, sizeof *r);
	int st = name_index(json_record_str(j, "state"), state_names, 4);
	if (!cJSON_IsObject(j))
		return sk_fail(err, 0, "rollout: expected an object");
	if (st < 0)
		return sk_fail(err, 0, "rollout.state: bad state `%s`",
			       json_record_str(j, "state"));
	r->state = st;
	r->max_unavailable = (int)json_record_int(j, "maxUnavailable", 1);
	r->node_timeout_s = (int)json_record_int(j, "nodeTimeoutS", ROLLOUT_DEFAULT_TIMEOUT);
	r->created = parse_time(json_record_str(j, "createdAt"));
	r->updated = parse_time(json_record_str(j, "updatedAt"));
	int rc = json_array_parse(j, "nodes", "rollout", sizeof(struct ro_node), node_from_json,
				  &nodes, &n, err);
	r->nodes = nodes;
	r->nnodes = (size_t)n;
	if (rc < 0 ||
	    copy_str(r->id, sizeof r->id, json_record_str(j, "id"), "rollout.id", err) < 0 ||
	    copy_str(r->image, sizeof r->image, json_record_str(j, "image"), "rollout.image", err) <
		0 ||
	    copy_str(r->reason, sizeof r->reason, json_record_str(j, "reason"), "rollout.reason",
		     err) < 0) {
		rollout_free(r);
		return -1;
	}
	if (r->max_unavailable < 1)
		r->max_unavailable = 1;
	return 0;
}

static cJSON *node_to_json(const struct ro_node *n)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "node", n->name);
	cJSON_AddStringToObject(j, "state", node_state_names[n->state]);
	if (n->was_draining)
		cJSON_AddTrueToObject(j, "wasDraining");
	add_time(j, "since", n->since);
	add_time(j, "goneAt", n->gone_at);
	if (*n->reason)
		cJSON_AddStringToObject(j, "reason", n->reason);
	return j;
}

cJSON *rollout_to_json(const struct rollout *r)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", r->id);
	cJSON_AddStringToObject(j, "image", r->image);
	cJSON_AddStringToObject(j, "state", state_names[r->state]);
	if (*r->reason)
		cJSON_AddStringToObject(j, "reason", r->reason);
	cJSON_AddNumberToObject(j, "maxUnavailable", r->max_unavailable);
	cJSON_AddNumberToObject(j, "nodeTimeoutS", r->node_timeout_s);
	add_time(j, "createdAt", r->created);
	add_time(j, "updatedAt", r->updated);
	cJSON *nodes = cJSON_AddArrayToObject(j, "nodes");
	for (size_t i = 0; i < r->nnodes; i++)
		cJSON_AddItemToArray(nodes, node_to_json(&r->nodes[i]));
	return j;
}

void rollout_free(struct rollout *r)
{
	free(r->nodes);
	r->nodes = NULL;
	r->nnodes = 0;
}

int rollout_check_image(const char *ref, struct sk_err *err)
{
	size_t n = strlen(ref);
	if (!n)
		return ctl_usage_error(err, "--image: empty");
	if (n >= ROLLOUT_IMAGE_MAX)
		return ctl_usage_error(err, "--image %.40s…: longer than %d bytes", ref,
				       ROLLOUT_IMAGE_MAX - 1);
	for (const char *p = ref; *p; p++)
		if (!isgraph((unsigned char)*p))
			return ctl_usage_error(err,
					       "--image `%s`: byte %zu is a space or unprintable",
					       ref, (size_t)(p - ref) + 1);
	return 0;
}

/* ---- choosing the nodes ---- */

static int node_has_label(const struct m_node *n, const char *k, const char *v)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(n->rec, "labels");
	return strcmp(json_record_str(labels, k), v) == 0 && *v;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ro_node *)a)->name, ((const struct ro_node *)b)->name);
}

static int add_node(struct rollout *r, const struct m_node *n)
{
	for (size_t i = 0; i < r->nnodes; i++)
		if (strcmp(r->nodes[i].name, n->id) == 0)
			return 0;
	if (strlen(n->id) >= ROLLOUT_NODE_MAX)
		return 0; /* the agent refuses such names: it never registered */
	struct ro_node *v = realloc(r->nodes, (r->nnodes + 1) * sizeof *v);
	if (!v)
		return -1;
	r->nodes = v;
	v[r->nnodes] = (struct ro_node){.state = RN_PENDING, .was_draining = n->draining};
	snprintf(v[r->nnodes++].name, ROLLOUT_NODE_MAX, "%s", n->id);
	return 0;
}

/* One entry of --nodes: a node's name, or LABEL=VALUE (ACTIVE nodes). */
static int select_entry(struct rollout *r, const struct model *m, const char *e, struct sk_err *err)
{
	const char *eq = strchr(e, '=');
	if (!*e)
		return ctl_usage_error(err,
				       "--nodes: an empty entry (two commas, or a trailing one)");
	if (!eq) {
		const struct m_node *n = model_node(m, e);
		if (!n)
			return ctl_usage_error(err, "--nodes: no node named `%s`", e);
		if (!n->rec)
			return ctl_usage_error(err, "--nodes: node %s is down (its lease is gone)",
					       e);
		return add_node(r, n) < 0 ? sk_fail(err, ENOMEM, "--nodes") : 0;
	}
	char key[256];
	if (eq == e || (size_t)(eq - e) >= sizeof key || !eq[1])
		return ctl_usage_error(err, "--nodes: `%s`: expected NAME or LABEL=VALUE", e);
	snprintf(key, sizeof key, "%.*s", (int)(eq - e), e);
	size_t before = r->nnodes;
	for (size_t i = 0; i < m->nnodes; i++) {
		const struct m_node *n = &m->nodes[i];
		if (n->rec && !n->draining && node_has_label(n, key, eq + 1) && add_node(r, n) < 0)
			return sk_fail(err, ENOMEM, "--nodes");
	}
	if (r->nnodes == before)
		return ctl_usage_error(err, "--nodes: no ACTIVE node has the label %s", e);
	return 0;
}

static int select_nodes(struct rollout *r, const struct model *m, const char *selector,
			struct sk_err *err)
{
	if (!selector) {
		for (size_t i = 0; i < m->nnodes; i++)
			if (m->nodes[i].rec && !m->nodes[i].draining &&
			    add_node(r, &m->nodes[i]) < 0)
				return sk_fail(err, ENOMEM, "nodes");
		if (!r->nnodes)
			return sk_failc(err, SK_ERR_NOTFOUND, 0,
					"no ACTIVE node to update (skiffctl node ls)");
	}
	for (const char *p = selector; p && *p;) {
		size_t n = strcspn(p, ",");
		char entry[512];
		if (n >= sizeof entry)
			return ctl_usage_error(err, "--nodes: entry `%.40s…` too long", p);
		snprintf(entry, sizeof entry, "%.*s", (int)n, p);
		if (select_entry(r, m, entry, err) < 0)
			return -1;
		p += n;
		if (*p == ',' && !*++p)
			return select_entry(r, m, "", err);
	}
	if (selector && !*selector)
		return ctl_usage_error(err, "--nodes: empty");
	if (r->nnodes > ROLLOUT_NODES_MAX)
		return ctl_usage_error(err, "--nodes: %zu nodes, at most %d in one rollout",
				       r->nnodes, ROLLOUT_NODES_MAX);
	qsort(r->nodes, r->nnodes, sizeof *r->nodes, by_name);
	return 0;
}

/* ---- skiffctl's side ---- */

int rollout_get(struct ctl *c, struct rollout *r, int64_t *rev, struct sk_err *err)
{
	char key[KEY_MAX];
	cJSON *j = NULL;
	int rc = ctl_connect(c, err);
	if (rc < 0 || (rc = ctl_get_json(c, ctl_key(c, key, ROLLOUT_KEY), &j, rev, err)) <= 0)
		return rc;
	rc = rollout_from_json(j, r, err);
	cJSON_Delete(j);
	return rc < 0 ? sk_wrap(err, "%s", key) : 1;
}

/* Writes R if the key is still at REV (0: absent); 0 when it moved. */
static int put_if(struct ctl *c, const struct rollout *r, int64_t rev, struct sk_err *err)
{
	char key[KEY_MAX];
	cJSON *j = rollout_to_json(r);
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return sk_fail(err, ENOMEM, "rollout");
	ctl_key(c, key, ROLLOUT_KEY);
	struct etcd_cmp cmp = {.key = key,
			       .target = rev ? ETCD_CMP_MOD : ETCD_CMP_CREATE,
			       .result = ETCD_CMP_EQUAL,
			       .number = rev};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = text};
	int rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
	free(text);
	return rc;
}

static int refuse_running(const struct rollout *cur, struct sk_err *err)
{
	size_t done = 0;
	for (size_t i = 0; i < cur->nnodes; i++)
		done += cur->nodes[i].state == RN_DONE;
	return sk_fail(err, 0,
		       "rollout %s of %s is running (%zu of %zu nodes done); wait for it or stop "
		       "it with skiffctl node update cancel",
		       cur->id, cur->image, done, cur->nnodes);
}

static int fill_new(struct ctl *c, const struct rollout_spec *spec, struct rollout *r,
		    struct sk_err *err)
{
	struct model m;
	char id[33];
	memset(r, 0, sizeof *r);
	if (ctl_load_model(c, &m, err) < 0)
		return -1;
	int rc = select_nodes(r, &m, spec->selector, err);
	model_free(&m);
	if (rc < 0) {
		rollout_free(r);
		return -1;
	}
	ctl_random_id(id, sizeof id);
	snprintf(r->id, sizeof r->id, "r-%.12s", id);
	snprintf(r->image, sizeof r->image, "%s", spec->image);
	r->state = RO_RUNNING;
	r->max_unavailable = (int)spec->max_unavailable;
	r->node_timeout_s = (int)spec->node_timeout_s;
	r->created = r->updated = time(NULL);
	return 0;
}

int rollout_create(struct ctl *c, const struct rollout_spec *spec, struct rollout *out,
		   struct sk_err *err)
{
	struct rollout cur;
	int64_t rev = 0;
	if (rollout_check_image(spec->image, err) < 0)
		return -1;
	if (spec->max_unavailable < 1)
		return ctl_usage_error(err, "--max-unavailable: at least 1");
	int rc = rollout_get(c, &cur, &rev, err);
	if (rc < 0 && err->cls != SK_ERR_FAIL)
		return -1;
	if (rc > 0 && cur.state == RO_RUNNING) {
		rc = refuse_running(&cur, err);
		rollout_free(&cur);
		return rc;
	}
	if (rc > 0)
		rollout_free(&cur);
	/* rc < 0 with SK_ERR_FAIL: a stored document we cannot read is
	 * replaced (the leader cannot drive it either) */
	if (fill_new(c, spec, out, err) < 0)
		return -1;
	rc = put_if(c, out, rev, err);
	if (rc == 0)
		rc = sk_fail(err, 0,
			     "another rollout was started meanwhile (skiffctl node update "
			     "status)");
	if (rc < 0)
		rollout_free(out);
	return rc < 0 ? -1 : 0;
}

int rollout_cancel(struct ctl *c, struct rollout *out, struct sk_err *err)
{
	int64_t rev = 0;
	int rc = rollout_get(c, out, &rev, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || out->state != RO_RUNNING) {
		if (rc > 0)
			rollout_free(out);
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "no rollout is running");
	}
	out->state = RO_CANCELLED;
	snprintf(out->reason, sizeof out->reason, "cancelled by skiffctl node update cancel");
	out->updated = time(NULL);
	rc = put_if(c, out, rev, err);
	if (rc == 0)
		rc = sk_fail(err, 0, "rollout %s changed meanwhile; try again", out->id);
	if (rc < 0)
		rollout_free(out);
	return rc < 0 ? -1 : 0;
}
