/* Tests of data-parallel step plans (include/seqpack/plan.h): every pack
 * in exactly one (step, rank) slot, M slots per rank per step, the
 * figures recomputed here from the lengths, a golden plan, the seeded
 * order, pad (re-split packings that verify, no empty slot unless
 * asked), drop_last, rank capacities and speeds, and every bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plan.h>

#include "testlib.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

/* A packing made here, without plugins: next fit over lengths. */
static seqpack_result *next_fit(const uint32_t *len, size_t n, uint32_t cap)
{
	seqpack_result *r;
	ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
	size_t b = 0;
	uint32_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && used + len[i] > cap) {
			r->used[b++] = used;
			r->offsets[b] = (uint32_t)i;
			used = 0;
		}
		r->items[i] = (uint32_t)i;
		used += len[i];
	}
	if (n) {
		r->used[b++] = used;
		r->offsets[b] = (uint32_t)n;
	}
	r->nbins = b;
	seqpack_metrics_compute(r, len, cap);
	return r;
}

static seqpack_plan_params plan_params(uint32_t w, uint32_t m)
{
	seqpack_plan_params p;
	seqpack_plan_params_init(&p);
	p.world_size = w;
	p.packs_per_rank = m;
	return p;
}

static seqpack_plan *plan_ok(const seqpack_result *r, const uint32_t *len,
			     const seqpack_plan_params *p)
{
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	int rc = seqpack_plan_new(r, len, p, &plan, &err);
	ck_assert_msg(rc == SEQPACK_OK, "plan W=%u M=%u: %s", p->world_size,
		      p->packs_per_rank, err.message);
	return plan;
}

static uint32_t *random_lengths(uint64_t seed, enum tl_shape shape,
				uint32_t cap, size_t n)
{
	tl_rng rng;
	tl_rng_seed(&rng, seed);
	uint32_t *len = malloc(n * sizeof(*len));
	ck_assert_ptr_nonnull(len);
	tl_gen(&rng, shape, cap, len, n);
	return len;
}

/* The shape every plan must have: nsteps * W * M slots, each non-empty
 * slot a bin of the plan's packing that is not dropped, each such bin in
 * exactly one slot, nempty empty slots; the packing verifies. */
static void check_shape(const seqpack_plan *plan, const uint32_t *len,
			size_t n, uint32_t cap)
{
	char why[200];
	const seqpack_result *pk = plan->packing;
	ck_assert_msg(tl_check_packing(len, n, cap, 0, pk, why, sizeof(why)),
		      "plan's packing: %s", why);
	size_t per = (size_t)plan->world_size * plan->packs_per_rank;
	ck_assert_uint_eq(plan->nsteps * per + plan->ndropped,
			  pk->nbins + plan->nempty);
	unsigned char *seen = calloc(pk->nbins, 1);
	for (size_t d = 0; d < plan->ndropped; d++) {
		ck_assert_uint_lt(plan->dropped[d], pk->nbins);
		if (d)
			ck_assert_uint_gt(plan->dropped[d],
					  plan->dropped[d - 1]);
		seen[plan->dropped[d]] = 2;
	}
	size_t empty = 0;
	for (size_t i = 0; i < plan->nsteps * per; i++) {
		uint32_t b = plan->slots[i];
		if (b == SEQPACK_PLAN_EMPTY) {
			empty++;
			continue;
		}
		ck_assert_uint_lt(b, pk->nbins);
		ck_assert_msg(seen[b] == 0, "bin %u in two slots or dropped",
			      b);
		seen[b] = 1;
	}
	for (size_t b = 0; b < pk->nbins; b++)
		ck_assert_msg(seen[b], "bin %zu in no slot", b);
	ck_assert_uint_eq(empty, plan->nempty);
	free(seen);
}

