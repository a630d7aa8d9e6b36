/* The treap of bins or stream slots keyed by 64-bit keys (see bftree.h). */
#include "bftree.h"

#define KEY(x) t->node[x].key
#define LEFT(x) t->node[x].left
#define RIGHT(x) t->node[x].right

/* murmur3's finaliser: bin ids are sequential and keys correlate with
 * them, so priorities must look independent of the ids. */
static inline uint32_t prio(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

void bftree_insert(struct bftree *t, uint32_t x)
{
	const uint64_t kx = KEY(x);
	const uint32_t px = prio(x);
	uint32_t *slot = &t->root;
	while (*slot != BF_NONE && prio(*slot) > px)
		slot = kx < KEY(*slot) ? &LEFT(*slot) : &RIGHT(*slot);
	/* Split the subtree hanging at slot around kx into x's children. */
	uint32_t cur = *slot;
	uint32_t *l = &LEFT(x), *r = &RIGHT(x);
	while (cur != BF_NONE) {
		if (KEY(cur) < kx) {
			*l = cur;
			l = &RIGHT(cur);
			cur = RIGHT(cur);
		} else {
			*r = cur;
			r = &LEFT(cur);
			cur = LEFT(cur);
		}
	}
	*l = BF_NONE;
	*r = BF_NONE;
	*slot = x;
}

void bftree_remove(struct bftree *t, uint32_t x)
{
	const uint64_t kx = KEY(x);
	uint32_t *slot = &t->root;
	while (*slot != x)
		slot = kx < KEY(*slot) ? &LEFT(*slot) : &RIGHT(*slot);
	uint32_t a = LEFT(x), b = RIGHT(x);
	while (a != BF_NONE && b != BF_NONE) {
		if (prio(a) > prio(b)) {
			*slot = a;
			slot = &RIGHT(a);
			a = RIGHT(a);
		} else {
			*slot = b;
			slot = &LEFT(b);
			b = LEFT(b);
		}
	}
	*slot = a != BF_NONE ? a : b;
}

uint32_t bftree_lower_bound(const struct bftree *t, uint64_t k)
{
	uint32_t cur = t->root, best = BF_NONE;
	while (cur != BF_NONE) {
		if (KEY(cur) >= k) {
			best = cur;
			cur = LEFT(cur);
		} else {
			cur = RIGHT(cur);
		}
	}
	return best;
}

uint32_t bftree_min(const struct bftree *t)
{
	uint32_t cur = t->root;
	if (cur == BF_NONE)
		return BF_NONE;
	while (LEFT(cur) != BF_NONE)
		cur = LEFT(cur);
	return cur;
}

uint32_t bftree_max(const struct bftree *t)
{
	uint32_t cur = t->root;
	if (cur == BF_NONE)
		return BF_NONE;
	while (RIGHT(cur) != BF_NONE)
		cur = RIGHT(cur);
	return cur;
}
