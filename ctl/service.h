/* The service records of the cluster (services/NAME): create one, change
 * its desired count or task definition, drain it for deletion, and show
 * it with its tasks. The verbs in cmd_service.c only parse and print. */
#ifndef SK_CTL_SERVICE_H
#define SK_CTL_SERVICE_H

#include "ctl.h"
#include "model.h"
#include "placement.h"

struct service_spec {
	const char *name;
	const char *taskdef; /* FAMILY[:REV]; update: NULL keeps it */
	long desired;
	int has_desired; /* update: 0 keeps the count */
	struct strategy strats[PLACEMENT_MAX];
	struct constraint cons[PLACEMENT_MAX];
	size_t nstrats, ncons;
};

/* A usage error unless NAME holds only letters, digits, - and _. */
int service_name_check(const char *name, struct sk_err *err);
/* Stores a new ACTIVE service; ref_out (FAMILY_MAX + 24 bytes) gets its
 * resolved task definition. Fails if the service exists. */
int service_create(struct ctl *c, const struct service_spec *s, char *ref_out, struct sk_err *err);
/* Sets what S has (desired count, task definition) on the stored record. */
int service_update(struct ctl *c, const struct service_spec *s, struct sk_err *err);
/* Marks the service DRAINING with no desired task: the scheduler stops its
 * tasks and then deletes the record. */
int service_drain(struct ctl *c, const char *name, struct sk_err *err);
/* Waits up to timeout_ms for the record to go: 1 gone, 0 still there. */
int service_wait_gone(struct ctl *c, const char *name, int timeout_ms, struct sk_err *err);
/* The record with runningCount, pendingCount and its active task ids. */
cJSON *service_json(const struct model *m, const struct m_service *s, int *running, int *pending);

#endif