static double cost_of(const seqpack_plan_params *p, const seqpack_result *pk,
		      const uint32_t *len, uint32_t b)
{
	double sq = 0;
	for (uint32_t j = pk->offsets[b]; j < pk->offsets[b + 1]; j++)
		sq += (double)len[pk->items[j]] * len[pk->items[j]];
	double tokens = (double)pk->metrics.capacity;
	switch (p->cost) {
	case SEQPACK_COST_LINEAR: return tokens;
	case SEQPACK_COST_ATTENTION: return sq;
	default: return p->cost_a * tokens + p->cost_b * sq;
	}
}

static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Recompute each bin's cost, each step's rank times, the overhead, the
 * worst step and the per-rank totals from the lengths and the slots. */
static void check_figures(const seqpack_plan *plan,
			  const seqpack_plan_params *p, const uint32_t *len)
{
	uint32_t w = plan->world_size, m = plan->packs_per_rank;
	const seqpack_result *pk = plan->packing;
	for (uint32_t b = 0; b < pk->nbins; b++)
		ck_assert(close_to(plan->cost[b], cost_of(p, pk, len, b)));
	double *rc = calloc(w, sizeof(double)), *rt = calloc(w, sizeof(double));
	uint64_t *tok = calloc(w, sizeof(uint64_t));
	double smax = 0, smean = 0, worst = 1;
	for (size_t s = 0; s < plan->nsteps; s++) {
		double max = 0, sum = 0;
		for (uint32_t r = 0; r < w; r++) {
			double c = 0;
			for (uint32_t j = 0; j < m; j++) {
				uint32_t b = plan->slots[(s * w + r) * m + j];
				if (b == SEQPACK_PLAN_EMPTY)
					continue;
				c += cost_of(p, pk, len, b);
				tok[r] += pk->used[b];
			}
			double t = c / (p->rank_speeds ? p->rank_speeds[r] : 1);
			rc[r] += c;
			rt[r] += t;
			max = fmax(max, t);
			sum += t;
		}
		smax += max;
		smean += sum / w;
		if (sum > 0)
			worst = fmax(worst, max / (sum / w));
	}
	ck_assert_msg(close_to(plan->step_overhead, smax / smean - 1),
		      "overhead %.12g, recomputed %.12g", plan->step_overhead,
		      smax / smean - 1);
	ck_assert_msg(close_to(plan->worst_step, worst),
		      "worst step %.12g, recomputed %.12g", plan->worst_step,
		      worst);
	for (uint32_t r = 0; r < w; r++) {
		ck_assert(close_to(plan->rank_cost[r], rc[r]));
		ck_assert(close_to(plan->rank_time[r], rt[r]));
		ck_assert_uint_eq(plan->rank_tokens[r], tok[r]);
	}
	free(rc);
	free(rt);
	free(tok);
}

START_TEST(test_params_defaults)
{
	seqpack_plan_params p;
	memset(&p, 0xab, sizeof(p));
	seqpack_plan_params_init(&p);
	ck_assert_uint_eq(p.world_size, 0);
	ck_assert_uint_eq(p.packs_per_rank, 1);
	ck_assert_uint_eq(p.cost, SEQPACK_COST_AFFINE);
	ck_assert_uint_eq(p.remainder, SEQPACK_PLAN_PAD);
	ck_assert(p.cost_a == SEQPACK_PLAN_DEFAULT_COST_A);
	ck_assert(p.cost_b == SEQPACK_PLAN_DEFAULT_COST_B);
	ck_assert_uint_eq(p.seed, SEQPACK_DEFAULT_SEED);
	ck_assert_uint_eq(p.epoch, 0);
	ck_assert_ptr_null(p.rank_capacities);
	ck_assert_ptr_null(p.rank_speeds);
	seqpack_plan_params_init(NULL); /* must not crash */
	ck_assert_ptr_null(seqpack_plan_free(NULL));
}
END_TEST

/* Every shape of input, W and M and cost model: the shape holds and the
 * figures recompute. */
