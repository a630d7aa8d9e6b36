/* The Best-Fit family against brute force: bfd against an O(n*B)
 * reference of its rule, obfd against bfd (the very same bins), bf and wf
 * against O(n*B) online references, their streams against a reference of
 * the bounded-open-bins rule, and obfdp's validity and margin over obfd.
 * Thousands of seeded inputs of many shapes and capacities. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/seqpack.h>

static seqpack_registry *reg;

static void setup(void)
{
	seqpack_error err;
	ck_assert_int_eq(seqpack_registry_open(NULL, &reg, &err), SEQPACK_OK);
	const char *need[] = {"bf", "wf", "bfd", "obfd", "obfdp"};
	for (size_t i = 0; i < 5; i++)
		ck_assert_msg(seqpack_registry_find(reg, need[i]),
			      "plugin %s not loaded", need[i]);
}

static void teardown(void)
{
	reg = seqpack_registry_unref(reg);
}

/* splitmix64: a reproducible generator for the inputs. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rng_in(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next(s) % ((uint64_t)hi - lo + 1));
}

enum shape { UNIFORM, HEAVY, EQUAL, BIG, TINY, FULL, BIMODAL, MIXED, NSHAPES };

/* $SEQPACK_TEST_SCALE (default 1), as in the other tests: below 1 (make
 * check-valgrind runs 0.1) the seeded loops run fewer times, never below
 * least, and the large-input tests take every other shape, the even
 * ones in loop 0 and the odd ones in loop 1 (sizes stay: they choose
 * obfd's regime and obfdp's thread count). */
static double test_scale(void)
{
	const char *s = getenv("SEQPACK_TEST_SCALE");
	char *end = NULL;
	double f = s && *s ? strtod(s, &end) : 1.0;
	return f > 0.0 && end && *end == '\0' ? f : 1.0;
}

static int scaled(int base, int least)
{
	double v = base * test_scale();
	return v < least ? least : (int)v;
}

static int shape_step(void)
{
	return test_scale() < 1.0 ? 2 : 1;
}

static void gen(uint64_t *s, enum shape sh, uint32_t cap, uint32_t *len,
		size_t n)
{
	uint32_t v = rng_in(s, 1, cap);
	for (size_t i = 0; i < n; i++) {
		uint32_t x;
		switch (sh) {
		case UNIFORM:
			x = rng_in(s, 1, cap);
			break;
		case HEAVY: { /* Pareto-like: mostly small, a few huge */
			double u = (double)(rng_next(s) >> 11) / 9007199254740992.0;
			double f = 0.02 / ((1.0 - u) * (1.0 - u) + 1e-9);
			x = f >= 1.0 ? cap : (uint32_t)(f * cap);
			break;
		}
		case EQUAL:
			x = v;
			break;
		case BIG:
			x = rng_in(s, cap / 2 + 1 > cap ? cap : cap / 2 + 1, cap);
			break;
		case TINY:
			x = rng_in(s, 1, cap / 50 ? cap / 50 : 1);
			break;
		case FULL:
			x = cap;
			break;
		case BIMODAL:
			x = rng_next(s) & 1 ? rng_in(s, cap - cap / 4, cap)
					    : rng_in(s, 1, cap / 4 ? cap / 4 : 1);
			break;
		default: /* a few distinct values: many ties */
			x = (uint32_t)(((rng_next(s) % 7) + 1) * (uint64_t)cap / 8);
			break;
		}
		len[i] = x ? (x > cap ? cap : x) : 1;
	}
}

/* ---- brute-force references, O(n * B) ---------------------------- */

struct ref {
	size_t nbins;
	uint32_t *binof; /* bin of each input index */
	uint32_t *rem, *cnt;
	uint32_t *order; /* placement order (input indices) */
};

static void ref_init(struct ref *r, size_t n)
{
	r->nbins = 0;
	r->binof = calloc(n + 1, sizeof(uint32_t));
	r->rem = calloc(n + 1, sizeof(uint32_t));
	r->cnt = calloc(n + 1, sizeof(uint32_t));
	r->order = calloc(n + 1, sizeof(uint32_t));
	ck_assert(r->binof && r->rem && r->cnt && r->order);
}

static void ref_free(struct ref *r)
{
	free(r->binof);
	free(r->rem);
	free(r->cnt);
	free(r->order);
}

enum rule { BEST, WORST };

