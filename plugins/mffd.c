/* Modified First Fit Decreasing (Johnson & Garey, "A 71/60 theorem for
 * bin packing", J. Complexity 1, 1985).  It differs from FFD in how the
 * sequences of size in (C/6, C/3] are placed beside the large ones.
 *
 * Sizes, for capacity C:  large  > C/2      medium (C/3, C/2]
 *                         small  (C/6, C/3] tiny   <= C/6
 * all compared in 64-bit integers (2*len > C, 3*len > C, 6*len > C).
 *
 *  1. Each large item, largest first, opens its own bin ("A-bins", whose
 *     free room grows from left to right).
 *  2. Forward through the A-bins: if the smallest remaining medium item
 *     does not fit, skip the bin; otherwise place the largest remaining
 *     medium item that fits (at most one fits beside a large item).
 *  3. Backward through the A-bins that got no medium item: if fewer than
 *     two small items remain, or the two smallest do not fit together,
 *     skip the bin; otherwise place the smallest remaining small item, then
 *     the largest remaining small item that still fits.
 *  4. Forward through the A-bins: while the smallest remaining item fits,
 *     place the largest remaining item that fits.
 *  5. Pack what remains with FFD into new bins.
 *
 * Phases 4 and 5 together are exactly First Fit of the remaining items in
 * descending order with the A-bins first (a bin filled "largest that fits
 * first" receives the same items as when each item, largest first, takes
 * the first bin it fits), so they run on the FF max-tree.  Phases 2 and 3
 * find "largest remaining that fits" with a binary search in the sorted
 * run plus a union-find skipping placed items, and "smallest remaining"
 * with a second union-find running right to left.  O(n log n) overall.
 *
 * Bound: MFFD <= 71/60 OPT + 1 (Yue & Zhang 1995, improving Johnson &
 * Garey's additive 31/6).  With max_items set, a bin without room for
 * the items a phase would add is skipped by that phase. */
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/ffpack.h"
#include "common/fftree.h"
#include "common/order.h"

/* Union-find over positions: par[x] == x while x is not yet placed. */
static uint32_t find(uint32_t *par, uint32_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return x;
}

struct mffd {
	const uint32_t *len;   /* lengths */
	const uint32_t *order; /* descending order of all items */
	struct fftree t;
	uint32_t *log_item, *log_bin; /* placements, in order */
	size_t nlog;
};

static void log_put(struct mffd *m, uint32_t item, uint32_t bin)
{
	m->log_item[m->nlog] = item;
	m->log_bin[m->nlog++] = bin;
}

static void place(struct mffd *m, uint32_t item, uint32_t bin)
{
	fftree_add(&m->t, bin, m->len[item]);
	log_put(m, item, bin);
}

/* A run of the descending order: order[first .. first + n - 1]. */
struct run {
	const struct mffd *m;
	size_t first;
	uint32_t n;
	uint32_t *next; /* next[p]: first unplaced at or after p (n: none) */
	uint32_t *prev; /* prev[p + 1] - 1: last unplaced at or before p */
};

static uint32_t run_len(const struct run *r, uint32_t p)
{
	return r->m->len[r->m->order[r->first + p]];
}

static int run_init(struct run *r, const struct mffd *m, size_t first,
		    size_t end, int with_prev)
{
	r->m = m;
	r->first = first;
	r->n = (uint32_t)(end - first);
	r->next = malloc(((size_t)r->n + 1) * sizeof(*r->next));
	r->prev = with_prev ? malloc(((size_t)r->n + 1) * sizeof(*r->prev))
			    : NULL;
	if (!r->next || (with_prev && !r->prev))
		return -1;
	for (uint32_t p = 0; p <= r->n; p++) {
		r->next[p] = p;
		if (r->prev)
			r->prev[p] = p;
	}
	return 0;
}

static void run_free(struct run *r)
{
	free(r->next);
	free(r->prev);
}

static int run_placed(const struct run *r, uint32_t p)
{
	return r->next[p] != p;
}

static void run_take(struct run *r, uint32_t p, uint32_t bin,
		     struct mffd *m)
{
	r->next[p] = p + 1;
	if (r->prev)
		r->prev[p + 1] = p;
	place(m, m->order[r->first + p], bin);
}

/* The largest unplaced item of length <= room, or r->n when none. */
static uint32_t run_largest_fitting(struct run *r, uint32_t room)
{
	uint32_t lo = 0, hi = r->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (run_len(r, mid) <= room)
			hi = mid;
		else
			lo = mid + 1;
	}
	return find(r->next, lo);
}

/* The smallest unplaced item at or before position p, or UINT32_MAX. */
static uint32_t run_smallest_upto(struct run *r, uint32_t p)
{
	return find(r->prev, p + 1) - 1;
}

/* The first position at or after from whose length has factor * len <=
 * cap; lengths descend along the order, so binary search. */
