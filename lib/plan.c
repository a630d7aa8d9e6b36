/* Step plans (include/seqpack/plan.h): checks the parameters and the
 * packing, reaches a multiple of W * M packs (plan-remainder.c), costs
 * each pack, schedules (plan-balance.c), shuffles the step order from
 * (seed, epoch) and measures the result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plan.h>

#include "plan-internal.h"
#include "util-internal.h"
#include "util/cleanup-internal.h"
#include "util/cleanup-seqpack-internal.h"
#include "util/hugemem-internal.h"

/* W * M bounds the scratch of one step and keeps w * m in 32 bits. */
#define PLAN_MAX_PER_STEP (1u << 24)

UTIL_DEFINE_CLEANUP(seqpack_plan *, seqpack_plan_free)

SEQPACK_EXPORT void seqpack_plan_params_init(seqpack_plan_params *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->packs_per_rank = 1;
	p->cost = SEQPACK_COST_AFFINE;
	p->remainder = SEQPACK_PLAN_PAD;
	p->cost_a = SEQPACK_PLAN_DEFAULT_COST_A;
	p->cost_b = SEQPACK_PLAN_DEFAULT_COST_B;
	p->seed = SEQPACK_DEFAULT_SEED;
}

static int check_weight(const char *name, double v, seqpack_error *err)
{
	if (isnan(v) || isinf(v) || v < 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s is %g: a cost weight must be finite and >= 0",
			      name, v);
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_plan_params_check(const seqpack_plan_params *p,
					     seqpack_error *err)
{
	if (!p)
		return seterr(err, SEQPACK_ERR_INVALID, "plan params is NULL");
	if (p->world_size < 1 || p->world_size > SEQPACK_PLAN_MAX_WORLD)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "world_size is %u: it must be 1 .. %u",
			      p->world_size, SEQPACK_PLAN_MAX_WORLD);
	if (p->packs_per_rank < 1 ||
	    p->packs_per_rank > SEQPACK_PLAN_MAX_PACKS_PER_RANK)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "packs_per_rank is %u: it must be 1 .. %u",
			      p->packs_per_rank,
			      SEQPACK_PLAN_MAX_PACKS_PER_RANK);
	uint64_t per = (uint64_t)p->world_size * p->packs_per_rank;
	if (per > PLAN_MAX_PER_STEP)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "world_size %u * packs_per_rank %u = %llu packs per step is above the maximum %u",
			      p->world_size, p->packs_per_rank,
			      (unsigned long long)per, PLAN_MAX_PER_STEP);
	if (p->cost >= SEQPACK_COST_COUNT_)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "cost is %u: not a cost model (affine 0, linear 1, attention 2)",
			      p->cost);
	if (p->remainder >= SEQPACK_PLAN_REMAINDER_COUNT_)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "remainder is %u: not pad (0) or drop_last (1)",
			      p->remainder);
	if (p->flags & ~SEQPACK_PLAN_ALLOW_EMPTY)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "flags 0x%x has unknown bits", p->flags);
	int rc = check_weight("cost_a", p->cost_a, err);
	if (rc == SEQPACK_OK)
		rc = check_weight("cost_b", p->cost_b, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (p->cost == SEQPACK_COST_AFFINE && p->cost_a == 0 && p->cost_b == 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "cost_a and cost_b are both 0: every pack would cost nothing");
	for (uint32_t r = 0; p->rank_capacities && r < p->world_size; r++)
		if (p->rank_capacities[r] < 1 ||
		    p->rank_capacities[r] > SEQPACK_MAX_CAPACITY)
			return seterr(err, SEQPACK_ERR_CAPACITY,
				      "rank_capacities[%u] is %u: it must be 1 .. %u",
				      r, p->rank_capacities[r],
				      SEQPACK_MAX_CAPACITY);
	for (uint32_t r = 0; p->rank_speeds && r < p->world_size; r++) {
		double v = p->rank_speeds[r];
		if (isnan(v) || isinf(v) || v <= 0)
			return seterr(err, SEQPACK_ERR_INVALID,
				      "rank_speeds[%u] is %g: a speed must be finite and > 0",
				      r, v);
	}
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_plan *seqpack_plan_free(seqpack_plan *plan)
{
	if (plan) {
		free(plan->slots);
		seqpack_result_free(plan->packing);
		free(plan->dropped);
		free(plan->cost);
		free(plan->rank_cost);
		free(plan->rank_time);
		free(plan->rank_tokens);
		free(plan->rank_packs);
		free(plan);
	}
	return NULL;
}

/* The order's seed: splitmix64's finaliser (Stafford's Mix13) applied to
 * the epoch, xor the seed, and again; documented in docs/plans.md, part
 * of the plan's reproducibility like rng.h. */
static uint64_t mix13(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* seqpack_verify()'s checks and each bin's sum of squared lengths in one
 * pass: the lengths are read in the packing's order, which is random
 * for decreasing algorithms, and a second pass over them cost as much as
 * the rest of the plan at 10^6 sequences. */
static int scan_packing(const seqpack_result *r, const uint32_t *lengths,
			uint64_t capacity, uint64_t *key, seqpack_error *err)
{
	size_t n = r->n;
	if (r->nbins > n || r->offsets[0] != 0 || r->offsets[r->nbins] != n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "the packing's offsets do not run from 0 to its %zu sequences",
			      n);
	_cleanup_free_ uint64_t *seen = calloc(n / 64 + 1, sizeof(uint64_t));
	if (!seen)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory checking %zu sequences", n);
	for (size_t b = 0; b < r->nbins; b++) {
		uint32_t lo = r->offsets[b], hi = r->offsets[b + 1];
		if (hi <= lo || hi > n)
			return seterr(err, SEQPACK_ERR_VERIFY,
				      "bin %zu is empty or has bad offsets %u..%u",
				      b, lo, hi);
		uint64_t sum = 0, sq = 0;
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t idx = r->items[j];
			/* The lengths are read in random order: ask for one
			 * 64 items ahead so that the misses overlap (11.3 ->
			 * see docs/performance.md at 10^6 sequences). */
			if (j + 64 < n && r->items[j + 64] < n)
				__builtin_prefetch(lengths + r->items[j + 64]);
			if (idx >= n)
				return seterr(err, SEQPACK_ERR_VERIFY,
					      "bin %zu names sequence %u, input has %zu",
					      b, idx, n);
			uint64_t bit = UINT64_C(1) << (idx % 64);
			if (seen[idx / 64] & bit)
				return seterr(err, SEQPACK_ERR_VERIFY,
					      "sequence %u is placed twice (again in bin %zu)",
					      idx, b);
			seen[idx / 64] |= bit;
			uint64_t l = lengths[idx];
			sum += l;
			sq += l * l;
		}
		if (sum > capacity || sum != r->used[b])
			return seterr(err, SEQPACK_ERR_VERIFY,
				      "bin %zu holds %llu tokens (used says %u, capacity %llu)",
				      b, (unsigned long long)sum, r->used[b],
				      (unsigned long long)capacity);
		key[b] = sq;
	}
	return SEQPACK_OK;
}

/* A result with arrays of exactly n items and nbins bins (a result from
 * seqpack_result_new() has n + 1 slots in each, and at 10^6 sequences
 * zeroing the pages of the two it hardly uses was a fifth of the plan). */
int plan_result_new_(const char *algorithm, size_t n, size_t nbins,
		     seqpack_result **ret, seqpack_error *err)
{
	_cleanup_result_ seqpack_result *c = calloc(1, sizeof(*c));
	if (!c)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	c->items = hugemem_alloc((n + 1) * sizeof(uint32_t),
				 (n + 1) * sizeof(uint32_t));
	c->offsets = hugemem_alloc((nbins + 1) * sizeof(uint32_t), 0);
	c->used = hugemem_alloc((nbins + 1) * sizeof(uint32_t), 0);
	if (!c->items || !c->offsets || !c->used)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a packing of %zu sequences",
			      n);
	memcpy(c->algorithm, algorithm, sizeof(c->algorithm));
	c->n = n;
	c->nbins = nbins;
	*ret = TAKE_PTR(c);
	return SEQPACK_OK;
}

