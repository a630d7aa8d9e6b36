/* Shared test helpers; see testlib.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

const char *const tl_algorithms[TL_NALGS] = {
	"nf", "ff", "bf", "wf", "ffd", "bfd", "ffs", "mffd", "obfd", "obfdp", "hk",
};

const char *const tl_streaming[TL_NSTREAMING] = {"nf", "ff", "bf", "wf", "hk"};

/* ------------------------------------------------------------------ */

void tl_rng_seed(tl_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t tl_rng_next(tl_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t tl_rng_below(tl_rng *r, uint64_t bound)
{
	/* Rejection keeps the distribution exact; bias would not matter for
	 * tests, but exactness keeps inputs easy to reason about. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t x;
	do
		x = tl_rng_next(r);
	while (x >= limit);
	return x % bound;
}

uint32_t tl_rng_range(tl_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)tl_rng_below(r, (uint64_t)hi - lo + 1);
}

double tl_rng_unit(tl_rng *r)
{
	return (double)(tl_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------------ */

const char *tl_shape_name(enum tl_shape shape)
{
	static const char *const names[TL_NSHAPES] = {
		"uniform", "heavy", "equal", "big", "tiny", "full", "mixed", "hard",
	};
	return shape < TL_NSHAPES ? names[shape] : "?";
}

static uint32_t clamp_len(double x, uint32_t capacity)
{
	if (!(x >= 1.0))
		return 1;
	if (x >= (double)capacity)
		return capacity;
	return (uint32_t)x;
}

static uint32_t gen_one(tl_rng *r, enum tl_shape shape, uint32_t c)
{
	switch (shape) {
	case TL_UNIFORM:
		return tl_rng_range(r, 1, c);
	case TL_HEAVY: {
		/* Lognormal with the median at C/30 and sigma 1.5: the shape
		 * of real token-length histograms. */
		double u1 = tl_rng_unit(r), u2 = tl_rng_unit(r);
		double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
		return clamp_len(exp(log((double)c / 30.0) + 1.5 * z), c);
	}
	case TL_BIG:
		return tl_rng_range(r, c / 2 + 1, c);
	case TL_TINY:
		return tl_rng_range(r, 1, c / 100 > 1 ? c / 100 : 1);
	case TL_FULL:
		return c;
	case TL_HARD: {
		uint32_t lo = c / 5 + 1 < c ? c / 5 + 1 : c;
		uint32_t hi = c / 2 > lo ? c / 2 : lo;
		return tl_rng_range(r, lo, hi);
	}
	case TL_EQUAL:
	case TL_MIXED:
	case TL_NSHAPES:
		break;
	}
	return 1;
}

void tl_gen(tl_rng *r, enum tl_shape shape, uint32_t capacity,
	    uint32_t *lengths, size_t n)
{
	static const enum tl_shape parts[] = {TL_UNIFORM, TL_HEAVY, TL_BIG,
					      TL_TINY, TL_FULL, TL_HARD};
	uint32_t v = tl_rng_range(r, 1, capacity);
	for (size_t i = 0; i < n; i++) {
		if (shape == TL_EQUAL)
			lengths[i] = v;
		else if (shape == TL_MIXED)
			lengths[i] = gen_one(r, parts[tl_rng_below(r, 6)],
					     capacity);
		else
			lengths[i] = gen_one(r, shape, capacity);
	}
}

/* ------------------------------------------------------------------ */

int tl_check_packing(const uint32_t *lengths, size_t n, uint32_t capacity,
		     uint32_t max_items, const seqpack_result *r, char *why,
		     size_t whylen)
{
	if (r->n != n) {
		snprintf(why, whylen, "result has n=%zu, input %zu", r->n, n);
		return 0;
	}
	if (r->nbins > n || (n > 0 && r->nbins == 0)) {
		snprintf(why, whylen, "%zu bins for %zu items", r->nbins, n);
		return 0;
	}
	if (r->offsets[0] != 0 || r->offsets[r->nbins] != n) {
		snprintf(why, whylen, "offsets run %u..%u, not 0..%zu",
			 r->offsets[0], r->offsets[r->nbins], n);
		return 0;
	}
	unsigned char *seen = calloc(n + 1, 1);
	if (!seen) {
		snprintf(why, whylen, "checker out of memory");
		return 0;
	}
	int ok = 1;
	for (size_t b = 0; b < r->nbins && ok; b++) {
		uint32_t lo = r->offsets[b], hi = r->offsets[b + 1];
		if (hi <= lo || hi > n) {
			snprintf(why, whylen, "bin %zu has offsets %u..%u", b, lo, hi);
			ok = 0;
			break;
		}
		if (max_items && hi - lo > max_items) {
			snprintf(why, whylen, "bin %zu has %u items > max_items %u",
				 b, hi - lo, max_items);
			ok = 0;
			break;
		}
		uint64_t sum = 0;
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t idx = r->items[j];
			if (idx >= n || seen[idx]) {
				snprintf(why, whylen,
					 "bin %zu: index %u out of range or repeated",
					 b, idx);
				ok = 0;
				break;
			}
			seen[idx] = 1;
			sum += lengths[idx];
		}
		if (!ok)
			break;
		if (sum > capacity) {
			snprintf(why, whylen, "bin %zu holds %llu > capacity %u", b,
				 (unsigned long long)sum, capacity);
			ok = 0;
		} else if (sum != r->used[b]) {
			snprintf(why, whylen, "bin %zu used %u, true sum %llu", b,
				 r->used[b], (unsigned long long)sum);
			ok = 0;
		}
	}
	for (size_t i = 0; i < n && ok; i++)
		if (!seen[i]) {
			snprintf(why, whylen, "index %zu is in no bin", i);
			ok = 0;
		}
	free(seen);
	return ok;
}

int tl_same_result(const seqpack_result *a, const seqpack_result *b)
{
	if (a->n != b->n || a->nbins != b->nbins)
		return 0;
	return memcmp(a->items, b->items, a->n * sizeof(uint32_t)) == 0 &&
	       memcmp(a->offsets, b->offsets,
		      (a->nbins + 1) * sizeof(uint32_t)) == 0 &&
	       memcmp(a->used, b->used, a->nbins * sizeof(uint32_t)) == 0;
}

uint64_t tl_lower_bound(const uint32_t *lengths, size_t n, uint32_t capacity,
			uint32_t max_items)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += lengths[i];
	uint64_t lb = (sum + capacity - 1) / capacity;
	if (max_items) {
		uint64_t lc = (n + max_items - 1) / max_items;
		if (lc > lb)
			lb = lc;
	}
	return lb;
}

/* ------------------------------------------------------------------ */
/* Exact solver: items in descending order, each either joins an open bin
 * (bins with the same load and count are interchangeable, so only the
 * first is tried) or opens a new one; a branch is cut when it cannot beat
 * the best found, using the free space and free slots of its bins. */

struct bb {
	uint32_t len[TL_EXACT_MAX];
	uint64_t rest[TL_EXACT_MAX + 1]; /* sum of len[i..n-1] */
	uint64_t load[TL_EXACT_MAX];
	uint32_t cnt[TL_EXACT_MAX];
	size_t n;
	uint64_t cap;
	uint32_t maxi;
	unsigned best, lb;
};

static void bb_search(struct bb *b, size_t i, unsigned nb)
{
	if (b->best == b->lb || nb >= b->best)
		return;
	if (i == b->n) {
		b->best = nb;
		return;
	}
	uint64_t space = 0, slots = 0;
	for (unsigned j = 0; j < nb; j++)
		if (b->cnt[j] < b->maxi) {
			space += b->cap - b->load[j];
			slots += b->maxi - b->cnt[j];
		}
	if (b->rest[i] > space &&
	    nb + (b->rest[i] - space + b->cap - 1) / b->cap >= b->best)
		return;
	uint64_t left = b->n - i;
	if (left > slots &&
	    nb + (left - slots + b->maxi - 1) / b->maxi >= b->best)
		return;
	uint32_t x = b->len[i];
	for (unsigned j = 0; j < nb; j++) {
		if (b->cnt[j] >= b->maxi || b->load[j] + x > b->cap)
			continue;
		int twin = 0;
		for (unsigned t = 0; t < j && !twin; t++)
			twin = b->load[t] == b->load[j] && b->cnt[t] == b->cnt[j];
		if (twin)
			continue;
		b->load[j] += x;
		b->cnt[j]++;
		bb_search(b, i + 1, nb);
		b->load[j] -= x;
		b->cnt[j]--;
	}
	b->load[nb] = x;
	b->cnt[nb] = 1;
	bb_search(b, i + 1, nb + 1);
}

static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x < y) - (x > y);
}

