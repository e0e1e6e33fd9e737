/* dm-verity through device-mapper ioctls on /dev/mapper/control: no
 * veritysetup, no libdevmapper. */
#ifndef SK_INIT_VERITY_DM_H
#define SK_INIT_VERITY_DM_H

#include <stdint.h>

#include "err.h"

/* "ROOTHASH:HASHSTART:DATABLOCKS:SALT" from skiff.verity= (hex digests,
 * HASHSTART and DATABLOCKS in 4096-byte blocks). */
struct verity_args {
	char root_hash[65];
	char salt[65];
	unsigned long long hash_start, data_blocks;
};

int verity_parse(const char *text, struct verity_args *out, struct sk_err *err);
/* Creates the read-only device NAME checking data and tree on device
 * MAJOR:MINOR; writes its node path (/dev/dm-N) to DEV. */
int verity_create(const char *name, unsigned major, unsigned minor, const struct verity_args *v,
		  char *dev, size_t cap, struct sk_err *err);

#endif
