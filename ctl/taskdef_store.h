/* Task definitions in etcd (taskdefs/FAMILY/REV): registering one as its
 * family's next revision, and deregistering (INACTIVE) a revision. The
 * reading and checking of a file stays with the verb (cmd_taskdef.c). */
#ifndef SK_CTL_TASKDEF_STORE_H
#define SK_CTL_TASKDEF_STORE_H

#include "ctl.h"

/* Stores TD (canonical JSON of the model) as the next revision of its
 * family, ACTIVE, stamped with the time and the user; TD gets those
 * fields too, and *rev_out the revision. */
int taskdef_store_register(struct ctl *c, cJSON *td, long *rev_out, struct sk_err *err);
/* Marks FAMILY:REV INACTIVE; ref_out (FAMILY_MAX + 24 bytes) gets it. */
int taskdef_store_deregister(struct ctl *c, const char *ref, char *ref_out, struct sk_err *err);

#endif