unsigned tl_opt_bins(const uint32_t *lengths, size_t n, uint32_t capacity,
		     uint32_t max_items)
{
	ck_assert_msg(n <= TL_EXACT_MAX, "exact solver given n=%zu", n);
	if (n == 0)
		return 0;
	struct bb b;
	memset(&b, 0, sizeof(b));
	memcpy(b.len, lengths, n * sizeof(uint32_t));
	qsort(b.len, n, sizeof(uint32_t), cmp_desc);
	b.n = n;
	b.cap = capacity;
	b.maxi = max_items ? max_items : UINT32_MAX;
	b.rest[n] = 0;
	for (size_t i = n; i-- > 0;)
		b.rest[i] = b.rest[i + 1] + b.len[i];
	b.lb = (unsigned)tl_lower_bound(lengths, n, capacity, max_items);
	b.best = (unsigned)n; /* one bin per item is always feasible */
	bb_search(&b, 0, 0);
	return b.best;
}

/* Harmonic-K: the derivation is in test-optimal.c. */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

double tl_hk_wmax(uint32_t k)
{
	ck_assert_msg(k >= 2 && k <= TL_HK_KMAX, "w(k) for k=%u", k);
	uint64_t L = 1;
	for (uint64_t i = 2; i <= k; i++)
		L = L / gcd64(L, i) * i;
	/* best[c]: largest weight of a multiset of classes 1..k-1 whose
	 * sizes sum to exactly c (in units of C/L); -1 when impossible. */
	double *best = malloc(L * sizeof(double));
	ck_assert_ptr_nonnull(best);
	best[0] = 0.0;
	for (uint64_t c = 1; c < L; c++) {
		best[c] = -1.0;
		for (uint64_t i = 1; i < k; i++) {
			uint64_t s = L / (i + 1);
			if (s <= c && best[c - s] >= 0.0 &&
			    best[c - s] + 1.0 / (double)i > best[c])
				best[c] = best[c - s] + 1.0 / (double)i;
		}
	}
	double w = 0.0;
	double dens = (double)k / (double)(k - 1);
	for (uint64_t c = 0; c < L; c++) {
		if (best[c] < 0.0)
			continue;
		double v = best[c] + dens * (double)(L - c) / (double)L;
		if (v > w)
			w = v;
	}
	free(best);
	return w;
}

