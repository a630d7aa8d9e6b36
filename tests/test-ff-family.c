/* The First-Fit family (ff, ffd, ffs, mffd) and Harmonic-K (hk) against
 * plain reference implementations written straight from the textbook
 * rules: O(n*B) scans, linear searches, no trees.  On thousands of seeded
 * random inputs every plugin must give exactly the reference's bins (same
 * numbering, same items in the same order, same used), and the streaming
 * forms must emit exactly the reference's packs. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/seqpack.h>

#include "plugins/common/rng.h"

static seqpack_registry *reg;

static void setup(void)
{
	seqpack_error err;
	ck_assert_int_eq(seqpack_registry_open(NULL, &reg, &err), SEQPACK_OK);
	const char *names[] = {"ff", "ffd", "ffs", "mffd", "hk"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(seqpack_registry_find(reg, names[i]),
			      "plugin %s not loaded", names[i]);
}

static void teardown(void)
{
	reg = seqpack_registry_unref(reg);
}

/* ---- test inputs ---------------------------------------------------- */

/* Loop counts scale with $SEQPACK_TEST_SCALE (default 1), as in the other
 * tests, so a run under valgrind can be cut down; never below least. */
static unsigned scaled(unsigned base, unsigned least)
{
	const char *s = getenv("SEQPACK_TEST_SCALE");
	char *end = NULL;
	double f = s && *s ? strtod(s, &end) : 1.0;
	if (!(f > 0.0) || (end && *end != '\0'))
		f = 1.0;
	double v = (double)base * f;
	return v < (double)least ? least : (unsigned)v;
}

static uint64_t gen_state;

