/* Streaming tests for the five streaming algorithms (nf ff bf wf hk):
 * packs emitted before finish are final, the union of all packs is a
 * valid packing of everything pushed, the open-bin bound holds, bad
 * lengths are refused naming the id, offline algorithms refuse to stream,
 * a callback can stop the stream but not re-enter it, and a plugin that
 * ignores emit()'s refusal or loses a sequence fails the stream.
 *
 * Iteration counts scale with $SEQPACK_TEST_SCALE (default 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

/* Caller ids are 64-bit and unrelated to positions: position i gets
 * ID(i), and ids are decoded back to find the pushed length. */
#define ID_BASE UINT64_C(0xfeed000000000000)
#define ID_STEP UINT64_C(7919)
#define ID(i) (ID_BASE + (uint64_t)(i) * ID_STEP)

struct recorder {
	const uint32_t *len;   /* lengths by position */
	size_t pushed;         /* positions 0..pushed-1 have been pushed */
	uint32_t capacity, max_items;
	unsigned char *emitted; /* by position */
	uint64_t packs;        /* packs seen; the callback checks numbering */
	uint64_t emitted_tokens;
	size_t emitted_items;
	int in_finish;
	uint64_t finish_packs;
	/* The packing the emitted packs form, by position, for comparison
	 * with pack(). */
	uint32_t *items;
	uint32_t *offsets;
	uint32_t *used;
	int stop_after; /* return non-zero at this pack (-1: never) */
	char fault[300];
};

static int rec_cb(void *ctx, uint64_t pack, const uint64_t *ids, size_t count,
		  uint64_t used)
{
	struct recorder *r = ctx;
	if (r->fault[0])
		return 0;
	if (pack != r->packs)
		snprintf(r->fault, sizeof(r->fault), "pack %llu emitted as number %llu",
			 (unsigned long long)r->packs, (unsigned long long)pack);
	else if (count == 0)
		snprintf(r->fault, sizeof(r->fault), "pack %llu is empty",
			 (unsigned long long)pack);
	else if (r->max_items && count > r->max_items)
		snprintf(r->fault, sizeof(r->fault), "pack %llu has %zu > max_items %u",
			 (unsigned long long)pack, count, r->max_items);
	if (r->fault[0])
		return 0;
	uint64_t sum = 0;
	uint32_t at = r->offsets[r->packs];
	for (size_t j = 0; j < count; j++) {
		uint64_t id = ids[j];
		uint64_t pos = (id - ID_BASE) / ID_STEP;
		if (id < ID_BASE || (id - ID_BASE) % ID_STEP || pos >= r->pushed) {
			snprintf(r->fault, sizeof(r->fault),
				 "pack %llu names id %llu, never pushed",
				 (unsigned long long)pack, (unsigned long long)id);
			return 0;
		}
		/* A pack, once emitted, is final: none of its sequences may
		 * show up again in a later pack. */
		if (r->emitted[pos]) {
			snprintf(r->fault, sizeof(r->fault),
				 "id %llu emitted twice (again in pack %llu)",
				 (unsigned long long)id, (unsigned long long)pack);
			return 0;
		}
		r->emitted[pos] = 1;
		sum += r->len[pos];
		r->items[at + j] = (uint32_t)pos;
	}
	if (sum != used || used > r->capacity) {
		snprintf(r->fault, sizeof(r->fault),
			 "pack %llu reports used %llu, holds %llu, capacity %u",
			 (unsigned long long)pack, (unsigned long long)used,
			 (unsigned long long)sum, r->capacity);
		return 0;
	}
	r->used[r->packs] = (uint32_t)used;
	r->offsets[r->packs + 1] = at + (uint32_t)count;
	r->emitted_tokens += used;
	r->emitted_items += count;
	r->packs++;
	if (r->in_finish)
		r->finish_packs++;
	return r->stop_after >= 0 && pack == (uint64_t)r->stop_after;
}

static void rec_init(struct recorder *r, const uint32_t *len, size_t n,
		     const seqpack_params *p)
{
	memset(r, 0, sizeof(*r));
	r->len = len;
	r->capacity = p->capacity;
	r->max_items = p->max_items;
	r->emitted = calloc(n + 1, 1);
	r->items = calloc(n + 1, sizeof(uint32_t));
	r->offsets = calloc(n + 2, sizeof(uint32_t));
	r->used = calloc(n + 1, sizeof(uint32_t));
	ck_assert(r->emitted && r->items && r->offsets && r->used);
	r->stop_after = -1;
}

