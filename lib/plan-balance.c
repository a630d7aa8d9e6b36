/* Grouping packs into steps and balancing each step over the ranks.
 *
 * Same ranks (no capacities): the units sorted by cost, step g takes the
 * W * M units ranked g * W * M .. (g + 1) * W * M - 1, so packs of similar
 * cost share a step and the cost spread inside a step is small.  With
 * M = 1 each rank takes one of them (a seeded permutation).  With M > 1
 * the step is balanced by the balanced W-way Karmarkar-Karp largest
 * differencing method (every rank exactly M packs): the step starts as
 * M partial solutions, each one "layer" of W units; the two with the
 * largest max - min are merged by pairing the heaviest rank of one with
 * the lightest of the other, until one is left; its W subsets go to the
 * ranks in a seeded order.  With rank speeds, LPT on uniform machines
 * instead: units heaviest first, each to the rank with a free slot that
 * would finish it earliest.
 *
 * Rank capacities: units largest first (tokens), each to the rank with
 * a free slot and room for it that has the least time so far; taken in
 * that order the choice never strands a later unit (later ones are
 * smaller, so every rank that had room has room again), so this fails
 * only when no assignment exists.  Each rank's units are then dealt to
 * the steps in cost order, so that step g holds every rank's g-th
 * cheapest group of M.
 *
 * Both are O(n log n) at most: a sort, then O(W log W) per layer merge,
 * times at most PLAN_MAX_TRIES tries for a step that is not balanced
 * within 0.1% (O(W) per unit for speeds and capacities). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"
#include "util-internal.h"
#include "util/cleanup-internal.h"

/* Compositions a step tries at most (see schedule_same()). */
#define PLAN_MAX_TRIES 64

/* One rank's share of a partial solution: its sum and a list of units
 * linked through next[]. */
struct share {
	double sum;
	uint32_t head, tail;
};

struct kk {
	uint32_t w, m;
	struct share *share; /* m tuples of w shares, each sorted by sum desc */
	uint32_t *next;      /* w * m: the unit after a unit in its share */
	uint32_t *heap;      /* tuple numbers, max-heap by spread */
};

static double spread(const struct kk *k, uint32_t t)
{
	const struct share *s = k->share + (size_t)t * k->w;
	return s[0].sum - s[k->w - 1].sum;
}

static int tuple_above(const struct kk *k, uint32_t x, uint32_t y)
{
	double a = spread(k, x), b = spread(k, y);
	return a > b || (a == b && x < y);
}

static void kk_sift_down(struct kk *k, size_t n, size_t i)
{
	uint32_t v = k->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && tuple_above(k, k->heap[c + 1], k->heap[c]))
			c++;
		if (!tuple_above(k, k->heap[c], v))
			break;
		k->heap[i] = k->heap[c];
		i = c;
	}
	k->heap[i] = v;
}

static int share_desc(const void *a, const void *b)
{
	const struct share *x = a, *y = b;
	if (x->sum != y->sum)
		return x->sum < y->sum ? 1 : -1;
	return x->head < y->head ? -1 : x->head > y->head;
}

/* Balance the w * m units cost[0..w*m-1] (heaviest first): out[r * m + j]
 * gets the j-th local unit of share r. */
static void kk_step(struct kk *k, const double *cost, uint32_t *out)
{
	uint32_t w = k->w, m = k->m;
	for (uint32_t t = 0; t < m; t++) {
		for (uint32_t i = 0; i < w; i++) {
			uint32_t u = t * w + i;
			k->share[u] = (struct share){cost[u], u, u};
			k->next[u] = UINT32_MAX;
		}
		k->heap[t] = t;
	}
	for (size_t i = m / 2; i-- > 0;)
		kk_sift_down(k, m, i);
	size_t n = m;
	while (n > 1) {
		uint32_t a = k->heap[0];
		k->heap[0] = k->heap[--n];
		kk_sift_down(k, n, 0);
		uint32_t b = k->heap[0];
		struct share *sa = k->share + (size_t)a * w;
		const struct share *sb = k->share + (size_t)b * w;
		for (uint32_t i = 0; i < w; i++) {
			const struct share *y = &sb[w - 1 - i];
			k->next[sa[i].tail] = y->head;
			sa[i].tail = y->tail;
			sa[i].sum += y->sum;
		}
		qsort(sa, w, sizeof(*sa), share_desc);
		k->heap[0] = a;
		kk_sift_down(k, n, 0);
	}
	const struct share *s = k->share + (size_t)k->heap[0] * w;
	for (uint32_t r = 0; r < w; r++) {
		uint32_t j = 0;
		for (uint32_t u = s[r].head; u != UINT32_MAX; u = k->next[u])
			out[r * m + j++] = u;
	}
}