static int copy_packing(const seqpack_result *r, seqpack_result **ret,
			seqpack_error *err)
{
	seqpack_result *c;
	int rc = plan_result_new_(r->algorithm, r->n, r->nbins, &c, err);
	if (rc != SEQPACK_OK)
		return rc;
	memcpy(c->items, r->items, r->n * sizeof(*c->items));
	memcpy(c->offsets, r->offsets, (r->nbins + 1) * sizeof(*c->offsets));
	memcpy(c->used, r->used, r->nbins * sizeof(*c->used));
	c->metrics = r->metrics;
	*ret = c;
	return SEQPACK_OK;
}

/* Pad or drop to a multiple of W * M; sets nsplit, dropped, nempty. */
static int reach_multiple(seqpack_plan *plan, const uint32_t *lengths,
			  uint64_t *key, const seqpack_plan_params *p,
			  struct rng *rg, seqpack_error *err)
{
	size_t per = (size_t)p->world_size * p->packs_per_rank;
	size_t nbins = plan->packing->nbins, rem = nbins % per;
	if (rem == 0)
		return SEQPACK_OK;
	if (p->remainder == SEQPACK_PLAN_DROP_LAST) {
		if (nbins < per)
			return seterr(err, SEQPACK_ERR_LIMIT,
				      "drop_last would drop all %zu packs: a step needs world_size %u * packs_per_rank %u = %zu",
				      nbins, p->world_size, p->packs_per_rank,
				      per);
		plan->ndropped = rem;
		return plan_drop_(nbins, rem, rg, &plan->dropped, err);
	}
	size_t want = per - rem, added = 0;
	int rc = plan_pad_(&plan->packing, lengths, key, want, &added, err);
	if (rc != SEQPACK_OK)
		return rc;
	plan->nsplit = added;
	if (added < want && !(p->flags & SEQPACK_PLAN_ALLOW_EMPTY))
		return seterr(err, SEQPACK_ERR_LIMIT,
			      "pad cannot reach a multiple of world_size %u * packs_per_rank %u = %zu: %zu sequences make at most %zu packs; allow empty slots or use drop_last",
			      p->world_size, p->packs_per_rank, per,
			      plan->packing->n, plan->packing->nbins);
	plan->nempty = want - added;
	return SEQPACK_OK;
}