/* Place items in the order given, each by the rule over all bins. */
static void ref_pack(struct ref *r, const uint32_t *len, const uint32_t *ord,
		     size_t n, uint32_t cap, uint32_t maxi, enum rule rule)
{
	for (size_t j = 0; j < n; j++) {
		uint32_t i = ord[j], s = len[i];
		size_t best = SIZE_MAX;
		for (size_t b = 0; b < r->nbins; b++) {
			if (r->rem[b] < s || (maxi && r->cnt[b] >= maxi))
				continue;
			if (best == SIZE_MAX ||
			    (rule == BEST ? r->rem[b] < r->rem[best]
					  : r->rem[b] > r->rem[best]))
				best = b;
		}
		if (best == SIZE_MAX) {
			best = r->nbins++;
			r->rem[best] = cap;
			r->cnt[best] = 0;
		}
		r->rem[best] -= s;
		r->cnt[best]++;
		r->binof[i] = (uint32_t)best;
		r->order[j] = i;
	}
}

/* Stable descending order by insertion sort on a copy (n is small). */
static void ref_sort(const uint32_t *len, size_t n, uint32_t *ord)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = i;
		while (k > 0 && len[ord[k - 1]] < len[i]) {
			ord[k] = ord[k - 1];
			k--;
		}
		ord[k] = (uint32_t)i;
	}
}

static const seqpack_result *run(seqpack_workspace *ws, const char *alg,
				 const uint32_t *len, size_t n,
				 const seqpack_params *p)
{
	const seqpack_result *r;
	seqpack_error err;
	int rc = seqpack_workspace_pack(ws, alg, len, n, p, &r, &err);
	ck_assert_msg(rc == SEQPACK_OK, "%s failed: %s", alg, err.message);
	ck_assert_uint_eq(r->nbins, r->metrics.bins);
	return r;
}

/* The result must be exactly the reference: same bins, same order, same
 * items in placement order. */
static void assert_same_as_ref(const seqpack_result *r, const struct ref *f,
			       size_t n, const char *what)
{
	ck_assert_msg(r->nbins == f->nbins, "%s: %zu bins, reference %zu",
		      what, r->nbins, f->nbins);
	size_t *pos = calloc(f->nbins + 1, sizeof(size_t));
	ck_assert(pos);
	/* Reference items of each bin in placement order. */
	uint32_t *items = calloc(n + 1, sizeof(uint32_t));
	size_t *start = calloc(f->nbins + 1, sizeof(size_t));
	ck_assert(items && start);
	for (size_t j = 0; j < n; j++)
		start[f->binof[f->order[j]] + 1]++;
	for (size_t b = 0; b < f->nbins; b++)
		start[b + 1] += start[b];
	for (size_t j = 0; j < n; j++) {
		uint32_t b = f->binof[f->order[j]];
		items[start[b] + pos[b]++] = f->order[j];
	}
	for (size_t b = 0; b < f->nbins; b++)
		ck_assert_msg(r->offsets[b + 1] == start[b + 1],
			      "%s: bin %zu ends at %u, reference %zu", what, b,
			      r->offsets[b + 1], start[b + 1]);
	for (size_t k = 0; k < n; k++)
		ck_assert_msg(r->items[k] == items[k],
			      "%s: item slot %zu holds %u, reference %u", what,
			      k, r->items[k], items[k]);
	free(pos);
	free(items);
	free(start);
}

static void assert_same(const seqpack_result *a, const uint32_t *aitems,
			const uint32_t *aoffs, size_t anb,
			const seqpack_result *b, const char *what)
{
	(void)a;
	ck_assert_msg(anb == b->nbins, "%s: %zu bins vs %zu", what, anb,
		      b->nbins);
	ck_assert_msg(!memcmp(aoffs, b->offsets, (anb + 1) * sizeof(uint32_t)),
		      "%s: offsets differ", what);
	ck_assert_msg(!memcmp(aitems, b->items, b->n * sizeof(uint32_t)),
		      "%s: items differ", what);
}

static const uint32_t caps_small[] = {1, 2, 3, 7, 10, 64, 100, 512, 1000,
				       4096, 8192, 65535};
static const uint32_t caps_large[] = {65536, 70001, 1000000, 123456789,
				       2147483647u};

static uint32_t pick_cap(uint64_t *s)
{
	if (rng_next(s) % 4 == 0)
		return caps_large[rng_next(s) % 5];
	return caps_small[rng_next(s) % 12];
}

