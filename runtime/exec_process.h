/* The process of `exec` (exec_process.c). */
#ifndef RT_EXEC_PROCESS_H
#define RT_EXEC_PROCESS_H

#include "oci_spec.h"
#include "runtime.h"

struct exec_process {
	struct oci_process p;
	cJSON *json;	  /* the --process document, or NULL */
	int owned;	  /* p's arrays belong to it (--process) */
	char **env;	  /* allocated here */
	char **env_base;  /* p's own env before the options */
	gid_t *gids;	  /* allocated here */
	gid_t *gids_base; /* p's own gids before the options */
};

int exec_process_build(const struct oci_spec *spec, const struct rt_exec_opts *o,
		       struct exec_process *x, struct sk_err *err);
void exec_process_free(struct exec_process *x);

#endif
