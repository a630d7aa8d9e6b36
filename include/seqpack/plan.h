/*
 * plan.h - data-parallel step plans over a packing (libseqpack).
 *
 * A plan hands the packs of one packing to W ranks (data-parallel
 * workers), M packs per rank per step (gradient accumulation): every
 * step gives every rank exactly M pack slots, so that no rank waits at a
 * step's all-reduce for another that got more work.  Packs of similar
 * cost share a step and each step's packs are balanced over the ranks;
 * the step order and the rank assignment are seeded from (seed, epoch).
 * The method is in docs/plans.md.
 *
 * The conventions of <seqpack/seqpack.h> hold: int status returns, the
 * optional seqpack_error, ret written only on success, destructors that
 * accept NULL.  A plan is immutable once made: any number of threads may
 * read it; seqpack_plan_new() is reentrant.
 */
#ifndef SEQPACK_PLAN_H
#define SEQPACK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Cost models of one pack.  tokens is the bin's capacity C (a pack is
 *  padded to C, so padding costs like data); sum len^2 sums the squared
 *  lengths of the sequences in the pack (causal attention with a
 *  document mask attends within each sequence only). */
typedef enum seqpack_cost_model {
	SEQPACK_COST_AFFINE = 0,    /* a * tokens + b * sum len^2 (default) */
	SEQPACK_COST_LINEAR = 1,    /* tokens */
	SEQPACK_COST_ATTENTION = 2, /* sum len^2 */
	SEQPACK_COST_COUNT_ = 3
} seqpack_cost_model;

/** What happens when the pack count is not a multiple of W * M. */
typedef enum seqpack_plan_remainder {
	/* Split the costliest packs in two (each part keeps whole
	 * sequences) until the count is a multiple: every sequence is
	 * kept.  Fails with SEQPACK_ERR_LIMIT when there are fewer
	 * sequences than slots, unless SEQPACK_PLAN_ALLOW_EMPTY. */
	SEQPACK_PLAN_PAD = 0,
	/* Leave out (count mod W*M) packs, chosen at random from
	 * (seed, epoch) so that another epoch leaves out others; the plan
	 * lists them in dropped. */
	SEQPACK_PLAN_DROP_LAST = 1,
	SEQPACK_PLAN_REMAINDER_COUNT_ = 2
} seqpack_plan_remainder;

/** SEQPACK_PLAN_PAD may fill slots it cannot fill by splitting with
 *  SEQPACK_PLAN_EMPTY (a rank that gets one does no work that step). */
#define SEQPACK_PLAN_ALLOW_EMPTY 0x1u

/** The bin number of an empty slot. */
#define SEQPACK_PLAN_EMPTY UINT32_MAX

/** Default affine weights, in units of 2 * d FLOPs (d = d_model): one
 *  layer of a GPT-style transformer (4 d MLP) costs 24 d^2 FLOPs per
 *  token in its matrix products and 4 d per (query, key) pair in
 *  attention, of which a causal sequence of len tokens has len^2 / 2:
 *  a = 12 d, b = 1, here for d = 4096 (docs/plans.md). */
#define SEQPACK_PLAN_DEFAULT_COST_A 49152.0
#define SEQPACK_PLAN_DEFAULT_COST_B 1.0

/** Largest world size and packs per rank accepted. */
#define SEQPACK_PLAN_MAX_WORLD 65536u
#define SEQPACK_PLAN_MAX_PACKS_PER_RANK 65536u

/** Plan parameters.  Always initialise with seqpack_plan_params_init() so
 *  that fields added later get their defaults. */
typedef struct seqpack_plan_params {
	uint32_t world_size;     /* W, 1 .. SEQPACK_PLAN_MAX_WORLD (must be set) */
	uint32_t packs_per_rank; /* M, 1 .. SEQPACK_PLAN_MAX_PACKS_PER_RANK */
	uint32_t cost;           /* seqpack_cost_model */
	uint32_t remainder;      /* seqpack_plan_remainder */
	uint32_t flags;          /* SEQPACK_PLAN_* */
	uint32_t reserved0;
	double cost_a;           /* affine weight of tokens, finite, >= 0 */
	double cost_b;           /* affine weight of sum len^2, finite, >= 0 */
	uint64_t seed;           /* with epoch, seeds the order */
	uint64_t epoch;
	/* NULL, or W capacities in tokens (1 .. SEQPACK_MAX_CAPACITY): rank r
	 * gets only packs of at most rank_capacities[r] tokens.  Borrowed
	 * for the call of seqpack_plan_new() only. */
	const uint32_t *rank_capacities;
	/* NULL, or W speeds (finite, > 0): rank r's time for a pack is its
	 * cost / rank_speeds[r].  Borrowed for the call only. */
	const double *rank_speeds;
	uint32_t reserved[8];
} seqpack_plan_params;

/** Fill p with defaults: world_size 0 (must be set), packs_per_rank 1,
 *  cost SEQPACK_COST_AFFINE with SEQPACK_PLAN_DEFAULT_COST_A/_B,
 *  remainder SEQPACK_PLAN_PAD, flags 0, seed SEQPACK_DEFAULT_SEED,
 *  epoch 0, no rank capacities or speeds. */
void seqpack_plan_params_init(seqpack_plan_params *p);

/** Check parameters alone (not against a packing).  Returns SEQPACK_OK,
 *  SEQPACK_ERR_INVALID or SEQPACK_ERR_CAPACITY with a message naming the
 *  parameter ("world_size is 0", "rank_capacities[3] is 0"). */
int seqpack_plan_params_check(const seqpack_plan_params *p,
			      seqpack_error *err);

