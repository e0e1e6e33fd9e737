/* Lookups shared by the verbs: the whole cluster as a model, and task
 * definition references resolved to a stored revision. */
#ifndef SK_CTL_LOOKUP_H
#define SK_CTL_LOOKUP_H

#include "ctl.h"
#include "model.h"

int ctl_load_model(struct ctl *c, struct model *m, struct sk_err *err);
/* The highest revision of FAMILY (with ACTIVE_ONLY, the highest not
 * INACTIVE); 0 when there is none. */
long ctl_taskdef_latest(struct ctl *c, const char *family, int active_only, struct sk_err *err);
/* FAMILY (latest ACTIVE revision) or FAMILY:REV → "family:rev" in ref_out
 * (FAMILY_MAX + 24 bytes) and the record (caller frees). SK_ERR_NOTFOUND
 * when absent; an INACTIVE revision is refused unless allow_inactive. */
int ctl_resolve_taskdef(struct ctl *c, const char *ref, int allow_inactive, char *ref_out,
			cJSON **td, struct sk_err *err);
/* A task as the model would hold it (record, assignment, status). */
int ctl_load_task(struct ctl *c, const char *id, struct model *m, struct m_task **t,
		  struct sk_err *err);

#endif