static void rec_free(struct recorder *r)
{
	free(r->emitted);
	free(r->items);
	free(r->offsets);
	free(r->used);
}

/* How many bins a stream of alg may hold open at once. */
static uint64_t open_bound(const char *alg, const seqpack_params *p)
{
	if (strcmp(alg, "nf") == 0)
		return 1;
	if (strcmp(alg, "hk") == 0)
		return p->k;
	return p->max_open;
}

/* Sort each bin's positions and the bins themselves, so two packings can
 * be compared as sets of bins. */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

struct binref {
	const uint32_t *items;
	uint32_t count;
};

static int cmp_bin(const void *a, const void *b)
{
	const struct binref *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return memcmp(x->items, y->items, x->count * sizeof(uint32_t));
}

static int same_bins(uint32_t *items_a, const uint32_t *off_a, size_t nb_a,
		     uint32_t *items_b, const uint32_t *off_b, size_t nb_b)
{
	if (nb_a != nb_b)
		return 0;
	struct binref *a = calloc(nb_a + 1, sizeof(*a));
	struct binref *b = calloc(nb_b + 1, sizeof(*b));
	ck_assert(a && b);
	for (size_t i = 0; i < nb_a; i++) {
		qsort(items_a + off_a[i], off_a[i + 1] - off_a[i],
		      sizeof(uint32_t), cmp_u32);
		qsort(items_b + off_b[i], off_b[i + 1] - off_b[i],
		      sizeof(uint32_t), cmp_u32);
		a[i] = (struct binref){items_a + off_a[i], off_a[i + 1] - off_a[i]};
		b[i] = (struct binref){items_b + off_b[i], off_b[i + 1] - off_b[i]};
	}
	qsort(a, nb_a, sizeof(*a), cmp_bin);
	qsort(b, nb_b, sizeof(*b), cmp_bin);
	int same = 1;
	for (size_t i = 0; i < nb_a && same; i++)
		same = cmp_bin(&a[i], &b[i]) == 0;
	free(a);
	free(b);
	return same;
}

/* ------------------------------------------------------------------ */