static uint32_t pick_maxi(uint64_t *s)
{
	static const uint32_t m[] = {0, 0, 0, 1, 2, 3, 5};
	return m[rng_next(s) % 7];
}

/* bfd equals its brute-force rule; obfd equals bfd bin for bin; bf and
 * wf equal their online references. */
START_TEST(test_against_reference)
{
	uint64_t seed = 0x5eed0000ULL + (uint64_t)_i * 7919;
	seqpack_workspace *ws;
	seqpack_error err;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	uint32_t *len = malloc(400 * sizeof(uint32_t));
	uint32_t *ord = malloc(400 * sizeof(uint32_t));
	uint32_t *items = malloc(400 * sizeof(uint32_t));
	uint32_t *offs = malloc(401 * sizeof(uint32_t));
	ck_assert(len && ord && items && offs);
	for (int rep = 0; rep < scaled(50, 5); rep++) {
		uint64_t s = seed + (uint64_t)rep;
		rng_next(&s);
		uint32_t cap = pick_cap(&s);
		size_t n = rng_next(&s) % 4 == 0 ? rng_in(&s, 0, 8)
						 : rng_in(&s, 1, 400);
		enum shape sh = (enum shape)(rng_next(&s) % NSHAPES);
		gen(&s, sh, cap, len, n);
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = cap;
		p.max_items = pick_maxi(&s);
		char what[128];
		snprintf(what, sizeof(what), "seed %d/%d cap %u n %zu shape %d maxi %u",
			 _i, rep, cap, n, (int)sh, p.max_items);

		struct ref f;
		ref_init(&f, n);
		ref_sort(len, n, ord);
		ref_pack(&f, len, ord, n, cap, p.max_items, BEST);
		const seqpack_result *r = run(ws, "bfd", len, n, &p);
		assert_same_as_ref(r, &f, n, what);
		memcpy(items, r->items, n * sizeof(uint32_t));
		memcpy(offs, r->offsets, (r->nbins + 1) * sizeof(uint32_t));
		size_t nb = r->nbins;
		r = run(ws, "obfd", len, n, &p);
		assert_same(NULL, items, offs, nb, r, what);
		ref_free(&f);

		for (size_t i = 0; i < n; i++)
			ord[i] = (uint32_t)i;
		ref_init(&f, n);
		ref_pack(&f, len, ord, n, cap, p.max_items, BEST);
		r = run(ws, "bf", len, n, &p);
		assert_same_as_ref(r, &f, n, what);
		ref_free(&f);

		ref_init(&f, n);
		ref_pack(&f, len, ord, n, cap, p.max_items, WORST);
		r = run(ws, "wf", len, n, &p);
		assert_same_as_ref(r, &f, n, what);
		ref_free(&f);
	}
	free(len);
	free(ord);
	free(items);
	free(offs);
	seqpack_workspace_free(ws);
}
END_TEST

/* Larger inputs: obfd equals bfd exactly in both of its regimes (every
 * capacity value indexed, and bucketed), with and without max_items. */
START_TEST(test_obfd_large)
{
	/* 70000 is indexed value by value at n = 150000 (C <= n/2) and
	 * bucketed at n = 30000. */
	static const uint32_t caps[] = {512, 4096, 8192, 70000, 2147483647u};
	uint64_t s = 0xb1dULL + (uint64_t)_i;
	size_t n = _i % 2 ? 150000 : 30000;
	uint32_t *len = malloc(n * sizeof(uint32_t));
	uint32_t *items = malloc(n * sizeof(uint32_t));
	uint32_t *offs = malloc((n + 1) * sizeof(uint32_t));
	ck_assert(len && items && offs);
	seqpack_workspace *ws;
	seqpack_error err;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	for (size_t c = 0; c < 5; c++) {
		for (int sh = _i % shape_step(); sh < NSHAPES;
		     sh += shape_step()) {
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = caps[c];
			p.max_items = (sh + _i) % 3 == 0 ? 4 : 0;
			gen(&s, (enum shape)sh, p.capacity, len, n);
			const seqpack_result *r = run(ws, "bfd", len, n, &p);
			size_t nb = r->nbins;
			memcpy(items, r->items, n * sizeof(uint32_t));
			memcpy(offs, r->offsets, (nb + 1) * sizeof(uint32_t));
			r = run(ws, "obfd", len, n, &p);
			char what[96];
			snprintf(what, sizeof(what), "n %zu cap %u shape %d maxi %u",
				 n, p.capacity, sh, p.max_items);
			assert_same(NULL, items, offs, nb, r, what);
		}
	}
	free(len);
	free(items);
	free(offs);
	seqpack_workspace_free(ws);
}
END_TEST