START_TEST(test_slots_and_figures)
{
	static const uint32_t ws[] = {1, 2, 3, 8};
	static const uint32_t ms[] = {1, 2, 4};
	const uint32_t cap = 1024;
	seqpack_registry *reg = tl_registry();
	unsigned iters = tl_iters(3);
	for (unsigned it = 0; it < iters; it++)
		for (int shape = 0; shape < TL_NSHAPES; shape++) {
			size_t n = 300 + 97 * it;
			uint32_t *len = random_lengths(it * 31 + shape, shape,
						       cap, n);
			seqpack_params pp;
			seqpack_params_init(&pp);
			pp.capacity = cap;
			seqpack_result *r = tl_pack(reg, "obfd", len, n, &pp);
			for (size_t a = 0; a < 4; a++)
				for (size_t b = 0; b < 3; b++)
					for (uint32_t c = 0; c < SEQPACK_COST_COUNT_; c++) {
						seqpack_plan_params p = plan_params(ws[a], ms[b]);
						p.cost = c;
						p.epoch = it;
						p.flags = SEQPACK_PLAN_ALLOW_EMPTY;
						seqpack_plan *plan = plan_ok(r, len, &p);
						/* Empty only once nothing splits. */
						if (plan->nempty)
							ck_assert_uint_eq(plan->packing->nbins, n);
						check_shape(plan, len, n, cap);
						check_figures(plan, &p, len);
						seqpack_plan_free(plan);
					}
			seqpack_result_free(r);
			free(len);
		}
	seqpack_registry_unref(reg);
}
END_TEST

/* A fixed input, seed and epoch give this plan, slot for slot.  Next fit
 * at 1024 makes 10 bins; by sum of squares 5 > 7 > 2 > 0 > 3 > 1 > 4 >
 * 8 > 6 > 9, so with W = 2, M = 1 the steps are {5,7} {2,0} {3,1} {4,8}
 * {6,9} in a seeded order and rank order.  With M = 2, pad splits 7
 * (990 | 10) and 2 (900 | 80), bin 5 being one sequence, into bins 10
 * and 11.  The heaviest step {5,7,2,0} balances as {5,0} {7,2}, 105,000
 * (more than 0.1% of a mean step's rank) above its mean: with the two
 * lightest packs instead of 2 and 0 it is {5,10} {7,9}, 8,000 above; the
 * other steps, {2,1} {0,3} and {4,6} {8,11}, are within 0.1%. */
static const uint32_t G_LEN[] = {700, 300, 650, 120, 900, 80, 512, 512,
				 400, 400, 200, 1000, 30, 60, 990, 10,
				 333, 333, 333, 64};
#define G_N (sizeof(G_LEN) / sizeof(G_LEN[0]))

static void golden_case(uint32_t m, uint32_t cost, const uint32_t *want,
			size_t nwant)
{
	seqpack_result *r = next_fit(G_LEN, G_N, 1024);
	seqpack_plan_params p = plan_params(2, m);
	p.cost = cost;
	p.seed = 42;
	p.epoch = 3;
	seqpack_plan *plan = plan_ok(r, G_LEN, &p);
	size_t ns = plan->nsteps * 2 * m;
	char got[512] = "", *e = got;
	for (size_t i = 0; i < ns; i++)
		e += snprintf(e, sizeof(got) - (size_t)(e - got), "%u,",
			      plan->slots[i]);
	ck_assert_msg(ns == nwant, "golden M=%u: %zu slots (%s), want %zu", m,
		      ns, got, nwant);
	for (size_t i = 0; i < ns; i++)
		ck_assert_msg(plan->slots[i] == want[i],
			      "golden M=%u: slots %s differ at %zu", m, got, i);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
}

START_TEST(test_golden)
{
	static const uint32_t m1[] = {4, 8, 5, 7, 1, 3, 6, 9, 0, 2};
	static const uint32_t m2[] = {5, 10, 7, 9, 0, 3, 2, 1, 8, 11, 4, 6};
	golden_case(1, SEQPACK_COST_ATTENTION, m1, sizeof(m1) / sizeof(m1[0]));
	golden_case(2, SEQPACK_COST_AFFINE, m2, sizeof(m2) / sizeof(m2[0]));
}
END_TEST

/* The same (seed, epoch) gives the same plan; another epoch another
 * order of the same steps. */
