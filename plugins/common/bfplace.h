/* Best Fit's placement of one sequence, over either search structure:
 * the tightest bin with room (ties to the lowest index) or a new one, its
 * fill and count updated, and the bin put back while it can take more.
 * Shared by bf (input order) and bfd (sorted order). */
#ifndef SEQPACK_PLUGINS_BFPLACE_H
#define SEQPACK_PLUGINS_BFPLACE_H

#include <stdint.h>

#include "bfbucket.h"
#include "bfcap.h"

/* The bins so far: fill and item count per bin (the plugin output's
 * arrays), how many are open, and the limits. */
struct bfbins {
	uint32_t *used, *count;
	uint32_t nb, cap, maxi;
};

static inline uint32_t bfbins_open(struct bfbins *k)
{
	uint32_t b = k->nb++;
	k->used[b] = 0;
	k->count[b] = 0;
	return b;
}

/* Add s to bin b; returns the room left when b can take more, else 0. */
static inline uint32_t bfbins_add(struct bfbins *k, uint32_t b, uint32_t s)
{
	k->used[b] += s;
	k->count[b]++;
	return k->count[b] < k->maxi ? k->cap - k->used[b] : 0;
}

static inline uint32_t bfcap_place(struct bfcap *x, struct bfbins *k,
				   uint32_t s)
{
	uint32_t r = bfcap_find(x, s);
	uint32_t b = r == BF_NONE ? bfbins_open(k) : bfcap_pop(x, r);
	uint32_t room = bfbins_add(k, b, s);
	if (room)
		bfcap_insert(x, b, room);
	return b;
}

static inline uint32_t bfbucket_place(struct bfbucket *q, struct bfbins *k,
				      uint32_t s)
{
	uint32_t b = bfbucket_find(q, s);
	if (b == BF_NONE)
		b = bfbins_open(k);
	else
		bfbucket_remove(q, b);
	uint32_t room = bfbins_add(k, b, s);
	if (room)
		bfbucket_insert(q, b, room);
	return b;
}

#endif