static int cmp_u32_asc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* obfdp deals the input to its parts in blocks, so sorted input (every
 * part then sees the same mix, where contiguous halves would not: +23%
 * bins once) stays within the margin, ascending and descending. */
START_TEST(test_obfdp_sorted)
{
	static const uint32_t caps[] = {512, 1000000};
	size_t n = 200000;
	uint64_t s = 0x50f7ULL;
	uint32_t *len = malloc(n * sizeof(uint32_t));
	ck_assert(len);
	seqpack_workspace *ws;
	seqpack_error err;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	for (size_t c = 0; c < 2; c++) {
		for (int dir = 0; dir < 2; dir++) {
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = caps[c];
			gen(&s, c ? UNIFORM : BIMODAL, p.capacity, len, n);
			qsort(len, n, sizeof(uint32_t), cmp_u32_asc);
			if (dir)
				for (size_t i = 0; i < n / 2; i++) {
					uint32_t t = len[i];
					len[i] = len[n - 1 - i];
					len[n - 1 - i] = t;
				}
			size_t ob = run(ws, "obfd", len, n, &p)->nbins;
			for (uint32_t t = 2; t <= 4; t += 2) {
				p.threads = t;
				size_t nb = run(ws, "obfdp", len, n, &p)->nbins;
				ck_assert_msg(nb <= ob + ob / 1000 + t,
					      "obfdp threads %u cap %u %s input: %zu bins, obfd %zu",
					      t, p.capacity,
					      dir ? "descending" : "ascending", nb,
					      ob);
			}
		}
	}
	seqpack_workspace_free(ws);
	free(len);
}
END_TEST

/* obfdp: valid (the core verifies), deterministic per thread count, and
 * within 0.1% + threads bins of obfd. */
START_TEST(test_obfdp)
{
	static const uint32_t caps[] = {512, 8192, 1000000};
	static const uint32_t threads[] = {1, 2, 3, 4};
	uint64_t s = 0x0bf0ULL + (uint64_t)_i;
	size_t n = 200000;
	uint32_t *len = malloc(n * sizeof(uint32_t));
	uint32_t *items = malloc(n * sizeof(uint32_t));
	ck_assert(len && items);
	seqpack_workspace *ws;
	seqpack_error err;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	for (size_t c = 0; c < 3; c++) {
		for (int sh = _i % shape_step(); sh < NSHAPES;
		     sh += shape_step()) {
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = caps[c];
			p.max_items = sh == MIXED ? 3 : 0;
			gen(&s, (enum shape)sh, p.capacity, len, n);
			size_t ob = run(ws, "obfd", len, n, &p)->nbins;
			/* Two thread counts per input keep the suite quick
			 * under sanitizers; the loop covers all four. */
			for (int k = 0; k < 2; k++) {
				uint32_t t = threads[(sh + k * 2 + _i) % 4];
				p.threads = t;
				const seqpack_result *r = run(ws, "obfdp", len, n, &p);
				size_t nb = r->nbins;
				ck_assert_msg(nb <= ob + ob / 1000 + t,
					      "obfdp threads %u cap %u shape %d: %zu bins, obfd %zu",
					      t, p.capacity, sh, nb, ob);
				if (t == 1)
					ck_assert_uint_eq(nb, ob);
				memcpy(items, r->items, n * sizeof(uint32_t));
				r = run(ws, "obfdp", len, n, &p);
				ck_assert_uint_eq(r->nbins, nb);
				ck_assert(!memcmp(items, r->items,
						  n * sizeof(uint32_t)));
			}
		}
	}
	free(len);
	free(items);
	seqpack_workspace_free(ws);
}
END_TEST

/* ---- streaming -------------------------------------------------- */

struct packs {
	size_t n, nids;
	size_t off[4096];
	uint64_t ids[4096];
	uint64_t used[4096];
};

