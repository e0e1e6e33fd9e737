/* A string-keyed hash map of pointers: open addressing with linear
 * probing and deletion by backward shift (no tombstones). The key string
 * belongs to the caller (usually inside the value) and must live as long
 * as its entry. */
#ifndef SK_CTL_HMAP_H
#define SK_CTL_HMAP_H

#include <stddef.h>

struct hmap_slot {
	const char *key; /* NULL: empty */
	void *val;
	size_t hash;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap, n;
};

void *hmap_get(const struct hmap *m, const char *key);
/* Adds or replaces; -1 when out of memory. */
int hmap_put(struct hmap *m, const char *key, void *val);
/* Removes key; returns its value or NULL. Not while iterating the map. */
void *hmap_del(struct hmap *m, const char *key);
void hmap_free(struct hmap *m);

/* for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) ... visits
 * every entry in no particular order. */

#endif
