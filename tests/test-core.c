/* Unit tests of the core library without plugins: parameters, length
 * validation, the verifier, metrics, status strings and results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

static seqpack_params params_with(uint32_t capacity)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = capacity;
	return p;
}

/* ------------------------------------------------------------------ */
/* Parameters */

START_TEST(test_params_defaults)
{
	seqpack_params p;
	memset(&p, 0xab, sizeof(p));
	seqpack_params_init(&p);
	ck_assert_uint_eq(p.capacity, 0);
	ck_assert_uint_eq(p.threads, 0);
	ck_assert_uint_eq(p.k, SEQPACK_DEFAULT_K);
	ck_assert_uint_eq(p.max_items, 0);
	ck_assert_uint_eq(p.max_open, SEQPACK_DEFAULT_MAX_OPEN);
	ck_assert_uint_eq(p.flags, SEQPACK_PARAM_VERIFY);
	ck_assert_uint_eq(p.seed, SEQPACK_DEFAULT_SEED);
	for (size_t i = 0; i < sizeof(p.reserved) / sizeof(p.reserved[0]); i++)
		ck_assert_uint_eq(p.reserved[i], 0);
	seqpack_params_init(NULL); /* must not crash */
}
END_TEST

START_TEST(test_params_check)
{
	seqpack_error err = {0};
	seqpack_params p = params_with(0);

	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_CAPACITY);
	ck_assert_int_eq(err.status, SEQPACK_ERR_CAPACITY);
	ck_assert_has(err.message, "capacity");

	p.capacity = SEQPACK_MAX_CAPACITY + 1u;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_CAPACITY);
	ck_assert_has(err.message, "2147483648");
	p.capacity = UINT32_MAX;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_CAPACITY);

	p.capacity = SEQPACK_MAX_CAPACITY;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_OK);
	p.capacity = 1;
	ck_assert_int_eq(seqpack_params_check(&p, NULL), SEQPACK_OK);

	p.k = 0;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "k");
	p.k = 1;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_OK);

	p.max_open = 0;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "max_open");
	p.max_open = 1;

	p.flags = SEQPACK_PARAM_VERIFY | 0x80u;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "0x80");
	p.flags = 0;
	ck_assert_int_eq(seqpack_params_check(&p, &err), SEQPACK_OK);

	ck_assert_int_eq(seqpack_params_check(NULL, &err), SEQPACK_ERR_INVALID);
	/* Error details are optional. */
	ck_assert_int_eq(seqpack_params_check(NULL, NULL), SEQPACK_ERR_INVALID);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lengths */