static uint64_t gen(void)
{
	uint64_t z = (gen_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t gen_in(uint32_t lo, uint32_t hi) /* [lo, hi] */
{
	return lo + (uint32_t)(gen() % ((uint64_t)hi - lo + 1));
}

/* One random instance of a random shape; returns its capacity. */
static uint32_t make_input(uint32_t *len, size_t n)
{
	static const uint32_t caps[] = {1, 2, 3, 6, 7, 10, 12, 60, 100,
					1000, 2048, 65537, 2147483647u};
	uint32_t cap = caps[gen() % (sizeof(caps) / sizeof(caps[0]))];
	if (gen() % 3 == 0)
		cap = gen_in(1, 300);
	uint32_t shape = (uint32_t)(gen() % 8), same = gen_in(1, cap);
	for (size_t i = 0; i < n; i++) {
		uint32_t v;
		switch (shape) {
		case 0: v = gen_in(1, cap); break;
		case 1: v = cap / gen_in(1, 40); break;      /* heavy tail */
		case 2: v = same; break;
		case 3: v = cap / 2 + gen_in(1, cap - cap / 2); break; /* > C/2 */
		case 4: v = gen_in(1, cap / 50 + 1); break;  /* tiny */
		case 5: v = cap; break;
		case 6: { /* around the MFFD and Harmonic class bounds */
			uint32_t d = gen_in(2, 7);
			v = cap / d + gen_in(0, 2) - 1;
			break;
		}
		default: v = gen() % 4 ? gen_in(cap / 7, cap / 2 + 1)
				       : gen_in(cap / 2, cap);
		}
		len[i] = v < 1 ? 1 : v > cap ? cap : v;
	}
	return cap;
}

/* ---- reference packings -------------------------------------------- */

/* A packing as a placement log, like the plugins build it. */
struct ref {
	size_t n, nbins;
	uint32_t *item, *bin; /* k-th placement: item[k] into bin[k] */
	uint64_t *used;
	uint32_t *count;
};

static void ref_init(struct ref *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->item = calloc(n + 1, sizeof(*r->item));
	r->bin = calloc(n + 1, sizeof(*r->bin));
	r->used = calloc(n + 1, sizeof(*r->used));
	r->count = calloc(n + 1, sizeof(*r->count));
	ck_assert(r->item && r->bin && r->used && r->count);
}

static void ref_free(struct ref *r)
{
	free(r->item);
	free(r->bin);
	free(r->used);
	free(r->count);
}

static int ref_fits(const struct ref *r, size_t b, uint32_t len,
		    uint32_t cap, uint32_t maxi)
{
	return (maxi == 0 || r->count[b] < maxi) && r->used[b] + len <= cap;
}

static void ref_put(struct ref *r, uint32_t item, size_t b, uint32_t len)
{
	if (b == r->nbins)
		r->nbins++;
	r->item[r->n] = item;
	r->bin[r->n++] = (uint32_t)b;
	r->used[b] += len;
	r->count[b]++;
}

/* First Fit over bins first_bin.. by a linear scan. */
static void ref_ff_item(struct ref *r, const uint32_t *len, uint32_t item,
			uint32_t cap, uint32_t maxi, size_t first_bin)
{
	size_t b = first_bin;
	while (b < r->nbins && !ref_fits(r, b, len[item], cap, maxi))
		b++;
	ref_put(r, item, b, len[item]);
}

static int by_len_desc(const void *a, const void *b, void *lens)
{
	const uint32_t *len = lens;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (len[x] != len[y])
		return len[x] > len[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void sort_desc(const uint32_t *len, size_t n, uint32_t *order)
{
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, n, sizeof(*order), by_len_desc, (void *)len);
}

static void ref_ff(const uint32_t *len, size_t n, uint32_t cap,
		   uint32_t maxi, const uint32_t *order, struct ref *r)
{
	for (size_t k = 0; k < n; k++)
		ref_ff_item(r, len, order ? order[k] : (uint32_t)k, cap, maxi,
			    0);
}

/* MFFD's five phases exactly as Johnson & Garey state them, bin by bin. */
static void ref_mffd(const uint32_t *len, size_t n, uint32_t cap,
		     uint32_t maxi, struct ref *r)
{
	uint32_t *order = malloc((n + 1) * sizeof(*order));
	char *taken = calloc(n + 1, 1), *has_medium = calloc(n + 1, 1);
	ck_assert(order && taken && has_medium);
	sort_desc(len, n, order);
	size_t a = 0, b, c;
	while (a < n && 2ull * len[order[a]] > cap)
		a++;
	for (b = a; b < n && 3ull * len[order[b]] > cap;)
		b++;
	for (c = b; c < n && 6ull * len[order[c]] > cap;)
		c++;
	for (size_t i = 0; i < a; i++)
		ref_put(r, order[i], i, len[order[i]]);
	/* Phase 2: medium items order[a..b). */
	for (size_t bin = 0; bin < a; bin++) {
		size_t smallest = b;
		for (size_t i = a; i < b; i++)
			if (!taken[i])
				smallest = i;
		if (smallest == b ||
		    !ref_fits(r, bin, len[order[smallest]], cap, maxi))
			continue;
		for (size_t i = a; i < b; i++)
			if (!taken[i] &&
			    ref_fits(r, bin, len[order[i]], cap, maxi)) {
				taken[i] = 1;
				has_medium[bin] = 1;
				ref_put(r, order[i], bin, len[order[i]]);
				break;
			}
	}
	/* Phase 3: small items order[b..c), bins right to left. */
	for (size_t bin = a; bin-- > 0;) {
		if (has_medium[bin])
			continue;
		size_t s1 = c, s2 = c;
		for (size_t i = b; i < c; i++)
			if (!taken[i]) {
				s2 = s1;
				s1 = i;
			}
		if (s2 == c)
			continue;
		if ((maxi && r->count[bin] + 2 > maxi) ||
		    r->used[bin] + len[order[s1]] + len[order[s2]] > cap)
			continue;
		taken[s1] = 1;
		ref_put(r, order[s1], bin, len[order[s1]]);
		for (size_t i = b; i < c; i++)
			if (!taken[i] &&
			    ref_fits(r, bin, len[order[i]], cap, maxi)) {
				taken[i] = 1;
				ref_put(r, order[i], bin, len[order[i]]);
				break;
			}
	}
	/* Phase 4: forward through the A-bins, largest fitting first. */
	for (size_t bin = 0; bin < a; bin++)
		for (size_t i = a; i < n; i++)
			if (!taken[i] &&
			    ref_fits(r, bin, len[order[i]], cap, maxi)) {
				taken[i] = 1;
				ref_put(r, order[i], bin, len[order[i]]);
			}
	/* Phase 5: FFD of the rest into new bins. */
	for (size_t i = a; i < n; i++)
		if (!taken[i])
			ref_ff_item(r, len, order[i], cap, maxi, a);
	free(order);
	free(taken);
	free(has_medium);
}

/* Harmonic-K with one plain array slot per class. */
static void ref_hk(const uint32_t *len, size_t n, uint32_t cap,
		   uint32_t maxi, uint32_t k, struct ref *r)
{
	size_t classes = (k < cap ? k : cap) + 1;
	size_t *open = malloc(classes * sizeof(*open));
	ck_assert(open);
	for (size_t i = 0; i < classes; i++)
		open[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		uint32_t cls = cap / len[i] >= k ? k : cap / len[i];
		uint32_t limit = cls < k ? cls : UINT32_MAX;
		if (maxi && maxi < limit)
			limit = maxi;
		size_t slot = cls < classes ? cls : classes - 1;
		size_t b = open[slot];
		if (b == SIZE_MAX || r->count[b] >= limit ||
		    r->used[b] + len[i] > cap)
			b = open[slot] = r->nbins;
		ref_put(r, (uint32_t)i, b, len[i]);
	}
	free(open);
}

/* The plugin's result must be the reference, bin for bin. */
static void expect_same(const seqpack_result *res, const struct ref *r,
			const char *what)
{
	ck_assert_msg(res->nbins == r->nbins, "%s: %zu bins, reference %zu",
		      what, res->nbins, r->nbins);
	uint32_t *pos = calloc(r->nbins + 1, sizeof(*pos));
	ck_assert(pos);
	for (size_t k = 0; k < r->n; k++)
		pos[r->bin[k] + 1]++;
	for (size_t b = 0; b < r->nbins; b++) {
		pos[b + 1] += pos[b];
		ck_assert_msg(res->offsets[b] == pos[b] &&
				      res->used[b] == r->used[b],
			      "%s: bin %zu differs", what, b);
	}
	for (size_t k = 0; k < r->n; k++)
		ck_assert_msg(res->items[pos[r->bin[k]]++] == r->item[k],
			      "%s: item order differs in bin %u", what,
			      r->bin[k]);
	free(pos);
}

static seqpack_result *pack(const char *alg, const uint32_t *len, size_t n,
			    uint32_t cap, uint32_t maxi, uint32_t k,
			    uint64_t seed)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = cap;
	p.max_items = maxi;
	p.k = k;
	p.seed = seed;
	p.flags |= SEQPACK_PARAM_VERIFY;
	seqpack_result *res = NULL;
	seqpack_error err;
	int rc = seqpack_pack(reg, alg, len, n, &p, &res, &err);
	ck_assert_msg(rc == SEQPACK_OK, "%s: %s", alg, err.message);
	return res;
}

static uint32_t random_max_items(void)
{
	uint32_t m = (uint32_t)(gen() % 6);
	return m < 3 ? 0 : m - 2; /* 0 half the time, else 1..3 */
}

START_TEST(test_against_reference)
{
	enum { MAXN = 60 };
	const unsigned rounds = scaled(3000, 50);
	uint32_t len[MAXN], order[MAXN];
	gen_state = 20261125;
	for (unsigned round = 0; round < rounds; round++) {
		size_t n = (size_t)(gen() % (MAXN + 1));
		uint32_t cap = make_input(len, n);
		uint32_t maxi = random_max_items();
		uint32_t k = gen_in(1, 12);
		uint64_t seed = gen();
		struct ref r;
		seqpack_result *res;

		ref_init(&r, n);
		ref_ff(len, n, cap, maxi, NULL, &r);
		res = pack("ff", len, n, cap, maxi, k, seed);
		expect_same(res, &r, "ff");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, n);
		sort_desc(len, n, order);
		ref_ff(len, n, cap, maxi, order, &r);
		res = pack("ffd", len, n, cap, maxi, k, seed);
		expect_same(res, &r, "ffd");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, n);
		struct rng g;
		rng_seed(&g, seed);
		for (size_t i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		rng_shuffle(&g, order, n);
		ref_ff(len, n, cap, maxi, order, &r);
		res = pack("ffs", len, n, cap, maxi, k, seed);
		expect_same(res, &r, "ffs");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, n);
		ref_mffd(len, n, cap, maxi, &r);
		res = pack("mffd", len, n, cap, maxi, k, seed);
		expect_same(res, &r, "mffd");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, n);
		ref_hk(len, n, cap, maxi, k, &r);
		res = pack("hk", len, n, cap, maxi, k, seed);
		expect_same(res, &r, "hk");
		seqpack_result_free(res);
		ref_free(&r);
	}
}
END_TEST

