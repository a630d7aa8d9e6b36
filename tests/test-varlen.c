/* Tests of the varlen attention inputs (seqpack_result_cu_seqlens,
 * seqpack_result_position_ids): golden values, every bin of real
 * packings recomputed here, the size query, every refusal leaving out
 * untouched; and the CLI's CRC-32 (util/crc32.c) against the standard
 * check value and a bitwise reference. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "util/crc32-internal.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

/* Bins given as lists of input indices; used[] summed from len. */
static seqpack_result *make_result(const uint32_t *len, size_t n,
				   const uint32_t *items,
				   const uint32_t *counts, size_t nbins)
{
	seqpack_result *r;
	ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
	size_t k = 0;
	for (size_t b = 0; b < nbins; b++) {
		uint32_t used = 0;
		for (uint32_t i = 0; i < counts[b]; i++, k++) {
			r->items[k] = items[k];
			used += len[items[k]];
		}
		r->used[b] = used;
		r->offsets[b + 1] = (uint32_t)k;
	}
	ck_assert_uint_eq(k, n);
	r->nbins = nbins;
	return r;
}

START_TEST(test_golden)
{
	/* Bin 0 holds 2, 0 (lengths 2 and 3); bin 1 holds 1, 3 (4 and 1). */
	static const uint32_t len[] = { 3, 4, 2, 1 };
	static const uint32_t items[] = { 2, 0, 1, 3 };
	static const uint32_t counts[] = { 2, 2 };
	seqpack_result *r = make_result(len, 4, items, counts, 2);
	int32_t out[8];
	size_t w = 0;
	seqpack_error err = { 0 };

	ck_assert_int_eq(seqpack_result_cu_seqlens(r, len, 0, out, 8, &w, &err),
			 SEQPACK_OK);
	ck_assert_uint_eq(w, 3);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 2);
	ck_assert_int_eq(out[2], 5);
	ck_assert_int_eq(seqpack_result_cu_seqlens(r, len, 1, out, 3, &w, &err),
			 SEQPACK_OK);
	ck_assert_uint_eq(w, 3);
	ck_assert_int_eq(out[1], 4);
	ck_assert_int_eq(out[2], 5);

	static const int32_t pos0[] = { 0, 1, 0, 1, 2 };
	ck_assert_int_eq(seqpack_result_position_ids(r, len, 0, out, 5, &w,
						     &err),
			 SEQPACK_OK);
	ck_assert_uint_eq(w, 5);
	ck_assert_mem_eq(out, pos0, sizeof(pos0));
	static const int32_t pos1[] = { 0, 1, 2, 3, 0 };
	ck_assert_int_eq(seqpack_result_position_ids(r, len, 1, out, 8, &w,
						     &err),
			 SEQPACK_OK);
	ck_assert_uint_eq(w, 5);
	ck_assert_mem_eq(out, pos1, sizeof(pos1));
	seqpack_result_free(r);
}
END_TEST

/* cu_seqlens and position_ids of every bin, rebuilt from items and
 * lengths, for packings the plugins made. */
static void check_all_bins(const seqpack_result *r, const uint32_t *len)
{
	int32_t *cu = malloc((r->n + 1) * sizeof(*cu));
	int32_t *pos = malloc((size_t)r->metrics.capacity * sizeof(*pos));
	ck_assert_ptr_nonnull(cu);
	ck_assert_ptr_nonnull(pos);
	for (size_t b = 0; b < r->nbins; b++) {
		size_t count = r->offsets[b + 1] - r->offsets[b], w = 0, need;
		seqpack_error err = { 0 };
		ck_assert_int_eq(seqpack_result_cu_seqlens(r, len, b, NULL, 0,
							   &need, &err),
				 SEQPACK_OK);
		ck_assert_uint_eq(need, count + 1);
		ck_assert_int_eq(seqpack_result_cu_seqlens(r, len, b, cu,
							   r->n + 1, &w, &err),
				 SEQPACK_OK);
		ck_assert_uint_eq(w, count + 1);
		ck_assert_int_eq(cu[0], 0);
		ck_assert_int_eq(cu[count], (int32_t)r->used[b]);
		ck_assert_int_eq(seqpack_result_position_ids(r, len, b, NULL, 0,
							     &need, &err),
				 SEQPACK_OK);
		ck_assert_uint_eq(need, r->used[b]);
		ck_assert_int_eq(seqpack_result_position_ids(
					 r, len, b, pos, r->metrics.capacity,
					 &w, &err),
				 SEQPACK_OK);
		ck_assert_uint_eq(w, r->used[b]);
		for (size_t i = 0; i < count; i++) {
			uint32_t l = len[r->items[r->offsets[b] + i]];
			ck_assert_int_eq(cu[i + 1] - cu[i], (int32_t)l);
			/* One assertion per sequence: per token, valgrind
			 * takes minutes. */
			uint32_t k = 0;
			while (k < l && pos[cu[i] + (int32_t)k] == (int32_t)k)
				k++;
			ck_assert_msg(k == l, "bin %zu item %zu: position %u is %d",
				      b, i, k, (int)pos[cu[i] + (int32_t)k]);
		}
	}
	free(cu);
	free(pos);
}