START_TEST(test_lengths_check)
{
	seqpack_error err = {0};
	uint32_t len[32];
	for (size_t i = 0; i < 32; i++)
		len[i] = 4096;

	ck_assert_int_eq(seqpack_lengths_check(len, 32, 4096, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_lengths_check(NULL, 0, 4096, &err), SEQPACK_OK);

	len[17] = 5000;
	ck_assert_int_eq(seqpack_lengths_check(len, 32, 4096, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_int_eq(err.status, SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(err.message, "sequence 17 has length 5000 > capacity 4096");

	/* The first offender is named. */
	len[3] = 0;
	ck_assert_int_eq(seqpack_lengths_check(len, 32, 4096, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_has(err.message, "sequence 3 ");
	ck_assert_has(err.message, "length 0");

	/* Only the first n count. */
	ck_assert_int_eq(seqpack_lengths_check(len, 3, 4096, &err), SEQPACK_OK);

	ck_assert_int_eq(seqpack_lengths_check(NULL, 5, 4096, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_lengths_check(len, 32, 4096, NULL),
			 SEQPACK_ERR_LENGTH);

	uint32_t one = 1;
	ck_assert_int_eq(seqpack_lengths_check(&one, 1, 1, &err), SEQPACK_OK);
	uint32_t two = 2;
	ck_assert_int_eq(seqpack_lengths_check(&two, 1, 1, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(err.message, "sequence 0 has length 2 > capacity 1");

	if (sizeof(size_t) > 4) {
		ck_assert_int_eq(seqpack_lengths_check(len,
						       (size_t)SEQPACK_MAX_SEQUENCES + 1,
						       4096, &err),
				 SEQPACK_ERR_TOO_MANY);
	}
}
END_TEST

/* Every size and every position of the culprit, so a fast path that
 * works in blocks cannot miss one in a block or in the tail. */
START_TEST(test_lengths_check_positions)
{
	uint32_t len[40];
	seqpack_error err = {0};
	char want[100];
	for (size_t n = 1; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			len[i] = (uint32_t)(1 + i % 100);
		ck_assert_int_eq(seqpack_lengths_check(len, n, 100, &err),
				 SEQPACK_OK);
		for (size_t bad = 0; bad < n; bad++) {
			uint32_t keep = len[bad];
			len[bad] = 101;
			ck_assert_int_eq(seqpack_lengths_check(len, n, 100, &err),
					 SEQPACK_ERR_LENGTH);
			snprintf(want, sizeof(want),
				 "sequence %zu has length 101 > capacity 100", bad);
			ck_assert_str_eq(err.message, want);
			len[bad] = 0;
			ck_assert_int_eq(seqpack_lengths_check(len, n, 100, &err),
					 SEQPACK_ERR_LENGTH);
			snprintf(want, sizeof(want), "sequence %zu has length 0", bad);
			ck_assert_has(err.message, want);
			len[bad] = UINT32_MAX;
			ck_assert_int_eq(seqpack_lengths_check(len, n,
							       SEQPACK_MAX_CAPACITY,
							       &err),
					 SEQPACK_ERR_LENGTH);
			len[bad] = keep;
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Verifier: a valid hand-made packing, then one fault at a time. */

/* lengths 6 4 5 3 2 at C=10, bins [0 1] [2 3 4]: used 10 10. */
static const uint32_t V_LEN[5] = {6, 4, 5, 3, 2};

static seqpack_result *valid_result(void)
{
	seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_result_new(5, &r, NULL), SEQPACK_OK);
	static const uint32_t items[5] = {0, 1, 2, 3, 4};
	memcpy(r->items, items, sizeof(items));
	r->offsets[0] = 0;
	r->offsets[1] = 2;
	r->offsets[2] = 5;
	r->used[0] = 10;
	r->used[1] = 10;
	r->nbins = 2;
	return r;
}

static void expect_verify_fail(const seqpack_result *r, uint32_t max_items,
			       const char *needle1, const char *needle2)
{
	seqpack_params p = params_with(10);
	p.max_items = max_items;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_verify(V_LEN, 5, &p, r, &err),
			 SEQPACK_ERR_VERIFY);
	ck_assert_int_eq(err.status, SEQPACK_ERR_VERIFY);
	ck_assert_has(err.message, needle1);
	if (needle2)
		ck_assert_has(err.message, needle2);
	/* The independent checker agrees it is wrong. */
	char why[200];
	ck_assert(!tl_check_packing(V_LEN, 5, 10, max_items, r, why, sizeof(why)));
}

START_TEST(test_verify_valid)
{
	seqpack_result *r = valid_result();
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_verify(V_LEN, 5, &p, r, &err), SEQPACK_OK);
	p.max_items = 3;
	ck_assert_int_eq(seqpack_verify(V_LEN, 5, &p, r, &err), SEQPACK_OK);
	char why[200];
	ck_assert_msg(tl_check_packing(V_LEN, 5, 10, 3, r, why, sizeof(why)),
		      "%s", why);
	ck_assert_int_eq(seqpack_verify(V_LEN, 5, NULL, r, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_verify(V_LEN, 5, &p, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_verify(NULL, 5, &p, r, &err),
			 SEQPACK_ERR_INVALID);
	seqpack_result_free(r);

	/* The empty packing of no sequences is valid. */
	ck_assert_int_eq(seqpack_result_new(0, &r, &err), SEQPACK_OK);
	r->nbins = 0;
	ck_assert_int_eq(seqpack_verify(NULL, 0, &p, r, &err), SEQPACK_OK);
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_duplicate)
{
	seqpack_result *r = valid_result();
	r->items[4] = 1; /* 1 twice, 4 missing */
	r->used[1] = 12;
	expect_verify_fail(r, 0, "sequence 1", "bin 1");
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_missing)
{
	/* Bins end before the last sequence: index 4 is in no bin. */
	seqpack_result *r = valid_result();
	r->offsets[2] = 4;
	r->used[1] = 8;
	expect_verify_fail(r, 0, "offsets[2]", "5");
	seqpack_result_free(r);

	/* An index outside the input stands where 4 should be. */
	r = valid_result();
	r->items[4] = 7;
	expect_verify_fail(r, 0, "bin 1", "sequence 7");
	seqpack_result_free(r);

	/* The result claims fewer sequences than the input has. */
	r = valid_result();
	r->n = 4;
	expect_verify_fail(r, 0, "4", "5");
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_over_capacity)
{
	seqpack_result *r = valid_result();
	/* [0 2] = 11 tokens, [1 3 4] = 9 */
	r->items[1] = 2;
	r->items[2] = 1;
	r->used[0] = 10; /* a liar would clamp */
	r->used[1] = 9;
	expect_verify_fail(r, 0, "bin 0", "11");
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_wrong_used)
{
	seqpack_result *r = valid_result();
	r->used[1] = 9;
	expect_verify_fail(r, 0, "bin 1", "used 9");
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_empty_bin)
{
	/* [0 1] [] [2 3 4] */
	seqpack_result *r = valid_result();
	r->offsets[1] = 2;
	r->offsets[2] = 2;
	r->offsets[3] = 5;
	r->used[0] = 10;
	r->used[1] = 0;
	r->used[2] = 10;
	r->nbins = 3;
	expect_verify_fail(r, 0, "bin 1", "empty");
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_bad_offsets)
{
	seqpack_result *r = valid_result();
	r->offsets[0] = 1;
	expect_verify_fail(r, 0, "offsets[0]", NULL);
	seqpack_result_free(r);

	/* Decreasing offsets. */
	r = valid_result();
	r->offsets[1] = 6;
	expect_verify_fail(r, 0, "bin", NULL);
	seqpack_result_free(r);

	/* No bins at all for five sequences. */
	r = valid_result();
	r->nbins = 0;
	expect_verify_fail(r, 0, "offsets[0]", "5");
	seqpack_result_free(r);

	/* More bins than sequences. */
	r = valid_result();
	r->nbins = 6;
	expect_verify_fail(r, 0, "6 bins", NULL);
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_verify_max_items)
{
	seqpack_result *r = valid_result();
	expect_verify_fail(r, 2, "bin 1", "max_items 2");
	seqpack_result_free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Metrics */

START_TEST(test_metrics_known)
{
	seqpack_result *r = valid_result();
	r->metrics.elapsed_ns = 1234;
	seqpack_metrics_compute(r, V_LEN, 10);
	const seqpack_metrics *m = &r->metrics;
	ck_assert_uint_eq(m->bins, 2);
	ck_assert_uint_eq(m->total_tokens, 20);
	ck_assert_uint_eq(m->capacity, 10);
	ck_assert_uint_eq(m->padding_tokens, 0);
	ck_assert_uint_eq(m->lower_bound, 2);
	ck_assert_uint_eq(m->max_items_per_bin, 3);
	ck_assert_double_eq_tol(m->efficiency, 1.0, 1e-12);
	ck_assert_double_eq_tol(m->mean_items_per_bin, 2.5, 1e-12);
	ck_assert_uint_eq(m->elapsed_ns, 1234); /* left to the caller */

	/* The same packing measured against C=16: 12 padding tokens. */
	seqpack_metrics_compute(r, V_LEN, 16);
	ck_assert_uint_eq(m->padding_tokens, 12);
	ck_assert_uint_eq(m->lower_bound, 2);
	ck_assert_double_eq_tol(m->efficiency, 20.0 / 32.0, 1e-12);
	seqpack_result_free(r);

	/* One sequence per bin: 6 4 5 3 2 at C=7, lower bound ceil(20/7)=3. */
	ck_assert_int_eq(seqpack_result_new(5, &r, NULL), SEQPACK_OK);
	for (uint32_t i = 0; i < 5; i++) {
		r->items[i] = 4 - i;
		r->offsets[i + 1] = i + 1;
		r->used[i] = V_LEN[4 - i];
	}
	r->nbins = 5;
	seqpack_metrics_compute(r, V_LEN, 7);
	m = &r->metrics;
	ck_assert_uint_eq(m->bins, 5);
	ck_assert_uint_eq(m->padding_tokens, 15);
	ck_assert_uint_eq(m->lower_bound, 3);
	ck_assert_uint_eq(m->max_items_per_bin, 1);
	ck_assert_double_eq_tol(m->mean_items_per_bin, 1.0, 1e-12);
	ck_assert_double_eq_tol(m->efficiency, 20.0 / 35.0, 1e-12);
	seqpack_result_free(r);
}
END_TEST

/* Random packings of every small size against a plain recomputation,
 * so block-wise sums and maxima are checked in blocks and tails. */
START_TEST(test_metrics_random)
{
	tl_rng rng;
	tl_rng_seed(&rng, 77);
	for (size_t n = 1; n <= 70; n++) {
		uint32_t len[70];
		seqpack_result *r = NULL;
		ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
		/* Cut 0..n-1 into bins of random sizes 1..9. */
		size_t nb = 0, at = 0;
		uint64_t total = 0, maxi = 0;
		while (at < n) {
			size_t c = 1 + tl_rng_below(&rng, 9);
			if (c > n - at)
				c = n - at;
			uint64_t sum = 0;
			for (size_t j = 0; j < c; j++) {
				len[at + j] = tl_rng_range(&rng, 1, 100);
				r->items[at + j] = (uint32_t)(at + j);
				sum += len[at + j];
			}
			r->used[nb] = (uint32_t)sum;
			at += c;
			r->offsets[++nb] = (uint32_t)at;
			total += sum;
			if (c > maxi)
				maxi = c;
		}
		r->nbins = nb;
		seqpack_metrics_compute(r, len, 1000);
		ck_assert_uint_eq(r->metrics.bins, nb);
		ck_assert_uint_eq(r->metrics.total_tokens, total);
		ck_assert_uint_eq(r->metrics.max_items_per_bin, maxi);
		ck_assert_uint_eq(r->metrics.padding_tokens, nb * 1000 - total);
		ck_assert_uint_eq(r->metrics.lower_bound, (total + 999) / 1000);
		ck_assert_double_eq_tol(r->metrics.mean_items_per_bin,
					(double)n / (double)nb, 1e-12);
		seqpack_params p = params_with(1000);
		ck_assert_int_eq(seqpack_verify(len, n, &p, r, NULL), SEQPACK_OK);
		seqpack_result_free(r);
	}
}
END_TEST

START_TEST(test_metrics_empty)
{
	seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_result_new(0, &r, NULL), SEQPACK_OK);
	r->nbins = 0;
	seqpack_metrics_compute(r, NULL, 4096);
	ck_assert_uint_eq(r->metrics.bins, 0);
	ck_assert_uint_eq(r->metrics.total_tokens, 0);
	ck_assert_uint_eq(r->metrics.padding_tokens, 0);
	ck_assert_uint_eq(r->metrics.lower_bound, 0);
	ck_assert_uint_eq(r->metrics.max_items_per_bin, 0);
	ck_assert_double_eq(r->metrics.efficiency, 1.0);
	ck_assert_double_eq(r->metrics.mean_items_per_bin, 0.0);
	seqpack_metrics_compute(NULL, NULL, 1); /* must not crash */
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_metrics_large_capacity)
{
	/* Sums beyond 2^32 must not wrap: three bins of 2^31-1. */
	const uint32_t c = SEQPACK_MAX_CAPACITY;
	const uint32_t len[3] = {c, c, c};
	seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_result_new(3, &r, NULL), SEQPACK_OK);
	for (uint32_t i = 0; i < 3; i++) {
		r->items[i] = i;
		r->offsets[i + 1] = i + 1;
		r->used[i] = c;
	}
	r->nbins = 3;
	seqpack_metrics_compute(r, len, c);
	ck_assert_uint_eq(r->metrics.total_tokens, 3ull * c);
	ck_assert_uint_eq(r->metrics.lower_bound, 3);
	ck_assert_uint_eq(r->metrics.padding_tokens, 0);
	seqpack_params p = params_with(c);
	ck_assert_int_eq(seqpack_verify(len, 3, &p, r, NULL), SEQPACK_OK);
	seqpack_result_free(r);
}
END_TEST

START_TEST(test_metrics_sum_every_lane)
{
	/* The length scan sums in vector lanes of eight: every lane and the
	 * scalar tail must carry sums beyond 2^32, whatever n mod 8. */
	const uint32_t c = SEQPACK_MAX_CAPACITY;
	uint32_t len[45];
	for (size_t n = 1; n <= 45; n++) {
		uint64_t want = 0;
		for (size_t i = 0; i < n; i++) {
			len[i] = c - (uint32_t)i;
			want += len[i];
		}
		seqpack_result *r = NULL;
		ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
		r->n = n;
		seqpack_metrics_compute(r, len, c);
		ck_assert_uint_eq(r->metrics.total_tokens, want);
		seqpack_result_free(r);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Status strings, version, results */

START_TEST(test_strerror)
{
	for (int s = 0; s < SEQPACK_STATUS_COUNT_; s++) {
		const char *m = seqpack_strerror(s);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(m[0] != '\0', "status %d has an empty name", s);
		ck_assert_msg(strcmp(m, "unknown status") != 0,
			      "status %d has no name of its own", s);
		for (int t = 0; t < s; t++)
			ck_assert_msg(strcmp(m, seqpack_strerror(t)) != 0,
				      "statuses %d and %d share the name %s",
				      t, s, m);
	}
	ck_assert_str_eq(seqpack_strerror(SEQPACK_OK), "success");
	ck_assert_str_eq(seqpack_strerror(-1), "unknown status");
	ck_assert_str_eq(seqpack_strerror(SEQPACK_STATUS_COUNT_),
			 "unknown status");
	ck_assert_str_eq(seqpack_strerror(1 << 30), "unknown status");
}
END_TEST

START_TEST(test_version)
{
	const char *v = seqpack_version();
	ck_assert_ptr_nonnull(v);
	unsigned a, b, c;
	char tail;
	ck_assert_int_eq(sscanf(v, "%u.%u.%u%c", &a, &b, &c, &tail), 3);
}
END_TEST

START_TEST(test_result_new_free)
{
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_result_new(3, NULL, &err), SEQPACK_ERR_INVALID);
	ck_assert_ptr_null(seqpack_result_free(NULL));

	seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_result_new(0, &r, &err), SEQPACK_OK);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n, 0);
	ck_assert_uint_eq(r->offsets[0], 0);
	ck_assert_ptr_null(seqpack_result_free(r));

	ck_assert_int_eq(seqpack_result_new(1000, &r, &err), SEQPACK_OK);
	ck_assert_uint_eq(r->n, 1000);
	ck_assert_uint_eq(r->nbins, 0);
	/* The arrays hold the worst case: n bins. */
	r->items[999] = 999;
	r->offsets[1000] = 1000;
	r->used[999] = 1;
	ck_assert_ptr_null(seqpack_result_free(r));

	if (sizeof(size_t) > 4) {
		r = NULL;
		ck_assert_int_eq(seqpack_result_new((size_t)SEQPACK_MAX_SEQUENCES + 1,
						    &r, &err),
				 SEQPACK_ERR_TOO_MANY);
		ck_assert_ptr_null(r);
	}
}
END_TEST

/* Arrays of 1 MiB and more take the mapped (huge-page) path: every entry
 * of every array must be usable, and freeing must release the right
 * thing (ASan and valgrind check the malloc'd ones; a wrong unmap of the
 * mapped ones would fault on the next use of that memory). */
START_TEST(test_result_large_arrays)
{
	static const size_t sizes[] = {1000, (1u << 18) - 2, (1u << 18) + 5,
				       3u << 20, 17};
	seqpack_result *keep = NULL;
	ck_assert_int_eq(seqpack_result_new(5000, &keep, NULL), SEQPACK_OK);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		seqpack_result *r = NULL;
		ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
		ck_assert_uint_eq((uintptr_t)r->items % 16, 0);
		ck_assert_uint_eq((uintptr_t)r->offsets % 16, 0);
		ck_assert_uint_eq((uintptr_t)r->used % 16, 0);
		for (size_t i = 0; i < n; i++) {
			r->items[i] = (uint32_t)i;
			r->offsets[i + 1] = (uint32_t)i + 1;
			r->used[i] = (uint32_t)(n - i);
		}
		uint64_t a = 0, b = 0, c = 0;
		for (size_t i = 0; i < n; i++) {
			a += r->items[i];
			b += r->offsets[i + 1];
			c += r->used[i];
		}
		ck_assert_uint_eq(a, (uint64_t)n * (n - 1) / 2);
		ck_assert_uint_eq(b, (uint64_t)n * (n + 1) / 2);
		ck_assert_uint_eq(c, (uint64_t)n * (n + 1) / 2);
		keep->items[k] = (uint32_t)k;
		seqpack_result_free(r);
	}
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		ck_assert_uint_eq(keep->items[k], k);
	seqpack_result_free(keep);
}
END_TEST

/* The checker the property tests rely on must itself catch faults. */
START_TEST(test_checker_catches)
{
	char why[200];
	seqpack_result *r = valid_result();
	ck_assert(tl_check_packing(V_LEN, 5, 10, 0, r, why, sizeof(why)));
	ck_assert(!tl_check_packing(V_LEN, 5, 9, 0, r, why, sizeof(why)));
	ck_assert(!tl_check_packing(V_LEN, 5, 10, 2, r, why, sizeof(why)));
	r->used[0] = 9;
	ck_assert(!tl_check_packing(V_LEN, 5, 10, 0, r, why, sizeof(why)));
	seqpack_result_free(r);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("params");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_params_defaults);
	tcase_add_test(tc, test_params_check);
	tcase_add_test(tc, test_lengths_check);
	tcase_add_test(tc, test_lengths_check_positions);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_verify_valid);
	tcase_add_test(tc, test_verify_duplicate);
	tcase_add_test(tc, test_verify_missing);
	tcase_add_test(tc, test_verify_over_capacity);
	tcase_add_test(tc, test_verify_wrong_used);
	tcase_add_test(tc, test_verify_empty_bin);
	tcase_add_test(tc, test_verify_bad_offsets);
	tcase_add_test(tc, test_verify_max_items);
	tcase_add_test(tc, test_checker_catches);
	suite_add_tcase(s, tc);

	tc = tcase_create("metrics");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_metrics_known);
	tcase_add_test(tc, test_metrics_empty);
	tcase_add_test(tc, test_metrics_random);
	tcase_add_test(tc, test_metrics_large_capacity);
	tcase_add_test(tc, test_metrics_sum_every_lane);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_result_new_free);
	tcase_add_test(tc, test_result_large_arrays);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(core_suite());
}