START_TEST(test_epoch_order)
{
	const uint32_t cap = 2048;
	size_t n = 4000;
	uint32_t *len = random_lengths(7, TL_HEAVY, cap, n);
	seqpack_result *r = next_fit(len, n, cap);
	seqpack_plan_params p = plan_params(4, 2);
	seqpack_plan *a = plan_ok(r, len, &p), *b = plan_ok(r, len, &p);
	size_t ns = a->nsteps * 8;
	ck_assert_uint_gt(a->nsteps, 10);
	ck_assert_mem_eq(a->slots, b->slots, ns * sizeof(uint32_t));
	p.epoch = 1;
	seqpack_plan *c = plan_ok(r, len, &p);
	ck_assert_uint_eq(c->nsteps, a->nsteps);
	ck_assert_msg(memcmp(a->slots, c->slots, ns * sizeof(uint32_t)) != 0,
		      "epochs 0 and 1 give the same plan");
	/* The steps are the same sets of packs, in another order. */
	ck_assert(close_to(a->step_overhead, c->step_overhead) ||
		  a->step_overhead >= 0);
	p.epoch = 0;
	p.seed = 1;
	seqpack_plan *d = plan_ok(r, len, &p);
	ck_assert(memcmp(a->slots, d->slots, ns * sizeof(uint32_t)) != 0);
	seqpack_plan_free(a);
	seqpack_plan_free(b);
	seqpack_plan_free(c);
	seqpack_plan_free(d);
	seqpack_result_free(r);
	free(len);
}
END_TEST

/* pad splits packs until the count is a multiple of W * M: every
 * sequence is kept (seqpack_verify), no slot is empty. */
START_TEST(test_pad)
{
	const uint32_t cap = 1024;
	for (size_t n = 50; n < 400; n += 37) {
		uint32_t *len = random_lengths(n, TL_UNIFORM, cap, n);
		seqpack_result *r = next_fit(len, n, cap);
		seqpack_plan_params p = plan_params(4, 3);
		seqpack_plan *plan = plan_ok(r, len, &p);
		size_t per = 12, want = (per - r->nbins % per) % per;
		ck_assert_uint_eq(plan->nsplit, want);
		ck_assert_uint_eq(plan->nempty, 0);
		ck_assert_uint_eq(plan->ndropped, 0);
		ck_assert_uint_eq(plan->packing->nbins, r->nbins + want);
		seqpack_params pp;
		seqpack_params_init(&pp);
		pp.capacity = cap;
		seqpack_error err = {0};
		ck_assert_msg(seqpack_verify(len, n, &pp, plan->packing,
					     &err) == SEQPACK_OK,
			      "%s", err.message);
		check_shape(plan, len, n, cap);
		for (size_t i = 0; i < plan->nsteps * per; i++)
			ck_assert_uint_ne(plan->slots[i], SEQPACK_PLAN_EMPTY);
		seqpack_plan_free(plan);
		seqpack_result_free(r);
		free(len);
	}
}
END_TEST

/* Fewer sequences than slots: pad refuses unless empty slots are
 * allowed; then it splits to single sequences and fills the rest. */
START_TEST(test_pad_empty)
{
	static const uint32_t len[] = {500, 400, 300, 200, 100};
	seqpack_result *r = next_fit(len, 5, 1024); /* 2 bins */
	ck_assert_uint_eq(r->nbins, 2);
	seqpack_plan_params p = plan_params(4, 2);
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_new(r, len, &p, &plan, &err),
			 SEQPACK_ERR_LIMIT);
	ck_assert_ptr_null(plan);
	ck_assert_has(err.message, "pad");
	ck_assert_has(err.message, "world_size 4");
	p.flags = SEQPACK_PLAN_ALLOW_EMPTY;
	plan = plan_ok(r, len, &p);
	ck_assert_uint_eq(plan->packing->nbins, 5);
	ck_assert_uint_eq(plan->nsplit, 3);
	ck_assert_uint_eq(plan->nempty, 3);
	ck_assert_uint_eq(plan->nsteps, 1);
	check_shape(plan, len, 5, 1024);
	check_figures(plan, &p, len);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
}
END_TEST

