/* A rolling OS update (skiffctl node update): the document at
 * rollout/current. skiffctl creates it (rollout_create: one running at a
 * time) and cancels it; the scheduler's leader drives it node by node
 * (rollout_drive.c) and records every step in it, so a restart of either,
 * or a new leader, goes on from there. */
#ifndef SK_CTL_ROLLOUT_H
#define SK_CTL_ROLLOUT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <time.h>

#include "ctl.h"

#define ROLLOUT_KEY		"rollout/current"
#define ROLLOUT_ID_MAX		16
#define ROLLOUT_IMAGE_MAX	512
#define ROLLOUT_NODE_MAX	128
#define ROLLOUT_REASON_MAX	512
#define ROLLOUT_NODES_MAX	4096
#define ROLLOUT_DEFAULT_TIMEOUT (15 * 60)

enum ro_state { RO_RUNNING, RO_DONE, RO_HALTED, RO_CANCELLED };

/* A node's way through: pending → draining (its service tasks move) →
 * updating (updates/<node> written; the node downloads, writes, reboots)
 * → done | failed; skipped when the rollout stopped before it was told. */
enum ro_node_state { RN_PENDING, RN_DRAINING, RN_UPDATING, RN_DONE, RN_FAILED, RN_SKIPPED };

struct ro_node {
	char name[ROLLOUT_NODE_MAX];
	enum ro_node_state state;
	int was_draining; /* drained before the rollout came: left drained */
	time_t since;	  /* in this state since */
	time_t gone_at;	  /* its record vanished at (0: it is there) */
	char reason[ROLLOUT_REASON_MAX];
};

struct rollout {
	char id[ROLLOUT_ID_MAX];
	char image[ROLLOUT_IMAGE_MAX];
	enum ro_state state;
	char reason[ROLLOUT_REASON_MAX];
	int max_unavailable;
	int node_timeout_s; /* a node gone longer halts the rollout */
	time_t created, updated;
	struct ro_node *nodes; /* in the order they are updated */
	size_t nnodes;
};

const char *rollout_state_name(enum ro_state s);
const char *rollout_node_state_name(enum ro_node_state s);
/* Whether the node is being worked on (counts against maxUnavailable). */
int rollout_node_busy(const struct ro_node *n);

/* Reads the stored document; errors name the key path. */
int rollout_from_json(const cJSON *j, struct rollout *r, struct sk_err *err);
cJSON *rollout_to_json(const struct rollout *r);
void rollout_free(struct rollout *r);

/* An image reference as the node will pull it: printable, no spaces. */
int rollout_check_image(const char *ref, struct sk_err *err);

/* What skiffctl asks for. */
struct rollout_spec {
	const char *image;
	const char *selector; /* NULL: every ACTIVE node */
	long max_unavailable;
	long node_timeout_s;
};

/* Picks the nodes, then writes a new running rollout unless one runs
 * (refused naming it). *out gets the document written. */
int rollout_create(struct ctl *c, const struct rollout_spec *spec, struct rollout *out,
		   struct sk_err *err);
/* Reads rollout/current: 1 found (r, *rev set), 0 none. */
int rollout_get(struct ctl *c, struct rollout *r, int64_t *rev, struct sk_err *err);
/* Marks the running rollout cancelled (SK_ERR_NOTFOUND when none runs). */
int rollout_cancel(struct ctl *c, struct rollout *out, struct sk_err *err);

#endif
