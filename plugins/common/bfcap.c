/* The capacity-indexed bin set of Best Fit (see bfcap.h). */
#include <string.h>

#include "bfcap.h"

int bfcap_init(struct bfcap *x, struct bfcap_mem *m, uint32_t cap,
	       size_t maxbins)
{
	size_t bits = (size_t)cap + 1, total = 0;
	unsigned lv = 0;
	do {
		x->nbits[lv] = bits;
		size_t words = (bits + 63) / 64;
		total += words;
		bits = words;
		lv++;
	} while (bits > 1 && lv < BFCAP_MAXLEV);
	x->levels = lv;
	x->cap = cap;
	uint64_t *w = bfbuf_reserve(&m->bits, total, sizeof(uint64_t));
	uint32_t *pr = bfbuf_reserve_sparse(&m->perr, ((size_t)cap + 1) * 3,
					    sizeof(uint32_t));
	uint32_t *pb = bfbuf_lazy(&m->perbin, maxbins * 2 + 2,
				  sizeof(uint32_t));
	if (!w || !pr || !pb)
		return -1;
	memset(w, 0, total * sizeof(uint64_t));
	for (unsigned i = 0; i < lv; i++) {
		x->lvl[i] = w;
		w += (x->nbits[i] + 63) / 64;
	}
	x->head = pr;
	x->tail = pr + (size_t)cap + 1;
	x->heap = pr + 2 * ((size_t)cap + 1);
	x->next = pb;
	x->child = pb + maxbins + 1;
	return 0;
}

void bfcap_mem_free(struct bfcap_mem *m)
{
	bfbuf_free(&m->bits);
	bfbuf_free(&m->perr);
	bfbuf_free(&m->perbin);
}

/* First set bit at index >= pos of level `level`, or BF_NONE.  A set bit j
 * at level L + 1 means word j of level L is non-zero. */
uint32_t bfcap_find_up(const struct bfcap *x, unsigned level, size_t pos)
{
	if (pos >= x->nbits[level])
		return BF_NONE;
	size_t wi = pos >> 6;
	uint64_t w = x->lvl[level][wi] & (~(uint64_t)0 << (pos & 63));
	if (!w) {
		if (level + 1 >= x->levels)
			return BF_NONE;
		uint32_t up = bfcap_find_up(x, level + 1, wi + 1);
		if (up == BF_NONE)
			return BF_NONE;
		wi = up;
		w = x->lvl[level][wi];
	}
	return (uint32_t)((wi << 6) | (size_t)__builtin_ctzll(w));
}

/* Word w of level 0 went from zero to non-zero. */
void bfcap_setbit_up(struct bfcap *x, size_t w)
{
	for (unsigned l = 1; l < x->levels; l++) {
		size_t wi = w >> 6;
		uint64_t old = x->lvl[l][wi];
		x->lvl[l][wi] = old | ((uint64_t)1 << (w & 63));
		if (old)
			return;
		w = wi;
	}
}

/* Word w of level 0 became zero. */
void bfcap_clearbit_up(struct bfcap *x, size_t w)
{
	for (unsigned l = 1; l < x->levels; l++) {
		size_t wi = w >> 6;
		uint64_t v = x->lvl[l][wi] & ~((uint64_t)1 << (w & 63));
		x->lvl[l][wi] = v;
		if (v)
			return;
		w = wi;
	}
}

/* Delete the root of a pairing heap; returns the new root.  Two-pass
 * pairing: meld children pairwise left to right, then fold the results
 * right to left; amortised O(log size). */
uint32_t bfcap_heap_pop(struct bfcap *x, uint32_t root)
{
	uint32_t c = x->child[root], acc = BF_NONE;
	while (c != BF_NONE) {
		uint32_t a = c, b = x->next[a];
		if (b == BF_NONE) {
			x->next[a] = acc;
			acc = a;
			break;
		}
		c = x->next[b];
		uint32_t m = bfcap_meld(x, a, b);
		x->next[m] = acc;
		acc = m;
	}
	if (acc == BF_NONE)
		return BF_NONE;
	uint32_t res = acc;
	acc = x->next[res];
	x->next[res] = BF_NONE;
	while (acc != BF_NONE) {
		uint32_t y = acc;
		acc = x->next[y];
		x->next[y] = BF_NONE;
		res = bfcap_meld(x, res, y);
	}
	return res;
}
