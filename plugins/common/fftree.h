/* First Fit in O(log B) per item: a max-tree over the bins' free room,
 * descended to the leftmost bin whose room is at least the item.
 *
 * The per-bin state lives in arrays the caller owns (normally the
 * plugin's output: used[] and offsets[] as per-bin item counts), so the
 * only memory of our own is the tree.  To keep that small at n = 10^7 the
 * tree's leaves are blocks of FFTREE_BLOCK consecutive bins, scanned
 * directly (one cache line of used[]); the tree grows by doubling as bins
 * open, so it costs about B / 4 bytes for B bins.
 *
 * A bin holding max_items items has no room, whatever its tokens. */
#ifndef SEQPACK_PLUGINS_FFTREE_H
#define SEQPACK_PLUGINS_FFTREE_H

#include <stddef.h>
#include <stdint.h>

#define FFTREE_BLOCK 16u
#define FFTREE_NONE UINT32_MAX

struct fftree {
	uint32_t cap;
	uint32_t maxi;   /* max items per bin, UINT32_MAX when unlimited */
	uint32_t *used;  /* tokens per bin */
	uint32_t *count; /* items per bin */
	size_t nbins;    /* bins opened so far, numbered in opening order */
	uint32_t *node;  /* node[1] is the root; block b is node[leaves + b] */
	size_t leaves;   /* number of block leaves, a power of two */
};

/* used and count must have room for every bin that will be opened.
 * max_items 0 means unlimited.  Returns 0, or -1 when out of memory. */
int fftree_init(struct fftree *t, uint32_t capacity, uint32_t max_items,
		uint32_t *used, uint32_t *count);
void fftree_free(struct fftree *t);

/* Free room of bin b (0 when it holds max_items items). */
static inline uint32_t fftree_room(const struct fftree *t, size_t b)
{
	return t->count[b] >= t->maxi ? 0 : t->cap - t->used[b];
}

/* Put an item of length len into the lowest-index bin with room, opening
 * a new bin when none has; returns that bin, or FFTREE_NONE when out of
 * memory (the tree is then unchanged). */
uint32_t fftree_first_fit(struct fftree *t, uint32_t len);

/* Open a new bin holding one item; returns it or FFTREE_NONE. */
uint32_t fftree_open(struct fftree *t, uint32_t len);

/* Put an item into bin b, which must have room for it. */
void fftree_add(struct fftree *t, uint32_t b, uint32_t len);

#endif