START_TEST(test_stream_properties)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	static const uint32_t caps[] = {1, 10, 100, 4096, SEQPACK_MAX_CAPACITY};
	static const uint32_t opens[] = {1, 2, 3, 8, 64, 100000};
	static const uint32_t ks[] = {1, 2, 3, 10};
	tl_rng rng;
	tl_rng_seed(&rng, UINT64_C(0x57000000) + _i);
	unsigned iters = tl_iters(300);
	for (unsigned it = 0; it < iters; it++) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = caps[tl_rng_below(&rng, sizeof(caps) / sizeof(caps[0]))];
		p.max_open = opens[tl_rng_below(&rng, sizeof(opens) / sizeof(opens[0]))];
		p.k = ks[tl_rng_below(&rng, sizeof(ks) / sizeof(ks[0]))];
		p.max_items = tl_rng_below(&rng, 2) ? 0 : tl_rng_range(&rng, 1, 6);
		enum tl_shape shape = (enum tl_shape)tl_rng_below(&rng, TL_NSHAPES);
		size_t n = tl_rng_below(&rng, 20) == 0 ? tl_rng_below(&rng, 2000)
						       : tl_rng_below(&rng, 300);
		uint32_t *len = malloc((n + 1) * sizeof(uint32_t));
		ck_assert_ptr_nonnull(len);
		tl_gen(&rng, shape, p.capacity, len, n);

		struct recorder rec;
		rec_init(&rec, len, n, &p);
		seqpack_stream *s = NULL;
		seqpack_error err = {0};
		int rc = seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err);
		ck_assert_msg(rc == SEQPACK_OK, "%s: stream_open: %s", alg,
			      err.message);
		uint64_t bound = open_bound(alg, &p);
		uint64_t pushed_tokens = 0;
		for (size_t i = 0; i < n; i++) {
			rec.pushed = i + 1;
			rc = seqpack_stream_push(s, ID(i), len[i], &err);
			ck_assert_msg(rc == SEQPACK_OK, "%s: push %zu: %s", alg, i,
				      err.message);
			ck_assert_msg(!rec.fault[0], "%s it %u (%s C=%u n=%zu max_open=%u max_items=%u k=%u): %s",
				      alg, it, tl_shape_name(shape), p.capacity, n,
				      p.max_open, p.max_items, p.k, rec.fault);
			pushed_tokens += len[i];
			/* What is still open fits in the allowed open bins. */
			ck_assert_msg(pushed_tokens - rec.emitted_tokens <=
					      bound * p.capacity,
				      "%s: %llu tokens open after push %zu, bound %llu bins of %u",
				      alg,
				      (unsigned long long)(pushed_tokens - rec.emitted_tokens),
				      i, (unsigned long long)bound, p.capacity);
			if (p.max_items)
				ck_assert(i + 1 - rec.emitted_items <=
					  bound * p.max_items);
			ck_assert_uint_eq(seqpack_stream_packs(s), rec.packs);
		}
		uint64_t before_finish = rec.packs;
		rec.in_finish = 1;
		rc = seqpack_stream_finish(s, &err);
		ck_assert_msg(rc == SEQPACK_OK, "%s: finish: %s", alg, err.message);
		ck_assert_msg(!rec.fault[0], "%s: %s", alg, rec.fault);
		/* finish flushes the open bins, of which there are at most
		 * the bound. */
		ck_assert_msg(rec.finish_packs <= bound,
			      "%s: finish emitted %llu packs, open bound %llu",
			      alg, (unsigned long long)rec.finish_packs,
			      (unsigned long long)bound);
		ck_assert_uint_eq(rec.packs, before_finish + rec.finish_packs);
		ck_assert_uint_eq(seqpack_stream_packs(s), rec.packs);
		/* Only free is valid after finish. */
		ck_assert_int_eq(seqpack_stream_push(s, ID(n), 1, &err),
				 SEQPACK_ERR_STATE);
		ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_ERR_STATE);
		seqpack_stream_free(s);

		/* The union of the packs is a valid packing of all pushed. */
		seqpack_result res = {.n = n,
				      .nbins = (size_t)rec.packs,
				      .items = rec.items,
				      .offsets = rec.offsets,
				      .used = rec.used};
		char why[256];
		ck_assert_msg(tl_check_packing(len, n, p.capacity, p.max_items,
					       &res, why, sizeof(why)),
			      "%s: emitted packs: %s", alg, why);
		ck_assert_uint_ge(rec.packs,
				  tl_lower_bound(len, n, p.capacity, p.max_items));

		/* Without early closing, a stream is the offline algorithm:
		 * nf and hk always; ff, bf and wf when max_open is never hit
		 * (closing a full bin changes nothing). */
		int same_as_pack = strcmp(alg, "nf") == 0 ||
				   strcmp(alg, "hk") == 0 || p.max_open >= n;
		if (same_as_pack) {
			seqpack_result *off = tl_pack(reg, alg, len, n, &p);
			ck_assert_msg(same_bins(rec.items, rec.offsets, rec.packs,
						off->items, off->offsets,
						off->nbins),
				      "%s (%s C=%u n=%zu max_items=%u k=%u): stream packs (%llu) differ from pack() (%zu bins)",
				      alg, tl_shape_name(shape), p.capacity, n,
				      p.max_items, p.k,
				      (unsigned long long)rec.packs, off->nbins);
			seqpack_result_free(off);
		}
		rec_free(&rec);
		free(len);
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* Items of length C: nothing can ever join a bin, so every stream must
 * be able to hand them out while the input is still open (a pack emitted
 * before the end), at the latest when max_open bins are full. */
START_TEST(test_stream_emits_early)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	p.max_open = 2;
	p.k = 2;
	uint32_t len[20];
	for (size_t i = 0; i < 20; i++)
		len[i] = 60; /* > C/2: every pack holds exactly one */
	struct recorder rec;
	rec_init(&rec, len, 20, &p);
	seqpack_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err),
			 SEQPACK_OK);
	for (size_t i = 0; i < 20; i++) {
		rec.pushed = i + 1;
		ck_assert_int_eq(seqpack_stream_push(s, ID(i), len[i], &err),
				 SEQPACK_OK);
	}
	ck_assert_msg(!rec.fault[0], "%s", rec.fault);
	ck_assert_msg(rec.packs >= 20 - open_bound(alg, &p),
		      "%s emitted only %llu of 20 single-item packs before finish",
		      alg, (unsigned long long)rec.packs);
	rec.in_finish = 1;
	ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_OK);
	ck_assert_uint_eq(rec.packs, 20);
	seqpack_stream_free(s);
	rec_free(&rec);
	seqpack_registry_unref(reg);
}
END_TEST

