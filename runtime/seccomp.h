/* linux.seccomp through libseccomp, and the built-in default profile. */
#ifndef RT_SECCOMP_H
#define RT_SECCOMP_H

#include "err.h"

typedef struct cJSON cJSON;

/* Validates a linux.seccomp object and compiles it; *OUT is a libseccomp
 * filter context to hand to seccomp_filter_load. */
int seccomp_build(const cJSON *seccomp, void **out, struct sk_err *err);
int seccomp_filter_load(void *ctx, struct sk_err *err);
void seccomp_filter_free(void *ctx);
/* A new linux.seccomp object comparable to Docker's default profile:
 * deny (EPERM) everything but an allowlist of ordinary system calls. */
cJSON *seccomp_default_profile(void);

/* Annotation that selects the default profile when linux.seccomp is absent. */
#define SECCOMP_ANNOTATION "run.skiff.seccomp"

#endif