/** A plan.  Every array belongs to the plan; read only. */
typedef struct seqpack_plan {
	uint32_t world_size;     /* W */
	uint32_t packs_per_rank; /* M */
	size_t nsteps;           /* number of steps */
	/* nsteps * W * M bin numbers of packing (or SEQPACK_PLAN_EMPTY):
	 * step s, rank r, slot j is slots[(s * W + r) * M + j]. */
	uint32_t *slots;
	/* The bins the slots number: a copy of the input packing, with the
	 * parts of split packs (SEQPACK_PLAN_PAD) appended after its bins;
	 * metrics recomputed. */
	seqpack_result *packing;
	size_t nsplit;           /* bins added by splitting */
	size_t ndropped;         /* bins left out (SEQPACK_PLAN_DROP_LAST) */
	uint32_t *dropped;       /* their numbers in packing, ascending */
	size_t nempty;           /* SEQPACK_PLAN_EMPTY slots */
	double *cost;            /* packing->nbins entries: each bin's cost */
	/* W entries each: per-rank totals over the plan (time is cost
	 * divided by the rank's speed). */
	double *rank_cost;
	double *rank_time;
	uint64_t *rank_tokens;   /* tokens of data (not padding) */
	uint64_t *rank_packs;    /* non-empty slots */
	/* Σ_steps max_rank time / Σ_steps mean_rank time - 1: the share of
	 * a step's time that the slowest rank costs everyone.  0 when every
	 * time is 0. */
	double step_overhead;
	double worst_step;       /* largest max_rank / mean_rank of a step */
	size_t worst_step_index; /* that step */
	double mean_step;        /* mean over steps of max_rank / mean_rank */
	uint64_t elapsed_ns;     /* wall time of seqpack_plan_new() */
} seqpack_plan;

/** Make a plan for the packing r of lengths (r->n entries), packed at
 *  capacity r->metrics.capacity (seqpack_pack() sets it; for a result
 *  made by hand call seqpack_metrics_compute() first).  r must pass
 *  seqpack_verify() (SEQPACK_ERR_VERIFY otherwise) and hold at least one
 *  bin (SEQPACK_ERR_INVALID).  Bad parameters: as
 *  seqpack_plan_params_check().  A rank capacity that leaves some packs
 *  without a rank: SEQPACK_ERR_CAPACITY.  Neither r nor lengths is kept:
 *  on success *ret is a new plan to free with seqpack_plan_free(). */
int seqpack_plan_new(const seqpack_result *r, const uint32_t *lengths,
		     const seqpack_plan_params *params, seqpack_plan **ret,
		     seqpack_error *err);

/** Free a plan and everything it holds.  Accepts NULL; returns NULL. */
seqpack_plan *seqpack_plan_free(seqpack_plan *plan);

/* ------------------------------------------------------------------ */
/* Plans and packings in files (since SEQPACK_0.1)                     */

/** Save a plan and the parameters that made it (params: those given to
 *  seqpack_plan_new(), rank lists included) to path, so that a resumed
 *  run, every rank and every loader worker use the very same plan.  The
 *  format is binary, versioned, little-endian on every host and ends in
 *  a CRC-32 (docs/plans.md, "The file format").  The file is written to
 *  path.tmp, fsync()ed and renamed over path: a reader sees the old file
 *  or the new one, never part of one (the directory is not fsync()ed;
 *  two savers of one path at once must be avoided by the caller).  A
 *  plan that would not load back (params not the plan's, a slot out of
 *  range) is refused with SEQPACK_ERR_INVALID; I/O failures give
 *  SEQPACK_ERR_IO naming the file.  Nothing is kept. */
int seqpack_plan_save(const seqpack_plan *plan,
		      const seqpack_plan_params *params, const char *path,
		      seqpack_error *err);

/** Load a plan saved by seqpack_plan_save(): *ret is a new plan to free
 *  with seqpack_plan_free(), equal field for field to the one saved
 *  (elapsed_ns included).  params_out, when not NULL, gets the saved
 *  parameters; its rank_capacities and rank_speeds (NULL when none were
 *  saved) point into *ret and live until it is freed.  Before any size
 *  in the file is trusted it is checked; refused, with a message naming
 *  the file and what is wrong: a file that is not a seqpack file, a
 *  packing where a plan is expected, a truncated or extended file, a
 *  CRC mismatch, a packing whose shape seqpack_verify() would refuse, a
 *  slot out of range, counts that disagree, bad parameters (all
 *  SEQPACK_ERR_INVALID); a file of a newer format
 *  (SEQPACK_ERR_UNSUPPORTED: the file may be sound, this library cannot
 *  read it); open or read failing (SEQPACK_ERR_IO).  On failure nothing
 *  is allocated and *ret is untouched.  Reentrant: threads may load at
 *  once. */
int seqpack_plan_load(const char *path, seqpack_plan **ret,
		      seqpack_plan_params *params_out, seqpack_error *err);

/** Save a packing alone and the packing parameters that made it, in
 *  the same container as seqpack_plan_save() with another kind; as it,
 *  written through path.tmp.  r must pass the shape checks of
 *  seqpack_verify() that need no lengths and its metrics must count its
 *  bins and tokens (seqpack_pack() or seqpack_metrics_compute() fill
 *  them); otherwise SEQPACK_ERR_INVALID. */
int seqpack_result_save(const seqpack_result *r, const seqpack_params *params,
			const char *path, seqpack_error *err);

/** Load a packing saved by seqpack_result_save(): *ret is a new result
 *  for seqpack_result_free(), params_out (when not NULL) the saved
 *  parameters (the fields after seed at their seqpack_params_init()
 *  defaults).  Errors as for seqpack_plan_load(); a plan's file is
 *  refused (and a packing's by seqpack_plan_load()). */
int seqpack_result_load(const char *path, seqpack_result **ret,
			seqpack_params *params_out, seqpack_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SEQPACK_PLAN_H */
