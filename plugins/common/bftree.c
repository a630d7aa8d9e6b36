#include "bftree.h"

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
	const uint64_t kx = t->key[x];
	const uint32_t px = prio(x);
	uint32_t *slot = &t->root;
	while (*slot != BF_NONE && prio(*slot) > px)
		slot = kx < t->key[*slot] ? &t->left[*slot] : &t->right[*slot];
	/* Split the subtree hanging at slot around kx into x's children. */
	uint32_t cur = *slot;
	uint32_t *l = &t->left[x], *r = &t->right[x];
	while (cur != BF_NONE) {
		if (t->key[cur] < kx) {
			*l = cur;
			l = &t->right[cur];
			cur = t->right[cur];
		} else {
			*r = cur;
			r = &t->left[cur];
			cur = t->left[cur];
		}
	}
	*l = BF_NONE;
	*r = BF_NONE;
	*slot = x;
}

void bftree_remove(struct bftree *t, uint32_t x)
{
	const uint64_t kx = t->key[x];
	uint32_t *slot = &t->root;
	while (*slot != x)
		slot = kx < t->key[*slot] ? &t->left[*slot] : &t->right[*slot];
	uint32_t a = t->left[x], b = t->right[x];
	while (a != BF_NONE && b != BF_NONE) {
		if (prio(a) > prio(b)) {
			*slot = a;
			slot = &t->right[a];
			a = t->right[a];
		} else {
			*slot = b;
			slot = &t->left[b];
			b = t->left[b];
		}
	}
	*slot = a != BF_NONE ? a : b;
}

uint32_t bftree_lower_bound(const struct bftree *t, uint64_t k)
{
	uint32_t cur = t->root, best = BF_NONE;
	while (cur != BF_NONE) {
		if (t->key[cur] >= k) {
			best = cur;
			cur = t->left[cur];
		} else {
			cur = t->right[cur];
		}
	}
	return best;
}

uint32_t bftree_min(const struct bftree *t)
{
	uint32_t cur = t->root;
	if (cur == BF_NONE)
		return BF_NONE;
	while (t->left[cur] != BF_NONE)
		cur = t->left[cur];
	return cur;
}

uint32_t bftree_max(const struct bftree *t)
{
	uint32_t cur = t->root;
	if (cur == BF_NONE)
		return BF_NONE;
	while (t->right[cur] != BF_NONE)
		cur = t->right[cur];
	return cur;
}