static double pack_cost(const seqpack_plan_params *p, uint64_t capacity,
			uint64_t sq)
{
	switch (p->cost) {
	case SEQPACK_COST_LINEAR: return (double)capacity;
	case SEQPACK_COST_ATTENTION: return (double)sq;
	default: return p->cost_a * (double)capacity + p->cost_b * (double)sq;
	}
}

/* The units to schedule: every bin not dropped, then the empty slots. */
static int make_units(seqpack_plan *plan, const uint64_t *key,
		      const seqpack_plan_params *p, struct plan_units *u,
		      seqpack_error *err)
{
	const seqpack_result *pk = plan->packing;
	size_t nb = pk->nbins, n = nb - plan->ndropped + plan->nempty;
	plan->cost = malloc(nb * sizeof(*plan->cost));
	u->bin = malloc((n + 1) * sizeof(*u->bin));
	u->key = malloc((n + 1) * sizeof(*u->key));
	u->used = malloc((n + 1) * sizeof(*u->used));
	u->cost = malloc((n + 1) * sizeof(*u->cost));
	if (!plan->cost || !u->bin || !u->key || !u->used || !u->cost)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory costing %zu packs", nb);
	size_t k = 0, d = 0;
	for (size_t b = 0; b < nb; b++) {
		uint64_t sq = key[b];
		plan->cost[b] = pack_cost(p, pk->metrics.capacity, sq);
		if (d < plan->ndropped && plan->dropped[d] == b) {
			d++;
			continue;
		}
		u->bin[k] = (uint32_t)b;
		u->key[k] = sq;
		u->used[k] = pk->used[b];
		u->cost[k] = plan->cost[b];
		k++;
	}
	for (; k < n; k++) {
		u->bin[k] = SEQPACK_PLAN_EMPTY;
		u->key[k] = 0;
		u->used[k] = 0;
		u->cost[k] = 0;
	}
	u->n = n;
	return SEQPACK_OK;
}

