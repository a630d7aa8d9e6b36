/* metrics.lower_bound counts max_items as well as tokens (issue 12):
 * with at most M sequences per bin, n sequences need ceil(n / M) bins
 * however short they are, so the bound is the larger of that and
 * ceil(total / C), from seqpack_pack() and seqpack_workspace_pack()
 * alike, for every algorithm. */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

/* 100 lengths of 1 at C = 4096, max_items 10: the tokens alone say 1
 * bin, the count says 10, and every algorithm must use exactly 10. */
START_TEST(test_bound_from_max_items)
{
	const char *alg = tl_algorithms[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	uint32_t len[100];
	for (size_t i = 0; i < 100; i++)
		len[i] = 1;
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	p.max_items = 10;

	seqpack_result *r = tl_pack(reg, alg, len, 100, &p);
	ck_assert_msg(r->metrics.lower_bound == 10,
		      "%s: seqpack_pack lower_bound %llu, want 10", alg,
		      (unsigned long long)r->metrics.lower_bound);
	ck_assert_uint_ge(r->nbins, r->metrics.lower_bound);
	seqpack_result_free(r);

	seqpack_workspace *ws = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	const seqpack_result *wr = NULL;
	ck_assert_msg(seqpack_workspace_pack(ws, alg, len, 100, &p, &wr,
					     &err) == SEQPACK_OK,
		      "%s: %s", alg, err.message);
	ck_assert_msg(wr->metrics.lower_bound == 10,
		      "%s: seqpack_workspace_pack lower_bound %llu, want 10",
		      alg, (unsigned long long)wr->metrics.lower_bound);

	/* Without max_items the token bound stands alone. */
	p.max_items = 0;
	ck_assert_int_eq(seqpack_workspace_pack(ws, alg, len, 100, &p, &wr,
						&err),
			 SEQPACK_OK);
	ck_assert_uint_eq(wr->metrics.lower_bound, 1);
	seqpack_workspace_free(ws);
	seqpack_registry_unref(reg);
}
END_TEST

/* Over seeded inputs of every shape with max_items 1..8: lower_bound is
 * exactly max(ceil(total / C), ceil(n / max_items)) and no algorithm
 * ever packs into fewer bins. */
START_TEST(test_bins_never_below_bound)
{
	const char *alg = tl_algorithms[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	static const uint32_t caps[] = {1, 7, 100, 4096};
	tl_rng rng;
	tl_rng_seed(&rng, 0xb0c0 + (uint64_t)_i);
	uint32_t *len = malloc(600 * sizeof(uint32_t));
	ck_assert_ptr_nonnull(len);
	unsigned iters = tl_iters(200);
	for (unsigned it = 0; it < iters; it++) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = caps[it % 4];
		p.max_items = 1 + (uint32_t)(it % 8);
		p.seed = it + 1;
		p.k = 1 + it % 5;
		enum tl_shape shape = (enum tl_shape)(it % TL_NSHAPES);
		size_t n = tl_rng_below(&rng, 600);
		tl_gen(&rng, shape, p.capacity, len, n);
		seqpack_result *r = tl_pack(reg, alg, len, n, &p);
		uint64_t lb = tl_lower_bound(len, n, p.capacity, p.max_items);
		ck_assert_msg(r->metrics.lower_bound == lb,
			      "%s, C=%u max_items=%u %s n=%zu: lower_bound %llu, want %llu",
			      alg, p.capacity, p.max_items,
			      tl_shape_name(shape), n,
			      (unsigned long long)r->metrics.lower_bound,
			      (unsigned long long)lb);
		ck_assert_msg(r->nbins >= r->metrics.lower_bound,
			      "%s, C=%u max_items=%u %s n=%zu: %zu bins < lower bound %llu",
			      alg, p.capacity, p.max_items,
			      tl_shape_name(shape), n, r->nbins,
			      (unsigned long long)r->metrics.lower_bound);
		seqpack_result_free(r);
	}
	free(len);
	seqpack_registry_unref(reg);
}
END_TEST

/* seqpack_metrics_compute() has no params: it gives the token bound,
 * as documented, whatever max_items the packing was made with. */
START_TEST(test_compute_gives_token_bound)
{
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "nf");
	uint32_t len[20];
	for (size_t i = 0; i < 20; i++)
		len[i] = 1;
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	p.max_items = 2;
	seqpack_result *r = tl_pack(reg, "nf", len, 20, &p);
	ck_assert_uint_eq(r->metrics.lower_bound, 10);
	seqpack_metrics_compute(r, len, p.capacity);
	ck_assert_uint_eq(r->metrics.lower_bound, 1);
	seqpack_result_free(r);
	seqpack_registry_unref(reg);
}
END_TEST

static Suite *bound_suite(void)
{
	Suite *s = suite_create("bound");
	TCase *tc = tcase_create("max_items");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_bound_from_max_items, 0, TL_NALGS);
	tcase_add_loop_test(tc, test_bins_never_below_bound, 0, TL_NALGS);
	tcase_add_test(tc, test_compute_gives_token_bound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(bound_suite());
}