static size_t class_end(const struct mffd *m, size_t from, size_t n,
			uint64_t factor, uint64_t cap)
{
	size_t lo = from, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (factor * m->len[m->order[mid]] > cap)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sorted order reads lengths at random: fetch a few ahead so the
 * cache misses overlap. */
static void prefetch(const struct mffd *m, size_t i, size_t n)
{
#if defined(__GNUC__)
	if (i + 16 < n)
		__builtin_prefetch(&m->len[m->order[i + 16]]);
#else
	(void)m;
	(void)i;
	(void)n;
#endif
}

static int mffd_run(struct mffd *m, size_t n, const seqpack_params *params,
		    uint8_t *has_medium, struct run *mid, struct run *small)
{
	const uint64_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items
						: UINT32_MAX;
	size_t a_end = class_end(m, 0, n, 2, cap);
	size_t b_end = class_end(m, a_end, n, 3, cap);
	size_t c_end = class_end(m, b_end, n, 6, cap);

	/* Phase 1: A-bins 0 .. a_end - 1. */
	for (size_t i = 0; i < a_end; i++) {
		uint32_t item = m->order[i];
		prefetch(m, i, a_end);
		uint32_t b = fftree_open(&m->t, m->len[item]);
		if (b == FFTREE_NONE)
			return -1;
		log_put(m, item, b);
	}
	if (run_init(mid, m, a_end, b_end, 0) != 0 ||
	    run_init(small, m, b_end, c_end, 1) != 0)
		return -1;

	/* Phase 2. */
	for (uint32_t b = 0; b < a_end && mid->n; b++) {
		uint32_t p = run_largest_fitting(mid, fftree_room(&m->t, b));
		if (p < mid->n) {
			run_take(mid, p, b, m);
			has_medium[b] = 1;
		}
	}

	/* Phase 3. */
	for (size_t b = a_end; b-- > 0 && small->n >= 2;) {
		if (has_medium[b] || (uint64_t)m->t.count[b] + 2 > maxi)
			continue;
		uint32_t s1 = run_smallest_upto(small, small->n - 1);
		if (s1 == UINT32_MAX || s1 == 0)
			break;
		uint32_t s2 = run_smallest_upto(small, s1 - 1);
		if (s2 == UINT32_MAX)
			break; /* fewer than two small items remain */
		uint64_t room = fftree_room(&m->t, b);
		if ((uint64_t)run_len(small, s1) + run_len(small, s2) > room)
			continue;
		run_take(small, s1, (uint32_t)b, m);
		uint32_t q = run_largest_fitting(small,
						 fftree_room(&m->t, b));
		run_take(small, q, (uint32_t)b, m); /* s2 fits, so q exists */
	}

	/* Phases 4 and 5. */
	for (size_t i = a_end; i < n; i++) {
		if (i < b_end && run_placed(mid, (uint32_t)(i - a_end)))
			continue;
		if (i >= b_end && i < c_end &&
		    run_placed(small, (uint32_t)(i - b_end)))
			continue;
		uint32_t item = m->order[i];
		prefetch(m, i, n);
		uint32_t b = fftree_first_fit(&m->t, m->len[item]);
		if (b == FFTREE_NONE)
			return -1;
		log_put(m, item, b);
	}
	return 0;
}

static int mffd_pack(void *state, const uint32_t *lengths, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	out->nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	struct mffd m = {.len = lengths};
	struct run mid = {0}, small = {0};
	uint32_t *order = malloc(n * sizeof(*order));
	m.log_item = malloc(n * sizeof(*m.log_item));
	m.log_bin = malloc(n * sizeof(*m.log_bin));
	uint8_t *has_medium = calloc(n, 1);
	int ok = order && m.log_item && m.log_bin && has_medium &&
		 order_desc(lengths, n, params->capacity, order) == 0;
	m.order = order;
	int tree = ok && fftree_init(&m.t, params->capacity, params->max_items,
				     out->used, out->offsets) == 0;
	ok = tree && mffd_run(&m, n, params, has_medium, &mid, &small) == 0;
	if (ok)
		ffpack_csr(out, m.t.nbins, m.log_item, m.log_bin, n);
	if (tree)
		fftree_free(&m.t);
	run_free(&mid);
	run_free(&small);
	free(has_medium);
	free(m.log_bin);
	free(m.log_item);
	free(order);
	return ok ? SEQPACK_OK : ffpack_nomem(err, "mffd");
}

SEQPACK_PLUGIN_DEFINE(mffd,
	.name = "mffd",
	.title = "Modified First Fit Decreasing",
	.description = "Johnson & Garey's FFD with paired (C/6,C/3] items beside large ones; O(n log n); <= 71/60 OPT + 1 (Yue & Zhang 1995)",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = mffd_pack)
