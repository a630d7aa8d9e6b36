/* Best Fit over log-spaced buckets of remaining capacity (see bfbucket.h). */
#include "bfbucket.h"

/* Monotone in r: a floating-point value with a `bits`-bit mantissa, so
 * values below 2^bits get a bucket each. */
static inline uint32_t bucket_of(const struct bfbucket *q, uint32_t r)
{
	const unsigned bits = q->bits;
	if (r < (1u << bits))
		return r;
	unsigned e = 31u - (unsigned)__builtin_clz(r); /* >= bits */
	uint32_t mant = (r >> (e - bits)) & ((1u << bits) - 1);
	return ((e - bits + 1) << bits) | mant;
}

int bfbucket_init(struct bfbucket *q, struct bfbucket_mem *m, uint32_t cap,
		  size_t maxbins)
{
	/* Enough buckets that each holds a handful of bins (a treap of a
	 * few nodes is a few cache lines), few enough that clearing the
	 * bitmap stays cheap for small inputs: 43008 or 294912 buckets,
	 * 0.5 or 3.4 MiB of bucket roots at most. */
	q->bits = maxbins >= 65536 ? 14 : 11;
	if (bfcap_init(&q->map, &m->map, bucket_of(q, cap), 0))
		return -1;
	q->t.node = bfbuf_lazy(&m->nodes, maxbins + 1, sizeof(struct bfnode));
	if (!q->t.node)
		return -1;
	q->t.root = BF_NONE;
	return 0;
}

void bfbucket_mem_free(struct bfbucket_mem *m)
{
	bfcap_mem_free(&m->map);
	bfbuf_free(&m->nodes);
}

uint32_t bfbucket_find(struct bfbucket *q, uint32_t s)
{
	uint32_t k = bucket_of(q, s);
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
	uint32_t k = bucket_of(q, rem);
	q->t.node[bin].key = (uint64_t)rem << 32 | bin;
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
	uint32_t k = bucket_of(q, (uint32_t)(q->t.node[bin].key >> 32));
	q->t.root = q->map.head[k];
	bftree_remove(&q->t, bin);
	q->map.head[k] = q->t.root;
	if (q->t.root == BF_NONE)
		bfcap_clear(&q->map, k);
}