/* Long inputs make the FF tree grow through several doublings (it
 * starts with 64 blocks of 16 bins: 2048 bins force one) and fill blocks
 * unevenly. */
START_TEST(test_large_against_reference)
{
	const size_t N = scaled(8000, 2048);
	uint32_t *len = malloc(N * sizeof(*len));
	uint32_t *order = malloc(N * sizeof(*order));
	ck_assert(len && order);
	gen_state = 77;
	for (int round = 0; round < 6; round++) {
		uint32_t cap = round % 2 ? 1000 : 2147483647u;
		for (size_t i = 0; i < N; i++)
			len[i] = round < 4 ? gen_in(1, cap)
					   : gen_in(cap / 2 + 1, cap); /* B = n */
		uint32_t maxi = round == 2 ? 3 : 0;
		struct ref r;
		ref_init(&r, N);
		ref_ff(len, N, cap, maxi, NULL, &r);
		seqpack_result *res = pack("ff", len, N, cap, maxi, 10, 1);
		expect_same(res, &r, "ff");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, N);
		sort_desc(len, N, order);
		ref_ff(len, N, cap, maxi, order, &r);
		res = pack("ffd", len, N, cap, maxi, 10, 1);
		expect_same(res, &r, "ffd");
		seqpack_result_free(res);
		ref_free(&r);

		ref_init(&r, N);
		ref_mffd(len, N, cap, maxi, &r);
		res = pack("mffd", len, N, cap, maxi, 10, 1);
		expect_same(res, &r, "mffd");
		seqpack_result_free(res);
		ref_free(&r);
	}
	free(len);
	free(order);
}
END_TEST