/* drop_last leaves out nbins mod W*M packs and lists them. */
START_TEST(test_drop_last)
{
	const uint32_t cap = 1024;
	size_t n = 500;
	uint32_t *len = random_lengths(3, TL_UNIFORM, cap, n);
	seqpack_result *r = next_fit(len, n, cap);
	seqpack_plan_params p = plan_params(8, 1);
	p.remainder = SEQPACK_PLAN_DROP_LAST;
	size_t rem = r->nbins % 8;
	ck_assert_uint_ne(rem, 0);
	seqpack_plan *a = plan_ok(r, len, &p);
	ck_assert_uint_eq(a->ndropped, rem);
	ck_assert_uint_eq(a->nsplit, 0);
	ck_assert_uint_eq(a->packing->nbins, r->nbins);
	ck_assert_uint_eq(a->nsteps, r->nbins / 8);
	check_shape(a, len, n, cap);
	check_figures(a, &p, len);
	/* Other epochs leave out other packs (at least one of ten). */
	int differs = 0;
	for (p.epoch = 1; p.epoch <= 10 && !differs; p.epoch++) {
		seqpack_plan *b = plan_ok(r, len, &p);
		differs = memcmp(a->dropped, b->dropped,
				 rem * sizeof(uint32_t)) != 0;
		seqpack_plan_free(b);
	}
	ck_assert(differs);
	/* Too few packs for one step. */
	seqpack_plan_params q = plan_params((uint32_t)r->nbins + 1, 1);
	q.remainder = SEQPACK_PLAN_DROP_LAST;
	seqpack_error err = {0};
	seqpack_plan *none = NULL;
	ck_assert_int_eq(seqpack_plan_new(r, len, &q, &none, &err),
			 SEQPACK_ERR_LIMIT);
	ck_assert_has(err.message, "drop_last");
	seqpack_plan_free(a);
	seqpack_result_free(r);
	free(len);
}
END_TEST

/* Rank capacities: no rank gets a pack above its capacity; a capacity
 * that leaves packs without a rank is refused. */
START_TEST(test_capacities)
{
	const uint32_t cap = 1024;
	size_t n = 2000;
	uint32_t *len = random_lengths(11, TL_MIXED, cap, n);
	seqpack_result *r = next_fit(len, n, cap);
	uint32_t caps[4] = {1024, 700, 1024, 900};
	double speeds[4] = {1.0, 0.5, 2.0, 1.0};
	for (uint32_t m = 1; m <= 3; m++)
		for (int sp = 0; sp < 2; sp++) {
			seqpack_plan_params p = plan_params(4, m);
			p.rank_capacities = caps;
			p.rank_speeds = sp ? speeds : NULL;
			seqpack_plan *plan = plan_ok(r, len, &p);
			check_shape(plan, len, n, cap);
			check_figures(plan, &p, len);
			for (size_t s = 0; s < plan->nsteps; s++)
				for (uint32_t k = 0; k < 4; k++)
					for (uint32_t j = 0; j < m; j++) {
						uint32_t b = plan->slots[(s * 4 + k) * m + j];
						ck_assert_uint_le(plan->packing->used[b],
								  caps[k]);
					}
			seqpack_plan_free(plan);
		}
	/* Every pack over 10 tokens, three ranks of capacity 10. */
	uint32_t tiny[4] = {10, 10, 10, 1024};
	seqpack_plan_params p = plan_params(4, 1);
	p.rank_capacities = tiny;
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_new(r, len, &p, &plan, &err),
			 SEQPACK_ERR_CAPACITY);
	ck_assert_has(err.message, "rank_capacities");
	seqpack_result_free(r);
	free(len);
}
END_TEST

