/* Cluster events from etcd changes: each change of a record under
 * /skiff/<cluster>/ (with its previous value) that means something to an
 * operator becomes one event: a task created, placed, PULLING, RUNNING,
 * UNHEALTHY, STOPPED (with reason and exit code), asked to stop; a node
 * joined, lost, DRAINING, ACTIVE again; a service created, resized or
 * deleted. Pure: the watch itself is cmd_events.c's. */
#ifndef SK_CTL_EVENTS_H
#define SK_CTL_EVENTS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "etcd.h"

struct event {
	int64_t revision;
	char time[40];	    /* from the record (updatedAt, createdAt, ...) or "" */
	const char *object; /* "task", "node", "service" */
	char id[160];
	char what[32];	  /* "placed", "RUNNING", "joined", ... */
	char node[160];	  /* where, when it happened on a node */
	char detail[300]; /* reason, exit code, task definition, ... */
};

/* 1 when EV (at revision REV) is an event, 0 when it is not. */
int events_describe(const char *prefix, const struct etcd_event *ev, int64_t rev,
		    struct event *out);
/* The event as one JSON object (for -o json). */
cJSON *events_json(const struct event *e);

#endif