/* ---- streaming ------------------------------------------------------- */

struct packs {
	size_t npacks, nids;
	uint64_t ids[4096];
	size_t count[4096];
	uint64_t used[4096];
};

static int collect(void *ctx, uint64_t pack_no, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct packs *p = ctx;
	ck_assert_uint_eq(pack_no, p->npacks);
	ck_assert(p->nids + count <= 4096 && p->npacks < 4096);
	memcpy(p->ids + p->nids, ids, count * sizeof(*ids));
	p->nids += count;
	p->count[p->npacks] = count;
	p->used[p->npacks++] = used;
	return 0;
}

static void emit_ref(struct packs *p, const uint64_t *ids, size_t count,
		     uint64_t used)
{
	memcpy(p->ids + p->nids, ids, count * sizeof(*ids));
	p->nids += count;
	p->count[p->npacks] = count;
	p->used[p->npacks++] = used;
}

/* Streaming FF as the issue states it, on a plain list of open bins. */
static void ref_ff_stream(const uint32_t *len, size_t n, uint32_t cap,
			  uint32_t maxi, uint32_t max_open, struct packs *out)
{
	enum { MAXB = 64 };
	uint64_t ids[MAXB][64], used[MAXB];
	size_t count[MAXB], open = 0;
	ck_assert(max_open <= MAXB && n <= 64);
	for (size_t i = 0; i < n; i++) {
		size_t b = 0;
		while (b < open && !((maxi == 0 || count[b] < maxi) &&
				     used[b] + len[i] <= cap))
			b++;
		if (b == open) {
			if (open == max_open) {
				size_t f = 0;
				for (size_t j = 1; j < open; j++)
					if (used[j] > used[f])
						f = j;
				emit_ref(out, ids[f], count[f], used[f]);
				for (size_t j = f; j + 1 < open; j++) {
					memcpy(ids[j], ids[j + 1], sizeof(ids[j]));
					used[j] = used[j + 1];
					count[j] = count[j + 1];
				}
				open--;
				b = open;
			}
			used[b] = 0;
			count[b] = 0;
			open++;
		}
		ids[b][count[b]++] = 1000 + i;
		used[b] += len[i];
		if (used[b] == cap || count[b] == maxi) {
			emit_ref(out, ids[b], count[b], used[b]);
			for (size_t j = b; j + 1 < open; j++) {
				memcpy(ids[j], ids[j + 1], sizeof(ids[j]));
				used[j] = used[j + 1];
				count[j] = count[j + 1];
			}
			open--;
		}
	}
	for (size_t b = 0; b < open; b++)
		emit_ref(out, ids[b], count[b], used[b]);
}