/* ff, bf and wf at max_open: when a new bin would exceed it, the fullest
 * open bin is closed and emitted.  At C=10, max_open=2: 6 and 5 open two
 * bins; 7 fits neither, so the fullest (6) is emitted; 8 fits neither 5
 * nor 7, so 7 goes; finish flushes 5 and 8. */
START_TEST(test_stream_close_fullest)
{
	static const char *const algs[] = {"ff", "bf", "wf"};
	const char *alg = algs[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	p.max_open = 2;
	const uint32_t len[4] = {6, 5, 7, 8};
	struct recorder rec;
	rec_init(&rec, len, 4, &p);
	seqpack_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err),
			 SEQPACK_OK);
	for (size_t i = 0; i < 4; i++) {
		rec.pushed = i + 1;
		ck_assert_int_eq(seqpack_stream_push(s, ID(i), len[i], &err),
				 SEQPACK_OK);
	}
	ck_assert_msg(!rec.fault[0], "%s", rec.fault);
	ck_assert_msg(rec.packs == 2, "%s: %llu packs before finish, expected 2",
		      alg, (unsigned long long)rec.packs);
	ck_assert_uint_eq(rec.used[0], 6);
	ck_assert_uint_eq(rec.items[0], 0);
	ck_assert_uint_eq(rec.used[1], 7);
	ck_assert_uint_eq(rec.items[1], 2);
	rec.in_finish = 1;
	ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_OK);
	ck_assert_uint_eq(rec.packs, 4);
	ck_assert_uint_eq(rec.finish_packs, 2);
	seqpack_stream_free(s);
	rec_free(&rec);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_stream_bad_length)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	uint32_t len[3] = {100, 200, 300};
	struct recorder rec;
	rec_init(&rec, len, 3, &p);
	seqpack_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err),
			 SEQPACK_OK);
	rec.pushed = 1;
	ck_assert_int_eq(seqpack_stream_push(s, ID(0), 100, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_stream_push(s, UINT64_C(123456789012345), 5000, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(err.message,
			 "sequence 123456789012345 has length 5000 > capacity 4096");
	ck_assert_int_eq(seqpack_stream_push(s, UINT64_C(77), 0, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_has(err.message, "sequence 77 ");
	/* A refused length leaves the stream usable. */
	rec.pushed = 3;
	ck_assert_int_eq(seqpack_stream_push(s, ID(1), 200, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_stream_push(s, ID(2), 300, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_OK);
	ck_assert_msg(!rec.fault[0], "%s", rec.fault);
	ck_assert_uint_eq(rec.emitted_items, 3);
	ck_assert_uint_eq(rec.emitted_tokens, 600);
	seqpack_stream_free(s);
	rec_free(&rec);

	/* Parameters are checked when the stream opens. */
	p.capacity = 0;
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err),
			 SEQPACK_ERR_CAPACITY);
	p.capacity = 10;
	p.max_open = 0;
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, &err),
			 SEQPACK_ERR_INVALID);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_stream_offline_refused)
{
	seqpack_registry *reg = tl_registry();
	static const char *const offline[] = {"ffd", "bfd", "ffs", "mffd",
					      "obfd", "obfdp"};
	for (size_t i = 0; i < sizeof(offline) / sizeof(offline[0]); i++) {
		tl_require(reg, offline[i]);
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 10;
		seqpack_stream *s = NULL;
		seqpack_error err = {0};
		struct recorder rec;
		memset(&rec, 0, sizeof(rec));
		ck_assert_int_eq(seqpack_stream_open(reg, offline[i], &p, rec_cb,
						     &rec, &s, &err),
				 SEQPACK_ERR_UNSUPPORTED);
		ck_assert_ptr_null(s);
		ck_assert_has(err.message, offline[i]);
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* A callback that returns non-zero stops the stream with
 * SEQPACK_ERR_CALLBACK, from push or from finish, and the stream then
 * refuses further work. */
START_TEST(test_stream_callback_stops)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	for (int at_finish = 0; at_finish < 2; at_finish++) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 10;
		p.max_open = 1;
		uint32_t len[8] = {6, 6, 6, 6, 6, 6, 6, 6};
		size_t n = at_finish ? 1 : 8;
		struct recorder rec;
		rec_init(&rec, len, 8, &p);
		rec.stop_after = 0;
		seqpack_stream *s = NULL;
		seqpack_error err = {0};
		ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec,
						     &s, &err),
				 SEQPACK_OK);
		int rc = SEQPACK_OK;
		size_t i;
		for (i = 0; i < n && rc == SEQPACK_OK; i++) {
			rec.pushed = i + 1;
			rc = seqpack_stream_push(s, ID(i), len[i], &err);
		}
		if (rc == SEQPACK_OK) {
			ck_assert_msg(at_finish, "%s: 8 items > C/2 with max_open 1 and no pack closed", alg);
			rc = seqpack_stream_finish(s, &err);
		}
		ck_assert_int_eq(rc, SEQPACK_ERR_CALLBACK);
		ck_assert_int_eq(err.status, SEQPACK_ERR_CALLBACK);
		ck_assert_uint_eq(rec.packs, 1);
		/* The message names the pack the callback refused: the
		 * first, pack 0 (it said "pack 1" before). */
		ck_assert_str_eq(err.message,
				 "the pack callback asked to stop after pack 0");
		ck_assert_int_eq(seqpack_stream_push(s, ID(9), 1, &err),
				 SEQPACK_ERR_STATE);
		seqpack_stream_free(s);
		rec_free(&rec);
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* A plugin that ignores emit()'s refusal (tests/deaf) cannot make the
 * stream pass: the core refuses every later pack and fails the call, and
 * a sequence it never emits fails finish.  Before the fix every call
 * below returned SEQPACK_OK. */
struct count_cb {
	uint64_t packs;
	int stop_at; /* return non-zero at this pack (-1: never) */
};

static int count_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		    size_t count, uint64_t used)
{
	struct count_cb *c = ctx;
	c->packs++;
	return (int64_t)pack == c->stop_at;
}

static seqpack_stream *deaf_stream(seqpack_registry **reg, uint64_t seed,
				   struct count_cb *c)
{
	char *dir = tl_builddir_path("tests/deaf");
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_registry_open(dir, reg, &err), SEQPACK_OK);
	free(dir);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	p.seed = seed;
	seqpack_stream *s = NULL;
	ck_assert_msg(seqpack_stream_open(*reg, "deaf", &p, count_cb, c, &s,
					  &err) == SEQPACK_OK,
		      "deaf: %s", err.message);
	return s;
}