static int collect(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct packs *ps = ctx;
	ck_assert_uint_eq(pack, ps->n);
	ck_assert(ps->nids + count <= 4096 && ps->n < 4095);
	memcpy(ps->ids + ps->nids, ids, count * sizeof(*ids));
	ps->nids += count;
	ps->used[ps->n++] = used;
	ps->off[ps->n] = ps->nids;
	return 0;
}

/* Reference of the bounded-open-bins rule, O(n * max_open). */
static void ref_stream(const uint32_t *len, size_t n, uint32_t cap,
		       uint32_t maxi, uint32_t max_open, enum rule rule,
		       struct packs *ps)
{
	struct ob {
		uint64_t rank;
		uint32_t rem, cnt;
		uint64_t ids[512];
	} *open = calloc(max_open, sizeof(*open));
	ck_assert(open);
	size_t nopen = 0;
	uint64_t rank = 0;
	ps->n = ps->nids = 0;
	ps->off[0] = 0;
#define EMIT(k)                                                              \
	do {                                                                 \
		collect(ps, ps->n, open[k].ids, open[k].cnt,                 \
			cap - open[k].rem);                                  \
		open[k] = open[--nopen];                                     \
	} while (0)
	for (size_t i = 0; i < n; i++) {
		uint32_t s = len[i];
		size_t best = SIZE_MAX;
		for (size_t k = 0; k < nopen; k++) {
			if (open[k].rem < s)
				continue;
			if (best == SIZE_MAX ||
			    (rule == BEST ? open[k].rem < open[best].rem
					  : open[k].rem > open[best].rem) ||
			    (open[k].rem == open[best].rem &&
			     open[k].rank < open[best].rank))
				best = k;
		}
		if (best == SIZE_MAX) {
			if (nopen == max_open) {
				size_t f = 0;
				for (size_t k = 1; k < nopen; k++)
					if (open[k].rem < open[f].rem ||
					    (open[k].rem == open[f].rem &&
					     open[k].rank < open[f].rank))
						f = k;
				EMIT(f);
			}
			best = nopen++;
			open[best].rank = rank++;
			open[best].rem = cap;
			open[best].cnt = 0;
		}
		open[best].ids[open[best].cnt++] = 1000 + i;
		open[best].rem -= s;
		if (open[best].rem == 0 || (maxi && open[best].cnt >= maxi))
			EMIT(best);
	}
	while (nopen) {
		size_t f = 0;
		for (size_t k = 1; k < nopen; k++)
			if (open[k].rank < open[f].rank)
				f = k;
		EMIT(f);
	}
#undef EMIT
	free(open);
}

START_TEST(test_stream)
{
	static struct packs got, want;
	uint64_t s = 0x57ea0000ULL + (uint64_t)_i;
	uint32_t len[500];
	for (int rep = 0; rep < scaled(20, 2); rep++) {
		uint32_t cap = caps_small[rng_next(&s) % 12];
		if (rng_next(&s) % 5 == 0)
			cap = 2147483647u;
		size_t n = rng_in(&s, 0, 500);
		gen(&s, (enum shape)(rng_next(&s) % NSHAPES), cap, len, n);
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = cap;
		p.max_items = pick_maxi(&s);
		static const uint32_t mo[] = {1, 2, 3, 8, 64};
		p.max_open = mo[rng_next(&s) % 5];
		for (int w = 0; w < 2; w++) {
			const char *alg = w ? "wf" : "bf";
			seqpack_stream *st;
			seqpack_error err;
			memset(&got, 0, sizeof(got));
			ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, collect,
							     &got, &st, &err),
					 SEQPACK_OK);
			for (size_t i = 0; i < n; i++)
				ck_assert_int_eq(seqpack_stream_push(st, 1000 + i, len[i], &err),
						 SEQPACK_OK);
			ck_assert_int_eq(seqpack_stream_finish(st, &err), SEQPACK_OK);
			ck_assert_uint_eq(seqpack_stream_packs(st), got.n);
			seqpack_stream_free(st);
			ref_stream(len, n, cap, p.max_items, p.max_open,
				   w ? WORST : BEST, &want);
			ck_assert_msg(got.n == want.n,
				      "%s stream cap %u n %zu max_open %u: %zu packs, reference %zu",
				      alg, cap, n, p.max_open, got.n, want.n);
			ck_assert_uint_eq(got.nids, n);
			ck_assert(!memcmp(got.off, want.off, (got.n + 1) * sizeof(size_t)));
			ck_assert(!memcmp(got.ids, want.ids, n * sizeof(uint64_t)));
			ck_assert(!memcmp(got.used, want.used, got.n * sizeof(uint64_t)));
		}
	}
}
END_TEST