/* Streaming HK: a class's bin is emitted when it closes or fills. */
static void ref_hk_stream(const uint32_t *len, size_t n, uint32_t cap,
			  uint32_t maxi, uint32_t k, struct packs *out)
{
	enum { MAXC = 16 };
	uint64_t ids[MAXC][64], used[MAXC];
	size_t count[MAXC], age[MAXC], opened = 0;
	ck_assert(k < MAXC && n <= 64);
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cap / len[i] >= k ? k : cap / len[i];
		uint64_t limit = c < k ? c : UINT32_MAX;
		if (maxi && maxi < limit)
			limit = maxi;
		if (count[c] && used[c] + len[i] > cap) {
			emit_ref(out, ids[c], count[c], used[c]);
			count[c] = 0;
		}
		if (count[c] == 0) {
			used[c] = 0;
			age[c] = opened++;
		}
		ids[c][count[c]++] = 1000 + i;
		used[c] += len[i];
		if (count[c] == limit || used[c] == cap) {
			emit_ref(out, ids[c], count[c], used[c]);
			count[c] = 0;
		}
	}
	for (;;) { /* finish: oldest open bin first */
		size_t best = MAXC;
		for (size_t c = 0; c < MAXC; c++)
			if (count[c] && (best == MAXC || age[c] < age[best]))
				best = c;
		if (best == MAXC)
			break;
		emit_ref(out, ids[best], count[best], used[best]);
		count[best] = 0;
	}
}

static void run_stream(const char *alg, const uint32_t *len, size_t n,
		       uint32_t cap, uint32_t maxi, uint32_t k,
		       uint32_t max_open, struct packs *out)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = cap;
	p.max_items = maxi;
	p.k = k;
	p.max_open = max_open;
	seqpack_stream *s;
	seqpack_error err;
	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(seqpack_stream_open(reg, alg, &p, collect, out, &s,
					     &err), SEQPACK_OK);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(seqpack_stream_push(s, 1000 + i, len[i], &err) ==
				      SEQPACK_OK, "%s", err.message);
	ck_assert_int_eq(seqpack_stream_finish(s, &err), SEQPACK_OK);
	ck_assert_uint_eq(seqpack_stream_packs(s), out->npacks);
	seqpack_stream_free(s);
}

static void expect_same_packs(const struct packs *a, const struct packs *b,
			      const char *what)
{
	ck_assert_msg(a->npacks == b->npacks && a->nids == b->nids,
		      "%s: %zu packs, reference %zu", what, a->npacks,
		      b->npacks);
	ck_assert_msg(memcmp(a->ids, b->ids, a->nids * sizeof(*a->ids)) == 0,
		      "%s: ids differ", what);
	for (size_t i = 0; i < a->npacks; i++)
		ck_assert_msg(a->count[i] == b->count[i] &&
				      a->used[i] == b->used[i],
			      "%s: pack %zu differs", what, i);
}

START_TEST(test_stream_against_reference)
{
	enum { MAXN = 64 };
	uint32_t len[MAXN];
	static struct packs got, want;
	const unsigned rounds = scaled(3000, 50);
	gen_state = 4242;
	for (unsigned round = 0; round < rounds; round++) {
		size_t n = (size_t)(gen() % (MAXN + 1));
		uint32_t cap = make_input(len, n);
		uint32_t maxi = random_max_items();
		uint32_t max_open = gen_in(1, 6);
		if (round % 5 == 0)
			max_open = 64;
		run_stream("ff", len, n, cap, maxi, 10, max_open, &got);
		memset(&want, 0, sizeof(want));
		ref_ff_stream(len, n, cap, maxi, max_open, &want);
		expect_same_packs(&got, &want, "ff stream");

		uint32_t k = gen_in(1, 12);
		run_stream("hk", len, n, cap, maxi, k, 64, &got);
		memset(&want, 0, sizeof(want));
		ref_hk_stream(len, n, cap, maxi, k, &want);
		expect_same_packs(&got, &want, "hk stream");
	}
}
END_TEST