static double speed_of(const seqpack_plan_params *p, uint32_t r)
{
	return p->rank_speeds ? p->rank_speeds[r] : 1.0;
}

/* LPT on uniform machines with m slots per rank: out as kk_step(). */
static void lpt_step(const seqpack_plan_params *p, const double *cost,
		     double *load, uint32_t *fill, uint32_t *out)
{
	uint32_t w = p->world_size, m = p->packs_per_rank;
	for (uint32_t r = 0; r < w; r++)
		load[r] = 0, fill[r] = 0;
	for (uint32_t u = 0; u < w * m; u++) {
		uint32_t best = UINT32_MAX;
		double bt = INFINITY;
		for (uint32_t r = 0; r < w; r++) {
			if (fill[r] == m)
				continue;
			double t = (load[r] + cost[u]) / speed_of(p, r);
			if (t < bt)
				bt = t, best = r;
		}
		load[best] += cost[u];
		out[best * m + fill[best]++] = u;
	}
}

/* The excess of the heaviest rank over the mean for a step's balance. */
static double step_excess(const double *cost, const uint32_t *local,
			  uint32_t w, uint32_t m)
{
	double max = 0, total = 0;
	for (uint32_t r = 0; r < w; r++) {
		double c = 0;
		for (uint32_t j = 0; j < m; j++)
			c += cost[local[(size_t)r * m + j]];
		max = c > max ? c : max;
		total += c;
	}
	return max - total / w;
}

static int schedule_same(const struct plan_units *u,
			 const seqpack_plan_params *p, struct rng *rg,
			 const uint32_t *order, uint32_t *slots,
			 seqpack_error *err)
{
	uint32_t w = p->world_size, m = p->packs_per_rank;
	size_t per = (size_t)w * m, nsteps = u->n / per;
	_cleanup_free_ double *cost = malloc(per * sizeof(*cost));
	_cleanup_free_ uint32_t *unit = malloc(per * sizeof(*unit));
	_cleanup_free_ uint32_t *local = malloc(per * sizeof(*local));
	_cleanup_free_ uint32_t *best_unit = malloc(per * sizeof(*best_unit));
	_cleanup_free_ uint32_t *best_local = malloc(per * sizeof(*best_local));
	_cleanup_free_ uint32_t *perm = malloc(w * sizeof(*perm));
	_cleanup_free_ struct share *share = malloc(per * sizeof(*share));
	_cleanup_free_ uint32_t *next = malloc(per * sizeof(*next));
	_cleanup_free_ uint32_t *heap = malloc(m * sizeof(*heap));
	_cleanup_free_ double *load = malloc(w * sizeof(*load));
	_cleanup_free_ uint32_t *fill = malloc(w * sizeof(*fill));
	if (!cost || !unit || !local || !best_unit || !best_local || !perm ||
	    !share || !next || !heap || !load || !fill)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory balancing steps of %zu packs", per);
	struct kk k = {w, m, share, next, heap};
	/* An excess below 0.1% of a mean step's mean rank is not worth a
	 * search (see below): most steps are there at once, and only the
	 * others pay for it. */
	double all = 0;
	for (size_t i = 0; i < u->n; i++)
		all += u->cost[i];
	double enough = nsteps ? 1e-3 * all / (double)nsteps / w : 0;
	/* Positions in cost order, heaviest first: [hi, lo) are left. */
	size_t hi = 0, lo = u->n;
#define HEAVIEST(i) order[u->n - 1 - (i)]
	for (size_t g = 0; g < nsteps; g++) {
		uint32_t *out = slots + g * per;
		if (p->rank_speeds || m == 1) {
			for (size_t i = 0; i < per; i++) {
				unit[i] = HEAVIEST(hi + i);
				cost[i] = u->cost[unit[i]];
			}
			hi += per;
			if (p->rank_speeds) {
				lpt_step(p, cost, load, fill, local);
				for (size_t i = 0; i < per; i++)
					out[i] = unit[local[i]];
				continue;
			}
			for (uint32_t i = 0; i < w; i++)
				best_local[i] = i;
			memcpy(best_unit, unit, per * sizeof(*unit));
		} else {
			/* The step takes the per heaviest packs left or, when
			 * Karmarkar-Karp leaves its heaviest rank more than
			 * `enough` above the mean, the per - q heaviest and the q
			 * lightest (q <= (M - 1) * W), whichever balances
			 * best: a pack far above the rest of its step (one
			 * long document) then gets light packs beside it
			 * instead of the step's lightest heavy ones (wordnet
			 * at C = 4096, M = 4, attention: 2.06% -> 0.20%). */
			double best = INFINITY;
			size_t best_q = 0;
			/* At most PLAN_MAX_TRIES tries, so that a large W * M
			 * cannot make a step cost (M - 1) W balancings. */
			size_t qmax = (size_t)(m - 1) * w;
			qmax = qmax < PLAN_MAX_TRIES ? qmax : PLAN_MAX_TRIES;
			for (size_t q = 0; q <= qmax && best > enough; q++) {
				for (size_t i = 0; i < per - q; i++)
					unit[i] = HEAVIEST(hi + i);
				for (size_t i = 0; i < q; i++)
					unit[per - q + i] = HEAVIEST(lo - q + i);
				for (size_t i = 0; i < per; i++)
					cost[i] = u->cost[unit[i]];
				kk_step(&k, cost, local);
				double e = step_excess(cost, local, w, m);
				if (e < best) {
					best = e;
					best_q = q;
					memcpy(best_unit, unit, per * sizeof(*unit));
					memcpy(best_local, local, per * sizeof(*local));
				}
			}
			hi += per - best_q;
			lo -= best_q;
		}
		for (uint32_t r = 0; r < w; r++)
			perm[r] = r;
		rng_shuffle(rg, perm, w);
		for (uint32_t r = 0; r < w; r++)
			for (uint32_t j = 0; j < m; j++)
				out[(size_t)perm[r] * m + j] =
					best_unit[best_local[(size_t)r * m + j]];
	}
#undef HEAVIEST
	return SEQPACK_OK;
}