/* Hand-checked instances. */
START_TEST(test_golden)
{
	seqpack_workspace *ws;
	seqpack_error err;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	/* BF online: 6 5 6 5 -> [6] [5 5] [6]... 6 opens 0, 5 opens 1, 6
	 * opens 2, 5 joins bin 1 (the only fit). */
	const uint32_t a[] = {6, 5, 6, 5};
	const seqpack_result *r = run(ws, "bf", a, 4, &p);
	ck_assert_uint_eq(r->nbins, 3);
	ck_assert_uint_eq(r->used[1], 10);
	/* WF picks the loosest: 3 then 3 both into bin 0 (rem 10 > ...). */
	const uint32_t b[] = {5, 3, 4, 2};
	r = run(ws, "wf", b, 4, &p);
	/* 5 -> b0 (rem 5); 3 -> b0 (rem 2); 4 -> new b1 (rem 6); 2 -> b1 */
	ck_assert_uint_eq(r->nbins, 2);
	ck_assert_uint_eq(r->used[0], 8);
	ck_assert_uint_eq(r->used[1], 6);
	r = run(ws, "bf", b, 4, &p);
	/* 5 -> b0; 3 -> b0 (rem 2); 4 -> b1 (rem 6); 2 -> b0 (rem 0) */
	ck_assert_uint_eq(r->used[0], 10);
	/* Decreasing: perfect pairs. */
	const uint32_t c[] = {3, 7, 4, 6, 5, 5, 10, 1, 9};
	for (int k = 0; k < 3; k++) {
		const char *alg = k == 0 ? "bfd" : k == 1 ? "obfd" : "obfdp";
		r = run(ws, alg, c, 9, &p);
		ck_assert_uint_eq(r->nbins, 5);
		ck_assert_uint_eq(r->metrics.padding_tokens, 0);
	}
	/* Empty input and a single full item. */
	r = run(ws, "obfd", c, 0, &p);
	ck_assert_uint_eq(r->nbins, 0);
	const uint32_t d[] = {10};
	r = run(ws, "obfd", d, 1, &p);
	ck_assert_uint_eq(r->nbins, 1);
	p.capacity = 2147483647u;
	const uint32_t e[] = {2147483647u, 1, 2147483646u, 1073741824u};
	r = run(ws, "obfd", e, 4, &p);
	ck_assert_uint_eq(r->nbins, 3);
	r = run(ws, "bf", e, 4, &p);
	ck_assert_uint_eq(r->nbins, 3);
	seqpack_workspace_free(ws);
}
END_TEST

/* The streaming flags, and no plugin state is needed by one-shot calls. */
START_TEST(test_flags_oneshot)
{
	const seqpack_plugin_info *i = seqpack_registry_find(reg, "bf");
	ck_assert(i->flags & SEQPACK_FLAG_STREAMING);
	ck_assert(seqpack_registry_find(reg, "wf")->flags & SEQPACK_FLAG_STREAMING);
	ck_assert(seqpack_registry_find(reg, "obfd")->flags & SEQPACK_FLAG_OFFLINE);
	ck_assert(seqpack_registry_find(reg, "obfdp")->flags & SEQPACK_FLAG_PARALLEL);
	static uint32_t len[70000];
	uint64_t s = 42;
	gen(&s, UNIFORM, 1000, len, 70000);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	p.threads = 2;
	const char *algs[] = {"bf", "wf", "bfd", "obfd", "obfdp"};
	for (int k = 0; k < 5; k++) {
		seqpack_result *r;
		seqpack_error err;
		ck_assert_int_eq(seqpack_pack(reg, algs[k], len, 70000, &p, &r, &err),
				 SEQPACK_OK);
		ck_assert_uint_ge(r->nbins, r->metrics.lower_bound);
		seqpack_result_free(r);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bf-family");
	TCase *tc = tcase_create("reference");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_against_reference, 0, 60);
	tcase_add_loop_test(tc, test_obfd_large, 0, 2);
	tcase_add_loop_test(tc, test_obfdp, 0, 2);
	tcase_add_test(tc, test_obfdp_sorted);
	tcase_add_loop_test(tc, test_stream, 0, 50);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_flags_oneshot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