START_TEST(test_stream_deaf_plugin_stopped)
{
	seqpack_registry *reg;
	struct count_cb c = {0, 0};
	seqpack_stream *s = deaf_stream(&reg, 0, &c);
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_push(s, 0, 3, &err),
			 SEQPACK_ERR_CALLBACK);
	ck_assert_int_eq(seqpack_stream_push(s, 1, 3, &err), SEQPACK_ERR_STATE);
	ck_assert_uint_eq(c.packs, 1);
	seqpack_stream_free(s);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_stream_deaf_plugin_fault)
{
	seqpack_registry *reg;
	struct count_cb c = {0, -1};
	seqpack_stream *s = deaf_stream(&reg, 1, &c);
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_push(s, 0, 3, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_stream_push(s, 1, 3, &err), SEQPACK_ERR_VERIFY);
	ck_assert_has(err.message, "plugin deaf emitted pack 1");
	ck_assert_int_eq(seqpack_stream_push(s, 2, 3, &err), SEQPACK_ERR_STATE);
	ck_assert_uint_eq(c.packs, 1);
	seqpack_stream_free(s);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_stream_deaf_plugin_loses)
{
	seqpack_registry *reg;
	struct count_cb c = {0, -1};
	seqpack_stream *s = deaf_stream(&reg, 2, &c);
	seqpack_error err = {0};
	for (uint64_t id = 0; id < 4; id++)
		ck_assert_int_eq(seqpack_stream_push(s, id, 3, &err), SEQPACK_OK);
	ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_ERR_VERIFY);
	ck_assert_str_eq(err.message,
			 "plugin deaf emitted 3 of the 4 sequences pushed");
	ck_assert_uint_eq(c.packs, 3);
	seqpack_stream_free(s);
	seqpack_registry_unref(reg);
}
END_TEST

/* The callback may not re-enter the stream that calls it: push and
 * finish are refused with SEQPACK_ERR_STATE (bf's stream crashed under
 * ASan before), and a free from the callback takes effect when the
 * plugin returns, the outer call saying so. */
struct reenter {
	seqpack_stream *s;
	int do_free;
	int inner_push, inner_finish;
	uint64_t packs;
};

