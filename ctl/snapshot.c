/* The scheduler's copy of every key under the cluster prefix, kept sorted
 * by key and updated from the watch (list+watch through etcd_sync). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"

static int kv_copy(struct etcd_kv *dst, const struct etcd_kv *src)
{
	*dst = *src;
	dst->key = strdup(src->key);
	dst->value = malloc(src->value_len + 1);
	if (!dst->key || !dst->value) {
		etcd_kv_clear(dst);
		return -1;
	}
	memcpy(dst->value, src->value, src->value_len);
	dst->value[src->value_len] = '\0';
	return 0;
}

static void clear_all(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		etcd_kv_clear(&s->kvs[i]);
	s->n = 0;
}

void snapshot_free(struct snapshot *s)
{
	clear_all(s);
	free(s->kvs);
	s->kvs = NULL;
	s->cap = 0;
}

static int reserve(struct snapshot *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < n)
		cap *= 2;
	struct etcd_kv *p = realloc(s->kvs, cap * sizeof *p);
	if (!p)
		return -1;
	s->kvs = p;
	s->cap = cap;
	return 0;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key, ((const struct etcd_kv *)b)->key);
}

int snapshot_reset(struct snapshot *s, const struct etcd_kv *kvs, size_t n, int64_t rev)
{
	clear_all(s);
	if (reserve(s, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (kv_copy(&s->kvs[s->n], &kvs[i]) < 0)
			return -1;
		s->n++;
	}
	if (s->n)
		qsort(s->kvs, s->n, sizeof *s->kvs, cmp_kv);
	s->revision = rev;
	s->ready = 1;
	s->dirty = 1;
	s->resets++;
	return 0;
}

/* Index of key, or where it would go (*found 0). */
static size_t find(const struct snapshot *s, const char *key, int *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->kvs[mid].key, key);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

int snapshot_apply(struct snapshot *s, const struct etcd_event *ev)
{
	int found;
	size_t i = find(s, ev->kv.key, &found);
	s->dirty = 1;
	if (ev->kv.mod_revision > s->revision)
		s->revision = ev->kv.mod_revision;
	if (ev->type == ETCD_EV_DELETE) {
		if (found) {
			etcd_kv_clear(&s->kvs[i]);
			memmove(&s->kvs[i], &s->kvs[i + 1], (s->n - i - 1) * sizeof *s->kvs);
			s->n--;
		}
		return 0;
	}
	struct etcd_kv copy;
	if (kv_copy(&copy, &ev->kv) < 0)
		return -1;
	if (found) {
		etcd_kv_clear(&s->kvs[i]);
		s->kvs[i] = copy;
		return 0;
	}
	if (reserve(s, s->n + 1) < 0) {
		etcd_kv_clear(&copy);
		return -1;
	}
	memmove(&s->kvs[i + 1], &s->kvs[i], (s->n - i) * sizeof *s->kvs);
	s->kvs[i] = copy;
	s->n++;
	return 0;
}
