/* The string-keyed hash map behind the scheduler's indexes by id and name. */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static size_t find(const struct hmap *m, const char *key, size_t h)
{
	size_t mask = m->cap - 1, i = h & mask;
	while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & mask;
	return i;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	if (!m->n)
		return NULL;
	size_t i = find(m, key, hash(key));
	return m->slots[i].key ? m->slots[i].val : NULL;
}

static int grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct hmap_slot *old = m->slots, *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	size_t oldcap = m->cap;
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			m->slots[find(m, old[i].key, old[i].hash)] = old[i];
	free(old);
	return 0;
}

int hmap_put(struct hmap *m, const char *key, void *val)
{
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0) /* load factor 3/4 */
		return -1;
	size_t h = hash(key), i = find(m, key, h);
	if (!m->slots[i].key)
		m->n++;
	m->slots[i] = (struct hmap_slot){key, val, h};
	return 0;
}

void *hmap_del(struct hmap *m, const char *key)
{
	if (!m->n)
		return NULL;
	size_t mask = m->cap - 1, i = find(m, key, hash(key));
	if (!m->slots[i].key)
		return NULL;
	void *val = m->slots[i].val;
	/* backward shift: pull later entries of the run into the hole when
	 * their home slot is not after it */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->n--;
	return val;
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}
