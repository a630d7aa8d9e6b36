/* What the files of the step planner (lib/plan*.c) share; not installed.
 * plan.c checks the input and puts a plan together, plan-remainder.c
 * splits or drops packs to reach a multiple of W * M, plan-balance.c
 * groups packs into steps and balances each step over the ranks,
 * plan-sort.c sorts packs by a 64-bit key. */
#ifndef SEQPACK_PLAN_INTERNAL_H
#define SEQPACK_PLAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/plan.h>

#include "plugins/common/rng.h"

/* The packs to schedule: n units (bins, or SEQPACK_PLAN_EMPTY), each
 * with its sum of squared lengths (the sort key), its tokens and cost. */
struct plan_units {
	size_t n;
	uint32_t *bin;
	uint64_t *key;
	uint32_t *used;
	double *cost;
};

/* An empty result for n sequences in nbins bins (plan.c), arrays sized
 * to fit, from hugemem as seqpack_result_free() expects. */
int plan_result_new_(const char *algorithm, size_t n, size_t nbins,
		     seqpack_result **ret, seqpack_error *err)
	__attribute__((visibility("hidden")));

/* SEQPACK_PLAN_PAD: split the costliest bins of *packing (the one with
 * the largest sum of squared lengths key[b] first, each part keeping
 * whole sequences) until it has `want` more bins or no bin has two
 * sequences left; *packing is replaced by the new packing, *added says
 * how many bins it gained, and key[] (room for nbins + want) is updated
 * for the split bins and the new ones. */
int plan_pad_(seqpack_result **packing, const uint32_t *lengths,
	      uint64_t *key, size_t want, size_t *added, seqpack_error *err)
	__attribute__((visibility("hidden")));

/* SEQPACK_PLAN_DROP_LAST: choose count of the nbins bins uniformly at
 * random with r; *ret gets their numbers, ascending (malloc). */
int plan_drop_(size_t nbins, size_t count, struct rng *r, uint32_t **ret,
	       seqpack_error *err) __attribute__((visibility("hidden")));

/* Write order[0..n-1] = 0..n-1 sorted by key[] ascending, ties in index
 * order (an LSD radix sort: O(n) per significant byte of the keys). */
int plan_sort_(const uint64_t *key, size_t n, uint32_t *order)
	__attribute__((visibility("hidden")));

/* Fill slots (nsteps * W * M unit numbers, step by step in cost order)
 * from u.  Without rank capacities: steps take W*M units of similar
 * cost and each step is balanced (balanced Karmarkar-Karp, or LPT with
 * speeds); with them, every unit goes to a rank that can hold it. */
int plan_schedule_(const struct plan_units *u, const seqpack_plan_params *p,
		   struct rng *r, uint32_t *slots, seqpack_error *err)
	__attribute__((visibility("hidden")));

#endif
