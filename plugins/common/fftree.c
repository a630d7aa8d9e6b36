/* First Fit's max-tree over the bins' free room (see fftree.h). */
#include <stdlib.h>
#include <string.h>

#include "fftree.h"

#define INITIAL_LEAVES 64u

int fftree_init(struct fftree *t, uint32_t capacity, uint32_t max_items,
		uint32_t *used, uint32_t *count)
{
	t->cap = capacity;
	t->maxi = max_items ? max_items : UINT32_MAX;
	t->used = used;
	t->count = count;
	t->nbins = 0;
	t->leaves = INITIAL_LEAVES;
	t->node = calloc(2 * t->leaves, sizeof(*t->node));
	return t->node ? 0 : -1;
}

void fftree_free(struct fftree *t)
{
	free(t->node);
	t->node = NULL;
}

static uint32_t block_room(const struct fftree *t, size_t blk)
{
	size_t lo = blk * FFTREE_BLOCK, hi = lo + FFTREE_BLOCK;
	if (hi > t->nbins)
		hi = t->nbins;
	uint32_t best = 0;
	for (size_t b = lo; b < hi; b++) {
		uint32_t r = fftree_room(t, b);
		if (r > best)
			best = r;
	}
	return best;
}

static void update(struct fftree *t, size_t blk)
{
	size_t p = t->leaves + blk;
	uint32_t v = block_room(t, blk);
	t->node[p] = v;
	for (p >>= 1; p; p >>= 1) {
		uint32_t l = t->node[2 * p], r = t->node[2 * p + 1];
		uint32_t m = l > r ? l : r;
		if (t->node[p] == m)
			break; /* the ancestors cannot change either */
		t->node[p] = m;
	}
}

/* Double the leaves: the old tree becomes the left half of the new one. */
static int grow(struct fftree *t)
{
	size_t leaves = t->leaves * 2;
	uint32_t *node = calloc(2 * leaves, sizeof(*node));
	if (!node)
		return -1;
	memcpy(node + leaves, t->node + t->leaves,
	       t->leaves * sizeof(*node));
	for (size_t p = leaves - 1; p > 0; p--) {
		uint32_t l = node[2 * p], r = node[2 * p + 1];
		node[p] = l > r ? l : r;
	}
	free(t->node);
	t->node = node;
	t->leaves = leaves;
	return 0;
}

uint32_t fftree_open(struct fftree *t, uint32_t len)
{
	size_t b = t->nbins;
	if (b / FFTREE_BLOCK >= t->leaves && grow(t) != 0)
		return FFTREE_NONE;
	t->nbins = b + 1;
	t->used[b] = len;
	t->count[b] = 1;
	update(t, b / FFTREE_BLOCK);
	return (uint32_t)b;
}

void fftree_add(struct fftree *t, uint32_t b, uint32_t len)
{
	uint32_t before = fftree_room(t, b);
	t->used[b] += len;
	t->count[b]++;
	/* Room only shrinks: unless b held its block's maximum, the block
	 * and everything above it are unchanged. */
	if (before >= t->node[t->leaves + b / FFTREE_BLOCK])
		update(t, b / FFTREE_BLOCK);
}

uint32_t fftree_first_fit(struct fftree *t, uint32_t len)
{
	if (t->node[1] < len)
		return fftree_open(t, len);
	size_t p = 1;
	while (p < t->leaves)
		p = 2 * p + (t->node[2 * p] < len);
	size_t b = (p - t->leaves) * FFTREE_BLOCK;
	/* The block's maximum is at least len, so the scan ends in it. */
	while (fftree_room(t, b) < len)
		b++;
	fftree_add(t, (uint32_t)b, len);
	return (uint32_t)b;
}