/* Step overhead, worst and mean step, per-rank totals. */
static int measure(seqpack_plan *plan, const seqpack_plan_params *p,
		   seqpack_error *err)
{
	uint32_t w = p->world_size, m = p->packs_per_rank;
	plan->rank_cost = calloc(w, sizeof(double));
	plan->rank_time = calloc(w, sizeof(double));
	plan->rank_tokens = calloc(w, sizeof(uint64_t));
	plan->rank_packs = calloc(w, sizeof(uint64_t));
	if (!plan->rank_cost || !plan->rank_time || !plan->rank_tokens ||
	    !plan->rank_packs)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	double sum_max = 0, sum_mean = 0, sum_ratio = 0;
	plan->worst_step = 1.0;
	for (size_t s = 0; s < plan->nsteps; s++) {
		double max = 0, total = 0;
		for (uint32_t r = 0; r < w; r++) {
			double c = 0;
			for (uint32_t j = 0; j < m; j++) {
				uint32_t b = plan->slots[(s * w + r) * m + j];
				if (b == SEQPACK_PLAN_EMPTY)
					continue;
				c += plan->cost[b];
				plan->rank_tokens[r] += plan->packing->used[b];
				plan->rank_packs[r]++;
			}
			double t = c / (p->rank_speeds ? p->rank_speeds[r] : 1.0);
			plan->rank_cost[r] += c;
			plan->rank_time[r] += t;
			max = t > max ? t : max;
			total += t;
		}
		double mean = total / w, ratio = mean > 0 ? max / mean : 1.0;
		sum_max += max;
		sum_mean += mean;
		sum_ratio += ratio;
		if (ratio > plan->worst_step) {
			plan->worst_step = ratio;
			plan->worst_step_index = s;
		}
	}
	plan->step_overhead = sum_mean > 0 ? sum_max / sum_mean - 1 : 0;
	plan->mean_step = plan->nsteps ? sum_ratio / plan->nsteps : 1.0;
	return SEQPACK_OK;
}

static void free_units(struct plan_units *u)
{
	free(u->bin);
	free(u->key);
	free(u->used);
	free(u->cost);
}

SEQPACK_EXPORT int seqpack_plan_new(const seqpack_result *r,
				    const uint32_t *lengths,
				    const seqpack_plan_params *p,
				    seqpack_plan **ret, seqpack_error *err)
{
	uint64_t t0 = util_now_ns();
	if (!r || !p || !ret || (r->n && !lengths))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "a plan needs a packing, its lengths, params and ret");
	int rc = seqpack_plan_params_check(p, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (r->nbins == 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "the packing has no bins: there is nothing to plan");
	uint64_t cap = r->metrics.capacity;
	if (cap < 1 || cap > SEQPACK_MAX_CAPACITY)
		return seterr(err, SEQPACK_ERR_CAPACITY,
			      "the packing's metrics.capacity is %llu: pack with seqpack_pack() or call seqpack_metrics_compute()",
			      (unsigned long long)cap);
	/* Room for the bins pad may add: fewer than one step's worth. */
	size_t per = (size_t)p->world_size * p->packs_per_rank;
	_cleanup_free_ uint64_t *key = malloc((r->nbins + per) * sizeof(uint64_t));
	if (!key)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for %zu packs", r->nbins);
	rc = scan_packing(r, lengths, cap, key, err);
	if (rc != SEQPACK_OK)
		return rc;

	_cleanup_(seqpack_plan_freep) seqpack_plan *plan = calloc(1, sizeof(*plan));
	if (!plan)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	plan->world_size = p->world_size;
	plan->packs_per_rank = p->packs_per_rank;
	rc = copy_packing(r, &plan->packing, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct rng rg;
	rng_seed(&rg, mix13(p->seed ^ mix13(p->epoch + 0x9e3779b97f4a7c15ULL)));
	rc = reach_multiple(plan, lengths, key, p, &rg, err);
	if (rc != SEQPACK_OK)
		return rc;

	_cleanup_(free_units) struct plan_units u = {0};
	rc = make_units(plan, key, p, &u, err);
	if (rc != SEQPACK_OK)
		return rc;
	plan->nsteps = u.n / per;
	_cleanup_free_ uint32_t *by_cost = malloc((u.n + 1) * sizeof(uint32_t));
	_cleanup_free_ uint32_t *order = malloc((plan->nsteps + 1) * sizeof(uint32_t));
	plan->slots = malloc((u.n + 1) * sizeof(uint32_t));
	if (!by_cost || !order || !plan->slots)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a plan of %zu packs", u.n);
	rc = plan_schedule_(&u, p, &rg, by_cost, err);
	if (rc != SEQPACK_OK)
		return rc;
	/* Steps in a seeded order: step s of the plan is step order[s] of
	 * the cost order. */
	for (size_t s = 0; s < plan->nsteps; s++)
		order[s] = (uint32_t)s;
	rng_shuffle(&rg, order, plan->nsteps);
	for (size_t s = 0; s < plan->nsteps; s++)
		for (size_t i = 0; i < per; i++)
			plan->slots[s * per + i] =
				u.bin[by_cost[order[s] * per + i]];
	rc = measure(plan, p, err);
	if (rc != SEQPACK_OK)
		return rc;
	plan->elapsed_ns = util_now_ns() - t0;
	*ret = TAKE_PTR(plan);
	return SEQPACK_OK;
}
