/* Atomic output directories: everything is written into a temporary
 * sibling, which replaces the target only when complete. */
#ifndef SK_IMAGEGEN_OUTDIR_H
#define SK_IMAGEGEN_OUTDIR_H

#include <limits.h>

#include "err.h"

struct outdir {
	char target[PATH_MAX];
	char tmp[PATH_MAX]; /* "" until created */
};

/* Checks that TARGET may be replaced (absent, empty, or an earlier image
 * with a manifest.json), creates missing parents, and creates the
 * temporary sibling directory. */
int outdir_begin(struct outdir *o, const char *target, struct sk_err *err);
/* Swaps the temporary directory into place and removes the old one. */
int outdir_commit(struct outdir *o, struct sk_err *err);
/* Removes the temporary directory, if any; safe after commit. */
void outdir_abort(struct outdir *o);

#endif
