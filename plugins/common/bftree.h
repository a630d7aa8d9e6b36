/* An ordered set of nodes (bins or stream slots) keyed by a unique 64-bit
 * key, usually (remaining capacity << 32 | bin index): a treap whose
 * priorities are a hash of the node id, so it is deterministic, needs no
 * random state and no priority array.  Expected O(log B) per operation.
 * Node arrays belong to the caller (sized for every node id used). */
#ifndef SEQPACK_PLUGINS_BFTREE_H
#define SEQPACK_PLUGINS_BFTREE_H

#include <stdint.h>

#include "bfutil.h"

/* One node per cache-line quarter: a search touches one line per level. */
struct bfnode {
	uint64_t key;
	uint32_t left, right;
};

struct bftree {
	struct bfnode *node; /* node[x] for every node id x in use */
	uint32_t root;       /* BF_NONE when empty */
};

/* Insert node x with key node[x].key (set by the caller, not in the
 * set). */
void bftree_insert(struct bftree *t, uint32_t x);
/* Remove node x, which is in the set with key node[x].key. */
void bftree_remove(struct bftree *t, uint32_t x);
/* The node with the smallest key >= k, or BF_NONE. */
uint32_t bftree_lower_bound(const struct bftree *t, uint64_t k);
/* Smallest and largest key's node, or BF_NONE when empty. */
uint32_t bftree_min(const struct bftree *t);
uint32_t bftree_max(const struct bftree *t);

#endif