START_TEST(test_real_packings)
{
	seqpack_registry *reg = tl_registry();
	static const char *const algs[] = { "nf", "ffd", "obfd" };
	for (unsigned it = 0; it < tl_iters(20); it++) {
		tl_rng rng;
		tl_rng_seed(&rng, 1000 + it);
		uint32_t cap = 64 + (uint32_t)tl_rng_below(&rng, 4096);
		size_t n = 1 + (size_t)tl_rng_below(&rng, 3000);
		uint32_t *len = malloc(n * sizeof(*len));
		ck_assert_ptr_nonnull(len);
		tl_gen(&rng, (enum tl_shape)(it % TL_NSHAPES), cap, len, n);
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = cap;
		seqpack_result *r = tl_pack(reg, algs[it % 3], len, n, &p);
		check_all_bins(r, len);
		seqpack_result_free(r);
		free(len);
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* A refused call: status, message and out left as it was. */
static void expect_bad(int rc, const seqpack_error *err, const int32_t *out,
		       size_t n, const char *needle)
{
	ck_assert_int_eq(rc, SEQPACK_ERR_INVALID);
	ck_assert_has(err->message, needle);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(out[i], -7);
}

START_TEST(test_refusals)
{
	static const uint32_t len[] = { 3, 4, 2, 1 };
	static const uint32_t items[] = { 2, 0, 1, 3 };
	static const uint32_t counts[] = { 2, 2 };
	seqpack_result *r = make_result(len, 4, items, counts, 2);
	int32_t out[8];
	for (size_t i = 0; i < 8; i++)
		out[i] = -7;
	size_t w = 12345;
	seqpack_error err = { 0 };

	/* One entry short: the needed size is named. */
	expect_bad(seqpack_result_cu_seqlens(r, len, 0, out, 2, &w, &err),
		   &err, out, 8, "bin 0 needs 3");
	expect_bad(seqpack_result_position_ids(r, len, 1, out, 4, &w, &err),
		   &err, out, 8, "bin 1 needs 5");
	expect_bad(seqpack_result_cu_seqlens(r, len, 2, out, 8, &w, &err),
		   &err, out, 8, "bin 2 is out of range (the result has 2 bins)");
	expect_bad(seqpack_result_position_ids(r, len, (size_t)-1, out, 8, &w,
					       &err),
		   &err, out, 8, "out of range");
	expect_bad(seqpack_result_cu_seqlens(NULL, len, 0, out, 8, &w, &err),
		   &err, out, 8, "result is NULL");
	expect_bad(seqpack_result_cu_seqlens(r, NULL, 0, out, 8, &w, &err),
		   &err, out, 8, "lengths is NULL");
	expect_bad(seqpack_result_position_ids(r, len, 0, out, 8, NULL, &err),
		   &err, out, 8, "written is NULL");
	expect_bad(seqpack_result_position_ids(r, len, 0, NULL, 8, &w, &err),
		   &err, out, 8, "out is NULL but out_len is 8");

	/* Lengths that are not the ones packed. */
	static const uint32_t other[] = { 3, 4, 9, 1 };
	expect_bad(seqpack_result_cu_seqlens(r, other, 0, out, 8, &w, &err),
		   &err, out, 8, "the lengths of bin 0 sum to 12, not its used 5");
	/* An index past n (a result filled by hand). */
	r->items[3] = 4;
	expect_bad(seqpack_result_position_ids(r, len, 1, out, 8, &w, &err),
		   &err, out, 8, "bin 1 holds index 4");
	r->items[3] = 3;
	ck_assert_uint_eq(w, 12345);

	/* Without an error struct the status is the same. */
	ck_assert_int_eq(seqpack_result_cu_seqlens(r, len, 0, out, 1, &w, NULL),
			 SEQPACK_ERR_INVALID);
	seqpack_result_free(r);

	/* Used above INT32_MAX would wrap an int32_t partial sum. */
	static const uint32_t big[] = { 2000000000u, 2000000000u };
	static const uint32_t bitems[] = { 0, 1 };
	static const uint32_t bcounts[] = { 2 };
	r = make_result(big, 2, bitems, bcounts, 1);
	expect_bad(seqpack_result_cu_seqlens(r, big, 0, out, 8, &w, &err),
		   &err, out, 8, "above the maximum capacity");
	seqpack_result_free(r);
}
END_TEST

/* The definition, one bit at a time. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
	uint32_t v = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		v ^= p[i];
		for (int k = 0; k < 8; k++)
			v = v & 1 ? (v >> 1) ^ 0xEDB88320u : v >> 1;
	}
	return ~v;
}

START_TEST(test_crc32)
{
	struct util_crc32 c;
	util_crc32_init(&c);
	/* The check value of CRC-32/ISO-HDLC (zip, gzip). */
	ck_assert_uint_eq(util_crc32_update(&c, 0, "123456789", 9),
			  0xCBF43926u);
	ck_assert_uint_eq(util_crc32_update(&c, 0, "", 0), 0);
	unsigned char buf[1031];
	tl_rng rng;
	tl_rng_seed(&rng, 42);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)tl_rng_below(&rng, 256);
	/* Every length and start around the 8-byte blocks, and split. */
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; off + n <= sizeof(buf); n += 1 + n / 4) {
			uint32_t want = crc32_bitwise(buf + off, n);
			ck_assert_uint_eq(util_crc32_update(&c, 0, buf + off, n),
					  want);
			size_t h = n / 3;
			uint32_t part = util_crc32_update(&c, 0, buf + off, h);
			ck_assert_uint_eq(util_crc32_update(&c, part,
							    buf + off + h,
							    n - h),
					  want);
		}
}
END_TEST

static Suite *varlen_suite(void)
{
	Suite *s = suite_create("varlen");
	TCase *tc = tcase_create("varlen");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_real_packings);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_crc32);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(varlen_suite());
}
