/* Helpers shared by the check test programs: a seeded PRNG, generators of
 * input shapes, a packing checker that does not trust seqpack_verify(),
 * an exact solver for small instances, and glue for the registry. */
#ifndef SEQPACK_TESTLIB_H
#define SEQPACK_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include <seqpack/seqpack.h>

/* The eleven algorithms every complete build must load, in the order of
 * the design document. */
#define TL_NALGS 11
extern const char *const tl_algorithms[TL_NALGS];

/* Streaming algorithms (nf ff bf wf hk). */
#define TL_NSTREAMING 5
extern const char *const tl_streaming[TL_NSTREAMING];

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64, so a seed gives the same inputs on every machine. */

typedef struct tl_rng {
	uint64_t s;
} tl_rng;

void tl_rng_seed(tl_rng *r, uint64_t seed);
uint64_t tl_rng_next(tl_rng *r);
/* Uniform in [0, bound); bound > 0. */
uint64_t tl_rng_below(tl_rng *r, uint64_t bound);
/* Uniform in [lo, hi]; lo <= hi. */
uint32_t tl_rng_range(tl_rng *r, uint32_t lo, uint32_t hi);
/* Uniform in [0, 1). */
double tl_rng_unit(tl_rng *r);

/* ------------------------------------------------------------------ */
/* Input shapes. */

enum tl_shape {
	TL_UNIFORM, /* 1 .. C */
	TL_HEAVY,   /* lognormal-ish: most short, a long tail up to C */
	TL_EQUAL,   /* one length repeated */
	TL_BIG,     /* all > C/2: no two share a bin */
	TL_TINY,    /* 1 .. max(1, C/100) */
	TL_FULL,    /* all exactly C */
	TL_MIXED,   /* each item drawn from a random other shape */
	TL_HARD,    /* (C/5, C/2]: where FF/FFD bounds are tight */
	TL_NSHAPES
};

const char *tl_shape_name(enum tl_shape shape);

/* Fill lengths[0..n-1] with values in 1..capacity (capacity >= 1). */
void tl_gen(tl_rng *r, enum tl_shape shape, uint32_t capacity,
	    uint32_t *lengths, size_t n);

/* ------------------------------------------------------------------ */
/* Checking. */

/* An independent check of a packing: CSR shape, every index 0..n-1 in
 * exactly one bin, no empty bin, used[b] the true sum, no bin over
 * capacity, at most max_items per bin (0 = unlimited).  Returns 1 when
 * valid, else 0 with the reason in why. */
int tl_check_packing(const uint32_t *lengths, size_t n, uint32_t capacity,
		     uint32_t max_items, const seqpack_result *r, char *why,
		     size_t whylen);

/* 1 when the two results are identical array by array. */
int tl_same_result(const seqpack_result *a, const seqpack_result *b);

/* ceil(sum / capacity), and the cardinality bound ceil(n / max_items). */
uint64_t tl_lower_bound(const uint32_t *lengths, size_t n, uint32_t capacity,
			uint32_t max_items);

/* Largest n tl_opt_bins() accepts. */
#define TL_EXACT_MAX 16

/* The optimum number of bins (branch and bound), with at most max_items
 * items per bin when max_items != 0.  n <= TL_EXACT_MAX. */
unsigned tl_opt_bins(const uint32_t *lengths, size_t n, uint32_t capacity,
		     uint32_t max_items);

/* Harmonic-K's absolute bound, derived in test-optimal.c from Lee & Lee's
 * weighting: HK < w(k) OPT + (non-empty classes), and 2 OPT - 1 for
 * k = 1.  tl_hk_wmax(k) is w(k), exact for 2 <= k <= TL_HK_KMAX.
 * tl_hk_bound_ok() takes any opt >= the optimum (the bound only grows
 * with it), sets *bound and returns 1 when bins is within it. */
#define TL_HK_KMAX 12 /* lcm(2..12) = 27720 knapsack cells */
double tl_hk_wmax(uint32_t k);
int tl_hk_bound_ok(size_t bins, uint64_t opt, const uint32_t *len, size_t n,
		   uint32_t capacity, uint32_t k, double *bound);

/* Format lengths as "C=10 [6,5,6,5]" for failure messages; returns buf. */
const char *tl_fmt_instance(const uint32_t *lengths, size_t n,
			    uint32_t capacity, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Test-suite glue. */

/* $SEQPACK_TEST_SCALE (default 1; e.g. 0.1 under valgrind). */
double tl_scale(void);
/* max(1, base * scale) */
unsigned tl_iters(unsigned base);

/* Open the registry the tests run against ($SEQPACK_PLUGIN_PATH), failing
 * the test when it cannot. */
seqpack_registry *tl_registry(void);

/* $abs_top_builddir/sub, or "../sub"-relative fallback; caller frees. */
char *tl_builddir_path(const char *sub);

/* Pack and fail the test (naming the algorithm, input and message) on any
 * error; verify is left on. */
seqpack_result *tl_pack(const seqpack_registry *reg, const char *alg,
			const uint32_t *lengths, size_t n,
			const seqpack_params *p);

/* Fail the test unless alg is loaded. */
void tl_require(const seqpack_registry *reg, const char *alg);

/* Run a suite, print the results, return an exit status. */
int tl_run(Suite *s);

#endif