static int reenter_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		      size_t count, uint64_t used)
{
	struct reenter *r = ctx;
	seqpack_error err = {0};
	r->packs++;
	if (r->do_free) {
		seqpack_stream_free(r->s);
		return 0;
	}
	r->inner_push = seqpack_stream_push(r->s, 1000 + pack, 1, &err);
	r->inner_finish = seqpack_stream_finish(r->s, &err);
	return 0;
}

START_TEST(test_stream_reentry_refused)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	for (int do_free = 0; do_free < 2; do_free++) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 10;
		p.max_open = 1;
		struct reenter r = {NULL, do_free, -1, -1, 0};
		seqpack_error err = {0};
		ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, reenter_cb,
						     &r, &r.s, &err),
				 SEQPACK_OK);
		/* Sequences of 6 cannot share a bin: the second push or the
		 * finish closes a pack and runs the callback. */
		int rc = seqpack_stream_push(r.s, 0, 6, &err);
		if (rc == SEQPACK_OK && r.packs == 0)
			rc = seqpack_stream_push(r.s, 1, 6, &err);
		if (rc == SEQPACK_OK && r.packs == 0)
			rc = seqpack_stream_finish(r.s, &err);
		ck_assert_msg(r.packs >= 1, "%s: no pack emitted", alg);
		if (do_free) {
			ck_assert_int_eq(rc, SEQPACK_ERR_STATE);
			ck_assert_str_eq(err.message,
					 "stream freed from its own pack callback");
			continue; /* the stream is gone */
		}
		ck_assert_int_eq(r.inner_push, SEQPACK_ERR_STATE);
		ck_assert_int_eq(r.inner_finish, SEQPACK_ERR_STATE);
		ck_assert_msg(rc == SEQPACK_OK, "%s: %s", alg, err.message);
		ck_assert_int_eq(seqpack_stream_finish(r.s, &err), SEQPACK_OK);
		seqpack_stream_free(r.s);
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* Dropping a stream without finishing it frees everything (checked by
 * valgrind/ASan) and emits nothing more. */
START_TEST(test_stream_free_unfinished)
{
	const char *alg = tl_streaming[_i];
	seqpack_registry *reg = tl_registry();
	tl_require(reg, alg);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	uint32_t len[100];
	tl_rng rng;
	tl_rng_seed(&rng, 5);
	tl_gen(&rng, TL_HEAVY, 1000, len, 100);
	struct recorder rec;
	rec_init(&rec, len, 100, &p);
	seqpack_stream *s = NULL;
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, rec_cb, &rec, &s, NULL),
			 SEQPACK_OK);
	/* The stream holds its own registry reference. */
	seqpack_registry_unref(reg);
	for (size_t i = 0; i < 100; i++) {
		rec.pushed = i + 1;
		ck_assert_int_eq(seqpack_stream_push(s, ID(i), len[i], NULL),
				 SEQPACK_OK);
	}
	uint64_t packs = rec.packs;
	ck_assert_ptr_null(seqpack_stream_free(s));
	ck_assert_uint_eq(rec.packs, packs);
	ck_assert_msg(!rec.fault[0], "%s", rec.fault);
	ck_assert_ptr_null(seqpack_stream_free(NULL));
	ck_assert_uint_eq(seqpack_stream_packs(NULL), 0);
	rec_free(&rec);
}
END_TEST

static Suite *stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");
	tcase_set_timeout(tc, 1200);
	tcase_add_loop_test(tc, test_stream_properties, 0, TL_NSTREAMING);
	tcase_add_loop_test(tc, test_stream_emits_early, 0, TL_NSTREAMING);
	tcase_add_loop_test(tc, test_stream_bad_length, 0, TL_NSTREAMING);
	tcase_add_loop_test(tc, test_stream_callback_stops, 0, TL_NSTREAMING);
	tcase_add_loop_test(tc, test_stream_free_unfinished, 0, TL_NSTREAMING);
	tcase_add_loop_test(tc, test_stream_close_fullest, 0, 3);
	tcase_add_test(tc, test_stream_offline_refused);
	tcase_add_test(tc, test_stream_deaf_plugin_stopped);
	tcase_add_test(tc, test_stream_deaf_plugin_fault);
	tcase_add_test(tc, test_stream_deaf_plugin_loses);
	tcase_add_loop_test(tc, test_stream_reentry_refused, 0, TL_NSTREAMING);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(stream_suite());
}