/* The class of a length as the plugin defines it: min(floor(C/len), k). */
static uint32_t hk_class(uint32_t len, uint32_t capacity, uint32_t k)
{
	uint32_t c = capacity / len;
	return c < k ? c : k;
}

int tl_hk_bound_ok(size_t bins, uint64_t opt, const uint32_t *len,
		   size_t n, uint32_t capacity, uint32_t k, double *bound)
{
	static double wmax[TL_HK_KMAX + 1];
	ck_assert_msg(k >= 1 && k <= TL_HK_KMAX, "no Harmonic-K bound for k=%u", k);
	if (k == 1) {
		*bound = 2.0 * (double)opt - 1.0;
		return bins + 1 <= 2 * opt;
	}
	int used[TL_HK_KMAX + 1] = {0};
	unsigned classes = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = hk_class(len[i], capacity, k);
		if (!used[c]) {
			used[c] = 1;
			classes++;
		}
	}
	/* HK < w OPT + c; the slack only covers rounding of w. */
	if (wmax[k] == 0.0)
		wmax[k] = tl_hk_wmax(k);
	*bound = wmax[k] * (double)opt + classes;
	return (double)bins <= *bound + 1e-9;
}

const char *tl_fmt_instance(const uint32_t *lengths, size_t n,
			    uint32_t capacity, char *buf, size_t len)
{
	size_t used = 0;
	int w = snprintf(buf, len, "C=%u n=%zu [", capacity, n);
	if (w < 0 || (size_t)w >= len)
		return buf;
	used = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		w = snprintf(buf + used, len - used, "%s%u", i ? "," : "",
			     lengths[i]);
		if (w < 0 || (size_t)w >= len - used) {
			if (len > 4)
				memcpy(buf + len - 4, "...", 4);
			return buf;
		}
		used += (size_t)w;
	}
	snprintf(buf + used, len - used, "]");
	return buf;
}

/* ------------------------------------------------------------------ */

double tl_scale(void)
{
	const char *s = getenv("SEQPACK_TEST_SCALE");
	if (!s || !*s)
		return 1.0;
	char *end;
	double v = strtod(s, &end);
	return (*end == '\0' && v > 0.0) ? v : 1.0;
}

unsigned tl_iters(unsigned base)
{
	double v = (double)base * tl_scale();
	return v < 1.0 ? 1u : (unsigned)v;
}

seqpack_registry *tl_registry(void)
{
	seqpack_registry *reg = NULL;
	seqpack_error err = {0};
	int rc = seqpack_registry_open(NULL, &reg, &err);
	ck_assert_msg(rc == SEQPACK_OK, "registry_open: %s", err.message);
	return reg;
}

char *tl_builddir_path(const char *sub)
{
	const char *top = getenv("abs_top_builddir");
	char *p = NULL;
	if (asprintf(&p, "%s/%s", top && *top ? top : ".", sub) < 0)
		ck_abort_msg("out of memory");
	return p;
}

seqpack_result *tl_pack(const seqpack_registry *reg, const char *alg,
			const uint32_t *lengths, size_t n,
			const seqpack_params *p)
{
	seqpack_result *r = NULL;
	seqpack_error err = {0};
	int rc = seqpack_pack(reg, alg, lengths, n, p, &r, &err);
	if (rc != SEQPACK_OK) {
		char buf[512];
		ck_abort_msg("%s failed (%s) on %s max_items=%u: %s", alg,
			     seqpack_strerror(rc),
			     tl_fmt_instance(lengths, n, p->capacity, buf,
					     sizeof(buf)),
			     p->max_items, err.message);
	}
	return r;
}

void tl_require(const seqpack_registry *reg, const char *alg)
{
	ck_assert_msg(seqpack_registry_find(reg, alg) != NULL,
		      "algorithm '%s' is not loaded from SEQPACK_PLUGIN_PATH=%s",
		      alg, getenv("SEQPACK_PLUGIN_PATH") ? getenv("SEQPACK_PLUGIN_PATH") : "(unset)");
}

int tl_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
