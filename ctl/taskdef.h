/* Task definitions: validation of the supported subset of Amazon ECS
 * task-definition JSON, resources, and FAMILY[:REV] references. */
#ifndef SK_CTL_TASKDEF_H
#define SK_CTL_TASKDEF_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "err.h"

#define FAMILY_MAX 256

/* Checks every field; the message names the input and the key path
 * ("FILE: containerDefinitions[0].links: not supported"). Returns 0 or
 * CTL_EUSAGE. */
int taskdef_validate(const cJSON *td, const char *file, struct sk_err *err);
/* CPU units and MiB a task needs: the task-level values when given, else
 * the sum over containers (memory, else memoryReservation). */
void taskdef_resources(const cJSON *td, int64_t *cpu, int64_t *memory);
/* "family" (rev 0: latest active) or "family:rev". Returns 0 or CTL_EUSAGE. */
int taskdef_parse_ref(const char *ref, char family[FAMILY_MAX], long *rev, struct sk_err *err);
/* Task-level "cpu"/"memory" as ECS writes them: 256, "256", "1 vCPU", "2 GB". */
int64_t taskdef_units(const cJSON *v, int is_cpu);

#endif