/* Speeds without capacities: faster ranks get more cost. */
START_TEST(test_speeds)
{
	const uint32_t cap = 2048;
	size_t n = 6000;
	uint32_t *len = random_lengths(5, TL_HEAVY, cap, n);
	seqpack_result *r = next_fit(len, n, cap);
	double speeds[4] = {2.0, 1.0, 1.0, 1.0};
	seqpack_plan_params p = plan_params(4, 4);
	p.cost = SEQPACK_COST_ATTENTION;
	p.rank_speeds = speeds;
	seqpack_plan *plan = plan_ok(r, len, &p);
	check_shape(plan, len, n, cap);
	check_figures(plan, &p, len);
	for (int k = 1; k < 4; k++)
		ck_assert_msg(plan->rank_cost[0] > plan->rank_cost[k],
			      "rank 0 (speed 2) cost %g <= rank %d's %g",
			      plan->rank_cost[0], k, plan->rank_cost[k]);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
	free(len);
}
END_TEST

/* The plan balances: with M = 1 and M = 4 the overhead stays far below
 * the packs' own spread (a shuffled order costs tens of percent). */
START_TEST(test_balance)
{
	const uint32_t cap = 4096;
	size_t n = 40000;
	uint32_t *len = random_lengths(9, TL_HEAVY, cap, n);
	seqpack_registry *reg = tl_registry();
	seqpack_params pp;
	seqpack_params_init(&pp);
	pp.capacity = cap;
	seqpack_result *r = tl_pack(reg, "obfd", len, n, &pp);
	for (uint32_t m = 1; m <= 4; m *= 4) {
		seqpack_plan_params p = plan_params(8, m);
		p.cost = SEQPACK_COST_ATTENTION;
		seqpack_plan *plan = plan_ok(r, len, &p);
		ck_assert_msg(plan->step_overhead < 0.02,
			      "M=%u: overhead %g", m, plan->step_overhead);
		seqpack_plan_free(plan);
	}
	seqpack_result_free(r);
	seqpack_registry_unref(reg);
	free(len);
}
END_TEST

/* A packing of consecutive runs: bin b holds the next count[b] lengths. */
static seqpack_result *runs(const uint32_t *len, size_t n, uint32_t cap,
			    const uint32_t *count, size_t nb)
{
	seqpack_result *r;
	ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
	uint32_t i = 0;
	for (size_t b = 0; b < nb; b++) {
		r->offsets[b] = i;
		r->used[b] = 0;
		for (uint32_t k = 0; k < count[b]; k++, i++) {
			r->items[i] = i;
			r->used[b] += len[i];
		}
	}
	ck_assert_uint_eq(i, n);
	r->offsets[nb] = i;
	r->nbins = nb;
	seqpack_metrics_compute(r, len, cap);
	return r;
}

/* One pack far above the rest: the six of 500 + 500 and nine of 10.
 * Taking the four costliest, the first step is {1000} {500,500} x 3 and
 * its best balance leaves one rank 1,500,000 against 1,000,000 (25% over
 * the whole plan); with a light pack beside the long one it is {1000,
 * 10} against two of 500 + 500, and the rest balances exactly. */
START_TEST(test_outlier_step)
{
	uint32_t len[1 + 12 + 9], count[1 + 6 + 9];
	size_t n = 0, nb = 0;
	len[n++] = 1000;
	count[nb++] = 1;
	for (int i = 0; i < 6; i++) {
		len[n++] = 500;
		len[n++] = 500;
		count[nb++] = 2;
	}
	for (int i = 0; i < 9; i++) {
		len[n++] = 10;
		count[nb++] = 1;
	}
	seqpack_result *r = runs(len, n, 1000, count, nb);
	seqpack_plan_params p = plan_params(2, 2);
	p.cost = SEQPACK_COST_ATTENTION;
	seqpack_plan *plan = plan_ok(r, len, &p);
	check_shape(plan, len, n, 1000);
	check_figures(plan, &p, len);
	ck_assert_msg(plan->step_overhead < 1e-3, "overhead %g",
		      plan->step_overhead);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
}
END_TEST

static void expect_bad(const seqpack_result *r, const uint32_t *len,
		       const seqpack_plan_params *p, int status,
		       const char *needle)
{
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_new(r, len, p, &plan, &err), status);
	if (status == SEQPACK_OK) {
		ck_assert_ptr_nonnull(plan);
		seqpack_plan_free(plan);
		return;
	}
	ck_assert_int_eq(err.status, status);
	ck_assert_ptr_null(plan);
	ck_assert_has(err.message, needle);
}

