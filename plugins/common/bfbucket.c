#include "bfbucket.h"

int bfbucket_init(struct bfbucket *q, struct bfbucket_mem *m, uint32_t cap,
		  size_t maxbins, size_t buckets)
{
	unsigned shift = 0;
	while (shift < 31 && ((size_t)cap >> shift) + 1 > buckets)
		shift++;
	q->shift = shift;
	if (bfcap_init(&q->map, &m->map, cap >> shift, 0))
		return -1;
	q->t.key = bfbuf_reserve(&m->key, maxbins + 1, sizeof(uint64_t));
	uint32_t *l = bfbuf_reserve(&m->links, 2 * (maxbins + 1),
				    sizeof(uint32_t));
	if (!q->t.key || !l)
		return -1;
	q->t.left = l;
	q->t.right = l + maxbins + 1;
	q->t.root = BF_NONE;
	return 0;
}

void bfbucket_mem_free(struct bfbucket_mem *m)
{
	bfcap_mem_free(&m->map);
	bfbuf_free(&m->key);
	bfbuf_free(&m->links);
}

uint32_t bfbucket_find(struct bfbucket *q, uint32_t s)
{
	uint32_t k = s >> q->shift;
	if (bfcap_has(&q->map, k)) {
		q->t.root = q->map.head[k];
		uint32_t x = bftree_lower_bound(&q->t, (uint64_t)s << 32);
		if (x != BF_NONE)
			return x;
	}
	k = bfcap_find_up(&q->map, 0, (size_t)k + 1);
	if (k == BF_NONE)
		return BF_NONE;
	q->t.root = q->map.head[k];
	return bftree_min(&q->t);
}

void bfbucket_insert(struct bfbucket *q, uint32_t bin, uint32_t rem)
{
	uint32_t k = rem >> q->shift;
	q->t.key[bin] = (uint64_t)rem << 32 | bin;
	if (!bfcap_has(&q->map, k)) {
		q->map.head[k] = BF_NONE;
		bfcap_set(&q->map, k);
	}
	q->t.root = q->map.head[k];
	bftree_insert(&q->t, bin);
	q->map.head[k] = q->t.root;
}

void bfbucket_remove(struct bfbucket *q, uint32_t bin)
{
	uint32_t k = (uint32_t)(q->t.key[bin] >> 32) >> q->shift;
	q->t.root = q->map.head[k];
	bftree_remove(&q->t, bin);
	q->map.head[k] = q->t.root;
	if (q->t.root == BF_NONE)
		bfcap_clear(&q->map, k);
}