/* A stream with more room than bins packs exactly like the offline call,
 * and so does HK, whatever the order in which packs come out. */
START_TEST(test_stream_matches_offline)
{
	enum { N = 1500 };
	uint32_t *len = malloc(N * sizeof(*len));
	struct packs *got = malloc(sizeof(*got));
	ck_assert(len && got);
	gen_state = 99;
	const char *algs[] = {"ff", "hk"};
	const unsigned rounds = scaled(20, 5);
	for (unsigned round = 0; round < rounds; round++) {
		uint32_t cap = make_input(len, N);
		if (cap > 4000)
			continue; /* keep the packs within struct packs */
		uint32_t maxi = random_max_items();
		for (int a = 0; a < 2; a++) {
			seqpack_result *res = pack(algs[a], len, N, cap, maxi,
						   7, 0);
			run_stream(algs[a], len, N, cap, maxi, 7, N, got);
			ck_assert_uint_eq(got->npacks, res->nbins);
			/* Match packs by their first id. */
			size_t *start = malloc(N * sizeof(*start));
			ck_assert(start);
			for (size_t i = 0; i < N; i++)
				start[i] = SIZE_MAX;
			for (size_t b = 0; b < res->nbins; b++)
				start[res->items[res->offsets[b]]] = b;
			size_t at = 0;
			for (size_t p = 0; p < got->npacks; p++) {
				size_t b = start[got->ids[at] - 1000];
				ck_assert(b != SIZE_MAX);
				ck_assert_uint_eq(got->count[p],
						  res->offsets[b + 1] -
							  res->offsets[b]);
				ck_assert_uint_eq(got->used[p], res->used[b]);
				for (size_t j = 0; j < got->count[p]; j++)
					ck_assert_uint_eq(
						got->ids[at + j] - 1000,
						res->items[res->offsets[b] + j]);
				at += got->count[p];
			}
			free(start);
			seqpack_result_free(res);
		}
	}
	free(len);
	free(got);
}
END_TEST

/* ---- fixed answers ------------------------------------------------ */

static size_t bins_of(const char *alg, const uint32_t *len, size_t n,
		      uint32_t cap, uint32_t maxi, uint32_t k)
{
	seqpack_result *res = pack(alg, len, n, cap, maxi, k,
				   SEQPACK_DEFAULT_SEED);
	size_t b = res->nbins;
	seqpack_result_free(res);
	return b;
}

START_TEST(test_golden)
{
	/* No 6 pairs with anything at C = 10: OPT = 3 = {6} {6} {5,5}. */
	const uint32_t nf_bad[] = {6, 5, 6, 5};
	const char *all[] = {"ff", "ffd", "ffs", "mffd", "hk"};
	for (int a = 0; a < 5; a++)
		ck_assert_uint_eq(bins_of(all[a], nf_bad, 4, 10, 0, 10), 3);
	/* Perfect pairs: every FF variant finds them, hk does not mix
	 * classes 1 (7) and 3 (3). */
	const uint32_t pairs[] = {7, 3, 7, 3, 3, 7};
	ck_assert_uint_eq(bins_of("ff", pairs, 6, 10, 0, 10), 3);
	ck_assert_uint_eq(bins_of("ffd", pairs, 6, 10, 0, 10), 3);
	ck_assert_uint_eq(bins_of("mffd", pairs, 6, 10, 0, 10), 3);
	ck_assert_uint_eq(bins_of("hk", pairs, 6, 10, 0, 10), 4);

	/* C = 60: 36 is large, 14, 12 and 11 are small.  Phase 3 puts the
	 * smallest small item (11) beside 36, then the largest that still
	 * fits (12); FFD would pair 36 with 14 instead. */
	const uint32_t pair[] = {36, 14, 12, 11};
	const uint32_t want_mffd[] = {0, 3, 2, 1}, want_ffd[] = {0, 1, 2, 3};
	seqpack_result *m = pack("mffd", pair, 4, 60, 0, 10, 0);
	seqpack_result *f = pack("ffd", pair, 4, 60, 0, 10, 0);
	ck_assert_uint_eq(m->nbins, 2);
	ck_assert_uint_eq(m->offsets[1], 3);
	ck_assert_uint_eq(f->nbins, 2);
	ck_assert_uint_eq(f->offsets[1], 2);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(m->items[i], want_mffd[i]);
		ck_assert_uint_eq(f->items[i], want_ffd[i]);
	}
	seqpack_result_free(m);
	seqpack_result_free(f);

	const uint32_t full[] = {7, 7, 7};
	const char *algs[] = {"ff", "ffd", "ffs", "mffd", "hk"};
	for (size_t a = 0; a < 5; a++) {
		ck_assert_uint_eq(bins_of(algs[a], full, 3, 7, 0, 10), 3);
		ck_assert_uint_eq(bins_of(algs[a], NULL, 0, 7, 0, 10), 0);
		const uint32_t ones[] = {1, 1, 1, 1, 1};
		ck_assert_uint_eq(bins_of(algs[a], ones, 5, 100, 2, 10), 3);
		/* The last three fill a bin exactly; hk separates classes. */
		const uint32_t big[] = {2147483647u, 1073741824u,
					1073741822u, 1};
		ck_assert_uint_eq(bins_of(algs[a], big, 4, 2147483647u, 0, 10),
				  a == 4 ? 4 : 2);
	}
}
END_TEST