static int schedule_capacities(const struct plan_units *u,
			       const seqpack_plan_params *p,
			       const uint32_t *order, uint32_t *slots,
			       seqpack_error *err)
{
	uint32_t w = p->world_size, m = p->packs_per_rank;
	size_t per = (size_t)w * m, nsteps = u->n / per, quota = nsteps * m;
	_cleanup_free_ uint64_t *ukey = malloc((u->n + 1) * sizeof(*ukey));
	_cleanup_free_ uint32_t *by_used = malloc((u->n + 1) * sizeof(*by_used));
	_cleanup_free_ uint32_t *rank = malloc((u->n + 1) * sizeof(*rank));
	_cleanup_free_ double *load = calloc(w, sizeof(*load));
	_cleanup_free_ size_t *fill = calloc(w, sizeof(*fill));
	if (!ukey || !by_used || !rank || !load || !fill)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory placing %zu packs on ranks", u->n);
	for (size_t i = 0; i < u->n; i++)
		ukey[i] = u->used[i];
	if (plan_sort_(ukey, u->n, by_used) != SEQPACK_OK)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory sorting %zu packs", u->n);
	for (size_t i = u->n; i-- > 0;) {
		uint32_t x = by_used[i], best = UINT32_MAX;
		double bt = INFINITY;
		for (uint32_t r = 0; r < w; r++) {
			if (fill[r] == quota || p->rank_capacities[r] < u->used[x])
				continue;
			double t = (load[r] + u->cost[x]) / speed_of(p, r);
			if (t < bt)
				bt = t, best = r;
		}
		if (best == UINT32_MAX)
			return seterr(err, SEQPACK_ERR_CAPACITY,
				      "rank_capacities leave a pack of %u tokens without a rank: ranks that can hold it have no free slot among their %zu",
				      u->used[x], quota);
		load[best] += u->cost[x];
		fill[best]++;
		rank[x] = best;
	}
	/* Deal each rank's units, most costly first, to steps 0, 1, ... */
	for (uint32_t r = 0; r < w; r++)
		fill[r] = 0;
	for (size_t i = u->n; i-- > 0;) {
		uint32_t x = order[i], r = rank[x];
		size_t g = fill[r] / m, j = fill[r] % m;
		slots[(g * w + r) * m + j] = x;
		fill[r]++;
	}
	return SEQPACK_OK;
}

int plan_schedule_(const struct plan_units *u, const seqpack_plan_params *p,
		   struct rng *r, uint32_t *slots, seqpack_error *err)
{
	_cleanup_free_ uint32_t *order = malloc((u->n + 1) * sizeof(*order));
	if (!order || plan_sort_(u->key, u->n, order) != SEQPACK_OK)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory sorting %zu packs", u->n);
	if (p->rank_capacities)
		return schedule_capacities(u, p, order, slots, err);
	return schedule_same(u, p, r, order, slots, err);
}
