/* skiff.root=slot: which of the GPT partitions "root-a" and "root-b"
 * holds the root this UKI was built for. The UKI's command line is the
 * same in either slot, so the slot is found by content: the one whose
 * dm-verity top hash block hashes to the command line's root hash. */
#ifndef SK_INIT_ROOT_SLOT_H
#define SK_INIT_ROOT_SLOT_H

#include "disk_find.h"
#include "err.h"
#include "verity_dm.h"

#define BOOT_STATE_PATH "/run/skiff/boot"

/* Waits up to TIMEOUT_MS for root-a, looks at root-b if there is one, and
 * fills OUT and *SLOT ('a' or 'b'); A wins when both match (a fresh disk). */
int root_slot_pick(const struct verity_args *v, unsigned timeout_ms, struct block_dev *out,
		   char *slot, struct sk_err *err);
/* True when sha256(SALT || BLOCK) is ROOT_HASH (hex, as in verity_args). */
int root_slot_top_matches(const struct verity_args *v, const unsigned char block[4096]);

#endif
