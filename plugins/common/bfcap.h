/* A capacity-indexed set of bins for Best Fit: for each remaining
 * capacity r in 0 .. C the bins with that remaining, and a hierarchical
 * 64-bit bitmap over r (bit set iff some bin has remaining r) searched
 * with count-trailing-zeros, so "smallest r >= s" costs O(log_64 C) word
 * operations and usually one.
 *
 * Best Fit breaks ties to the lowest bin index, so each per-r set must
 * yield its smallest bin.  Bins mostly arrive in increasing index order
 * (a FIFO queue keeps them sorted for free) but not always, so a bin
 * smaller than the queue's tail goes to a per-r pairing heap instead; the
 * minimum is the smaller of the queue head and the heap root.  Both are
 * intrusive (per-bin link arrays), so nothing is allocated per bin.
 *
 * Memory: 3 words per capacity value, 2 per bin, C/64 bitmap words.  The
 * per-r arrays are never cleared: a list is initialised when its bit is
 * set, so a call costs O(C/64) setup, not O(C). */
#ifndef SEQPACK_PLUGINS_BFCAP_H
#define SEQPACK_PLUGINS_BFCAP_H

#include <stddef.h>
#include <stdint.h>

#include "bfutil.h"

#define BFCAP_MAXLEV 6 /* 64^6 = 2^36 > any capacity */

struct bfcap {
	uint32_t cap;
	unsigned levels;
	uint64_t *lvl[BFCAP_MAXLEV];
	size_t nbits[BFCAP_MAXLEV];
	uint32_t *head, *tail, *heap; /* per remaining capacity */
	uint32_t *next, *child;       /* per bin */
};

/* Memory the structure needs, in buffers owned by the caller. */
struct bfcap_mem {
	struct bfbuf bits, perr, perbin;
};

/* Set up for capacity cap and bins 0 .. maxbins-1, with an empty set.
 * Returns 0, or -1 when out of memory. */
int bfcap_init(struct bfcap *x, struct bfcap_mem *m, uint32_t cap,
	       size_t maxbins);
void bfcap_mem_free(struct bfcap_mem *m);

/* Slow halves, out of line. */
uint32_t bfcap_find_up(const struct bfcap *x, unsigned level, size_t pos);
void bfcap_setbit_up(struct bfcap *x, size_t r);
void bfcap_clearbit_up(struct bfcap *x, size_t r);
uint32_t bfcap_heap_pop(struct bfcap *x, uint32_t root);

static inline int bfcap_has(const struct bfcap *x, uint32_t r)
{
	return (int)((x->lvl[0][r >> 6] >> (r & 63)) & 1u);
}

static inline void bfcap_set(struct bfcap *x, uint32_t r)
{
	size_t w = r >> 6;
	uint64_t old = x->lvl[0][w];
	x->lvl[0][w] = old | ((uint64_t)1 << (r & 63));
	if (!old && x->levels > 1)
		bfcap_setbit_up(x, w);
}

static inline void bfcap_clear(struct bfcap *x, uint32_t r)
{
	size_t w = r >> 6;
	uint64_t v = x->lvl[0][w] & ~((uint64_t)1 << (r & 63));
	x->lvl[0][w] = v;
	if (!v && x->levels > 1)
		bfcap_clearbit_up(x, w);
}

/* Smallest remaining capacity >= s that holds a bin, or BF_NONE. */
static inline uint32_t bfcap_find(const struct bfcap *x, uint32_t s)
{
	uint64_t w = x->lvl[0][s >> 6] & (~(uint64_t)0 << (s & 63));
	if (w)
		return (s & ~63u) | (uint32_t)__builtin_ctzll(w);
	return bfcap_find_up(x, 0, ((size_t)(s >> 6) + 1) << 6);
}

static inline uint32_t bfcap_meld(struct bfcap *x, uint32_t a, uint32_t b)
{
	if (a == BF_NONE)
		return b;
	if (b == BF_NONE)
		return a;
	if (b < a) {
		uint32_t t = a;
		a = b;
		b = t;
	}
	x->next[b] = x->child[a];
	x->child[a] = b;
	return a;
}

/* Add bin b with remaining r. */
static inline void bfcap_insert(struct bfcap *x, uint32_t b, uint32_t r)
{
	size_t w = r >> 6;
	uint64_t bit = (uint64_t)1 << (r & 63);
	uint64_t old = x->lvl[0][w];
	if (!(old & bit)) {
		x->head[r] = x->tail[r] = b;
		x->heap[r] = BF_NONE;
		x->next[b] = BF_NONE;
		x->lvl[0][w] = old | bit;
		if (!old && x->levels > 1)
			bfcap_setbit_up(x, w);
		return;
	}
	uint32_t t = x->tail[r];
	if (t == BF_NONE) {
		x->head[r] = x->tail[r] = b;
		x->next[b] = BF_NONE;
	} else if (b > t) {
		x->next[t] = b;
		x->tail[r] = b;
		x->next[b] = BF_NONE;
	} else {
		x->child[b] = BF_NONE;
		x->heap[r] = bfcap_meld(x, x->heap[r], b);
	}
}

/* Add bins b .. b+count-1, all with remaining r, when every bin already
 * at r has a lower index (true for newly opened bins). */
static inline void bfcap_insert_run(struct bfcap *x, uint32_t b,
				    uint32_t count, uint32_t r)
{
	for (uint32_t j = 0; j + 1 < count; j++)
		x->next[b + j] = b + j + 1;
	uint32_t last = b + count - 1;
	x->next[last] = BF_NONE;
	if (!bfcap_has(x, r)) {
		x->head[r] = b;
		x->heap[r] = BF_NONE;
		bfcap_set(x, r);
	} else if (x->tail[r] == BF_NONE) {
		x->head[r] = b;
	} else {
		x->next[x->tail[r]] = b;
	}
	x->tail[r] = last;
}

/* Remove and return the lowest bin with remaining r (r must hold one). */
static inline uint32_t bfcap_pop(struct bfcap *x, uint32_t r)
{
	uint32_t h = x->head[r], p = x->heap[r], b;
	if (p == BF_NONE || (h != BF_NONE && h < p)) {
		b = h;
		h = x->next[h];
		x->head[r] = h;
		if (h == BF_NONE)
			x->tail[r] = BF_NONE;
	} else {
		b = p;
		p = bfcap_heap_pop(x, p);
		x->heap[r] = p;
	}
	if (h == BF_NONE && p == BF_NONE)
		bfcap_clear(x, r);
	return b;
}

#endif