/* The shuffle is part of ffs's output format: pin the generator and one
 * packing so a change to either is noticed. */
START_TEST(test_ffs_reproducible)
{
	struct rng g;
	rng_seed(&g, 0);
	/* splitmix64(0)'s first output, the published test value. */
	ck_assert_uint_eq(g.s[0], 0xe220a8397b1dcdafULL);
	uint32_t a[10];
	for (uint32_t i = 0; i < 10; i++)
		a[i] = i;
	rng_seed(&g, SEQPACK_DEFAULT_SEED);
	rng_shuffle(&g, a, 10);
	uint32_t sum = 0, moved = 0;
	for (uint32_t i = 0; i < 10; i++) {
		sum += a[i];
		moved += a[i] != i;
	}
	ck_assert_uint_eq(sum, 45);
	ck_assert_uint_gt(moved, 0);

	uint32_t len[200];
	gen_state = 5;
	for (size_t i = 0; i < 200; i++)
		len[i] = gen_in(1, 100);
	seqpack_result *x = pack("ffs", len, 200, 100, 0, 10, 12345);
	seqpack_result *y = pack("ffs", len, 200, 100, 0, 10, 12345);
	seqpack_result *z = pack("ffs", len, 200, 100, 0, 10, 12346);
	ck_assert_uint_eq(x->nbins, y->nbins);
	ck_assert(memcmp(x->items, y->items, 200 * sizeof(*x->items)) == 0);
	ck_assert(memcmp(x->items, z->items, 200 * sizeof(*x->items)) != 0);
	seqpack_result_free(x);
	seqpack_result_free(y);
	seqpack_result_free(z);
}
END_TEST

/* Offline algorithms refuse to stream; k far above the capacity is
 * fine for hk. */
START_TEST(test_params)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	seqpack_stream *s = NULL;
	seqpack_error err;
	const char *offline[] = {"ffd", "ffs", "mffd"};
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(seqpack_stream_open(reg, offline[i], &p,
						     collect, NULL, &s, &err),
				 SEQPACK_ERR_UNSUPPORTED);
	uint32_t len[300];
	gen_state = 8;
	for (size_t i = 0; i < 300; i++)
		len[i] = gen_in(1, 2000000);
	struct ref r;
	ref_init(&r, 300);
	ref_hk(len, 300, 2000000, 0, 4000000000u, &r);
	seqpack_result *res = pack("hk", len, 300, 2000000, 0, 4000000000u, 0);
	expect_same(res, &r, "hk huge k");
	seqpack_result_free(res);
	ref_free(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ff-family");
	TCase *tc = tcase_create("all");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_against_reference);
	tcase_add_test(tc, test_large_against_reference);
	tcase_add_test(tc, test_stream_against_reference);
	tcase_add_test(tc, test_stream_matches_offline);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_ffs_reproducible);
	tcase_add_test(tc, test_params);
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
