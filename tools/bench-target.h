/* What seqpack bench packs with: the in-process library through a
 * workspace, or the daemon through the client API (round trip included). */
#ifndef SEQPACK_TOOLS_BENCH_TARGET_H
#define SEQPACK_TOOLS_BENCH_TARGET_H

#include <stddef.h>

#include <seqpack/seqpack.h>

struct bench_target {
	seqpack_registry *reg; /* in-process: the caller's registry */
	const char *socket;    /* NULL: in-process */
	const char **names;    /* the daemon's algorithms (socket mode) */
	size_t nnames;
	void *list;            /* seqpack_algorithm_list owning names */
	/* A context is made fresh for each cell, so its first pack pays
	 * what a new caller pays (allocation, page faults, connection). */
	int (*open)(const struct bench_target *tg, void **ctx,
		    seqpack_error *err);
	/* *ret stays valid until the next pack or close on ctx. */
	int (*pack)(void *ctx, const char *algorithm, const uint32_t *lengths,
		    size_t n, const seqpack_params *params,
		    const seqpack_result **ret, seqpack_error *err);
	void (*close)(void *ctx);
};

/* In-process on reg (not referenced: the caller keeps it open), or
 * through the daemon at socket when socket is not NULL. */
int bench_target_init(struct bench_target *tg, seqpack_registry *reg,
		      const char *socket, seqpack_error *err);
void bench_target_fini(struct bench_target *tg);
/* Every algorithm the target offers, at most max names. */
int bench_target_all(const struct bench_target *tg, const char **names,
		     size_t max, size_t *count, seqpack_error *err);
/* SEQPACK_OK when the target knows algorithm. */
int bench_target_check(const struct bench_target *tg, const char *algorithm,
		       seqpack_error *err);

#endif
