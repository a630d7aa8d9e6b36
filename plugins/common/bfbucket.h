/* A Best-Fit search structure for capacities too large to index every
 * remaining value: remaining capacities are grouped into log-spaced
 * buckets (values below 2048 exactly, then 2048 buckets per power of two,
 * at most 43008 in all), a bucket bitmap (the bfcap bitmap) finds the next
 * non-empty bucket, and each bucket is a treap keyed by
 * (remaining << 32 | bin).  Log spacing matters: Best Fit leaves most
 * bins nearly full, so linear buckets would pile them into the first one.
 * Memory O(buckets + bins), time O(log_64 buckets + log bucket size) per
 * operation. */
#ifndef SEQPACK_PLUGINS_BFBUCKET_H
#define SEQPACK_PLUGINS_BFBUCKET_H

#include "bfcap.h"
#include "bftree.h"

struct bfbucket {
	struct bfcap map;   /* bit k: bucket k non-empty; head[k]: its root */
	struct bftree t;    /* node arrays; t.root unused */
	unsigned bits;      /* mantissa bits of the bucket index */
};

struct bfbucket_mem {
	struct bfcap_mem map;
	struct bfbuf nodes;
};

/* Capacity cap, bins 0 .. maxbins-1. */
int bfbucket_init(struct bfbucket *q, struct bfbucket_mem *m, uint32_t cap,
		  size_t maxbins);
void bfbucket_mem_free(struct bfbucket_mem *m);

/* The bin with the smallest (remaining, index) with remaining >= s. */
uint32_t bfbucket_find(struct bfbucket *q, uint32_t s);
void bfbucket_insert(struct bfbucket *q, uint32_t bin, uint32_t rem);
/* Remove bin, inserted with its current key. */
void bfbucket_remove(struct bfbucket *q, uint32_t bin);

#endif