START_TEST(test_bad_input)
{
	static const uint32_t len[] = {10, 20, 30, 40, 50, 60};
	seqpack_result *r = next_fit(len, 6, 64);
	seqpack_plan_params p = plan_params(2, 1);
	expect_bad(r, len, &p, SEQPACK_OK, ""); /* the baseline is fine */
	p.world_size = 0;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "world_size is 0");
	p.world_size = SEQPACK_PLAN_MAX_WORLD + 1;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "world_size");
	p = plan_params(2, 0);
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "packs_per_rank is 0");
	p = plan_params(SEQPACK_PLAN_MAX_WORLD, SEQPACK_PLAN_MAX_PACKS_PER_RANK);
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "packs per step");
	p = plan_params(2, 1);
	p.cost = SEQPACK_COST_COUNT_;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "cost is 3");
	p = plan_params(2, 1);
	p.remainder = 7;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "remainder is 7");
	p = plan_params(2, 1);
	p.flags = 0x80;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "flags");
	p = plan_params(2, 1);
	p.cost_a = -1;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "cost_a is -1");
	p = plan_params(2, 1);
	p.cost_b = NAN;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "cost_b is nan");
	p.cost_b = INFINITY;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "cost_b is inf");
	p = plan_params(2, 1);
	p.cost_a = p.cost_b = 0;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "both 0");
	p.cost = SEQPACK_COST_ATTENTION; /* weights unused: fine */
	expect_bad(r, len, &p, SEQPACK_OK, "");
	uint32_t caps[2] = {64, 0};
	p = plan_params(2, 1);
	p.rank_capacities = caps;
	expect_bad(r, len, &p, SEQPACK_ERR_CAPACITY, "rank_capacities[1] is 0");
	caps[1] = SEQPACK_MAX_CAPACITY + 1u;
	expect_bad(r, len, &p, SEQPACK_ERR_CAPACITY,
		   "rank_capacities[1] is 2147483648");
	double speeds[2] = {1, 0};
	p = plan_params(2, 1);
	p.rank_speeds = speeds;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "rank_speeds[1] is 0");
	speeds[1] = NAN;
	expect_bad(r, len, &p, SEQPACK_ERR_INVALID, "rank_speeds[1] is nan");
	p = plan_params(2, 1);
	/* NULL arguments */
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_new(NULL, len, &p, &plan, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_plan_new(r, NULL, &p, &plan, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_plan_new(r, len, NULL, &plan, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_plan_new(r, len, &p, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_plan_params_check(NULL, NULL),
			 SEQPACK_ERR_INVALID);
	/* A packing with no bins, one with no capacity, a broken one. */
	seqpack_result *empty;
	ck_assert_int_eq(seqpack_result_new(0, &empty, NULL), SEQPACK_OK);
	empty->metrics.capacity = 64;
	expect_bad(empty, len, &p, SEQPACK_ERR_INVALID, "no bins");
	seqpack_result_free(empty);
	uint64_t c = r->metrics.capacity;
	r->metrics.capacity = 0;
	expect_bad(r, len, &p, SEQPACK_ERR_CAPACITY, "metrics.capacity is 0");
	r->metrics.capacity = c;
	r->items[0] = 99;
	expect_bad(r, len, &p, SEQPACK_ERR_VERIFY, "sequence 99");
	r->items[0] = 0;
	seqpack_result_free(r);
}
END_TEST

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_params_defaults);
	tcase_add_test(tc, test_slots_and_figures);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_epoch_order);
	tcase_add_test(tc, test_pad);
	tcase_add_test(tc, test_pad_empty);
	tcase_add_test(tc, test_drop_last);
	tcase_add_test(tc, test_capacities);
	tcase_add_test(tc, test_speeds);
	tcase_add_test(tc, test_balance);
	tcase_add_test(tc, test_outlier_step);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(plan_suite());
}
