/* Plans and packings saved to a file and loaded back (include/seqpack/
 * plan.h, docs/plans.md "The file format"): a fixed little-endian header,
 * the sections, a CRC-32 of everything before it.  Every field is written
 * byte by byte in little-endian order, so a file is the same on every
 * host; load trusts no size before checking it against the bytes left,
 * and checks the content as seqpack_verify() checks a packing's shape. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seqpack/plan.h>

#include "plan-internal.h"
#include "util-internal.h"
#include "util/cleanup-internal.h"
#include "util/cleanup-seqpack-internal.h"
#include "util/crc32-internal.h"

#define PF_MAGIC "SEQPACKF"
#define PF_VERSION 1u
#define PF_KIND_PACKING 1u
#define PF_KIND_PLAN 2u
#define PF_HEADER_SIZE 32u
#define PF_CRC_SIZE 4u
#define PF_ALGO_SIZE 32u
/* seqpack_plan_params_check()'s bound on W * M (lib/plan.c). */
#define PF_MAX_PER_STEP (1u << 24)

UTIL_DEFINE_CLEANUP(seqpack_plan *, seqpack_plan_free)

static const char *kind_name(uint32_t kind)
{
	return kind == PF_KIND_PACKING ? "a packing" : "a plan";
}

/* ---- writing ---------------------------------------------------------- */

/* With buf NULL the emitters only count, so that one code path both sizes
 * and fills the buffer. */
struct pf_w {
	uint8_t *buf;
	uint64_t off;
};

static void put_bytes(struct pf_w *w, const void *p, size_t n)
{
	if (w->buf)
		memcpy(w->buf + w->off, p, n);
	w->off += n;
}

static void put_u32(struct pf_w *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	put_bytes(w, b, 4);
}

static void put_u64(struct pf_w *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

/* IEEE 754 binary64 bits, as every platform seqpack builds on has. */
static void put_f64(struct pf_w *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	put_u64(w, u);
}

static void put_u32s(struct pf_w *w, const uint32_t *v, size_t n)
{
	if (!w->buf) {
		w->off += (uint64_t)n * 4;
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_u32(w, v[i]);
}

static void put_u64s(struct pf_w *w, const uint64_t *v, size_t n)
{
	if (!w->buf) {
		w->off += (uint64_t)n * 8;
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_u64(w, v[i]);
}

static void put_f64s(struct pf_w *w, const double *v, size_t n)
{
	if (!w->buf) {
		w->off += (uint64_t)n * 8;
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_f64(w, v[i]);
}

static void put_header(struct pf_w *w, uint32_t kind, uint64_t total)
{
	put_bytes(w, PF_MAGIC, 8);
	put_u32(w, PF_VERSION);
	put_u32(w, kind);
	put_u32(w, 0); /* flags: none defined */
	put_u32(w, PF_HEADER_SIZE);
	put_u64(w, total);
}

static void put_packing(struct pf_w *w, const seqpack_result *r)
{
	char algo[PF_ALGO_SIZE] = { 0 };
	memcpy(algo, r->algorithm, strnlen(r->algorithm, PF_ALGO_SIZE - 1));
	put_bytes(w, algo, sizeof(algo));
	put_u64(w, r->n);
	put_u64(w, r->nbins);
	const seqpack_metrics *m = &r->metrics;
	put_u64(w, m->bins);
	put_u64(w, m->total_tokens);
	put_u64(w, m->capacity);
	put_u64(w, m->padding_tokens);
	put_u64(w, m->lower_bound);
	put_u64(w, m->max_items_per_bin);
	put_f64(w, m->efficiency);
	put_f64(w, m->mean_items_per_bin);
	put_u64(w, m->elapsed_ns);
	put_u32s(w, r->items, r->n);
	put_u32s(w, r->offsets, r->nbins + 1);
	put_u32s(w, r->used, r->nbins);
}

static void put_params(struct pf_w *w, const seqpack_params *p)
{
	put_u32(w, p->capacity);
	put_u32(w, p->threads);
	put_u32(w, p->k);
	put_u32(w, p->max_items);
	put_u32(w, p->max_open);
	put_u32(w, p->flags);
	put_u64(w, p->seed);
}

static void put_plan(struct pf_w *w, const seqpack_plan *plan,
		     const seqpack_plan_params *p)
{
	uint32_t nw = plan->world_size;
	put_u32(w, nw);
	put_u32(w, plan->packs_per_rank);
	put_u64(w, plan->nsteps);
	put_u64(w, plan->nsplit);
	put_u64(w, plan->ndropped);
	put_u64(w, plan->nempty);
	put_f64(w, plan->step_overhead);
	put_f64(w, plan->worst_step);
	put_u64(w, plan->worst_step_index);
	put_f64(w, plan->mean_step);
	put_u64(w, plan->elapsed_ns);
	put_u32s(w, plan->slots, plan->nsteps * nw * plan->packs_per_rank);
	put_u32s(w, plan->dropped, plan->ndropped);
	put_f64s(w, plan->cost, plan->packing->nbins);
	put_f64s(w, plan->rank_cost, nw);
	put_f64s(w, plan->rank_time, nw);
	put_u64s(w, plan->rank_tokens, nw);
	put_u64s(w, plan->rank_packs, nw);
	/* The parameters that made it. */
	put_u32(w, p->world_size);
	put_u32(w, p->packs_per_rank);
	put_u32(w, p->cost);
	put_u32(w, p->remainder);
	put_u32(w, p->flags);
	put_f64(w, p->cost_a);
	put_f64(w, p->cost_b);
	put_u64(w, p->seed);
	put_u64(w, p->epoch);
	put_u32(w, p->rank_capacities != NULL);
	put_u32(w, p->rank_speeds != NULL);
	if (p->rank_capacities)
		put_u32s(w, p->rank_capacities, nw);
	if (p->rank_speeds)
		put_f64s(w, p->rank_speeds, nw);
}

struct pf_content {
	uint32_t kind;
	const seqpack_result *packing;
	const seqpack_params *params;
	const seqpack_plan *plan;
	const seqpack_plan_params *plan_params;
};

static void put_all(struct pf_w *w, const struct pf_content *c,
		    uint64_t total)
{
	put_header(w, c->kind, total);
	put_packing(w, c->packing);
	if (c->kind == PF_KIND_PACKING)
		put_params(w, c->params);
	else
		put_plan(w, c->plan, c->plan_params);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void unlinkp(char **path)
{
	if (*path)
		(void)unlink(*path);
}

/* The whole file in memory, then path.tmp, fsync and rename: a reader
 * (or a crash) sees the old file or the new one, never half of one. */
static int save_file(const struct pf_content *c, const char *path,
		     seqpack_error *err)
{
	struct pf_w count = { NULL, 0 };
	put_all(&count, c, 0);
	uint64_t total = count.off + PF_CRC_SIZE;
	if (total > SIZE_MAX)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%s: %llu bytes do not fit in memory", path,
			      (unsigned long long)total);
	_cleanup_free_ uint8_t *buf = malloc((size_t)total);
	_cleanup_free_ char *tmp = malloc(strlen(path) + 5);
	if (!buf || !tmp)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a file of %llu bytes",
			      (unsigned long long)total);
	struct pf_w w = { buf, 0 };
	put_all(&w, c, total);
	struct util_crc32 crc;
	util_crc32_init(&crc);
	put_u32(&w, util_crc32_update(&crc, 0, buf, (size_t)count.off));
	sprintf(tmp, "%s.tmp", path);
	_cleanup_close_ int fd =
		open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return seterr(err, SEQPACK_ERR_IO, "%s: cannot create: %s",
			      tmp, strerror(errno));
	_cleanup_(unlinkp) char *remove_tmp = tmp;
	int e = write_all(fd, buf, (size_t)total);
	if (e == 0 && fsync(fd) < 0)
		e = -errno;
	if (e == 0 && close(TAKE_FD(fd)) < 0)
		e = -errno;
	if (e != 0)
		return seterr(err, SEQPACK_ERR_IO, "%s: cannot write: %s",
			      tmp, strerror(-e));
	if (rename(tmp, path) < 0)
		return seterr(err, SEQPACK_ERR_IO, "cannot rename %s to %s: %s",
			      tmp, path, strerror(errno));
	remove_tmp = NULL;
	return SEQPACK_OK;
}

/* ---- checking --------------------------------------------------------- */

/* seqpack_verify()'s checks that need no lengths, plus the metrics' counts:
 * offsets from 0 to n and strictly increasing (no empty bin), items a
 * permutation of 0 .. n-1, each bin at least one token per sequence and
 * within the capacity, the tokens adding up. */
static int check_packing(const seqpack_result *r, const char *path,
			 seqpack_error *err)
{
	size_t n = r->n, nbins = r->nbins;
	if (n > SEQPACK_MAX_SEQUENCES || nbins > n)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the packing has %zu bins for %zu sequences",
			      path, nbins, n);
	if (r->offsets[0] != 0 || r->offsets[nbins] != n)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the packing's offsets do not run from 0 to its %zu sequences",
			      path, n);
	const seqpack_metrics *m = &r->metrics;
	if (m->bins != nbins)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: metrics.bins is %llu for %zu bins", path,
			      (unsigned long long)m->bins, nbins);
	uint64_t total = 0;
	for (size_t b = 0; b < nbins; b++) {
		uint32_t lo = r->offsets[b], hi = r->offsets[b + 1];
		if (hi <= lo || hi > n)
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: offsets[%zu] = %u is not above offsets[%zu] = %u",
				      path, b + 1, hi, b, lo);
		if (r->used[b] < hi - lo ||
		    (m->capacity && r->used[b] > m->capacity))
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: bin %zu uses %u tokens for %u sequences at capacity %llu",
				      path, b, r->used[b], hi - lo,
				      (unsigned long long)m->capacity);
		total += r->used[b];
	}
	if (total != m->total_tokens)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the bins use %llu tokens, metrics.total_tokens says %llu",
			      path, (unsigned long long)total,
			      (unsigned long long)m->total_tokens);
	_cleanup_free_ uint64_t *seen = calloc(n / 64 + 1, sizeof(uint64_t));
	if (!seen)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint32_t it = r->items[i];
		if (it >= n || (seen[it / 64] >> (it % 64)) & 1)
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: items[%zu] = %u is %s", path, i, it,
				      it >= n ? "not a sequence of the packing"
					      : "in the packing twice");
		seen[it / 64] |= 1ull << (it % 64);
	}
	return SEQPACK_OK;
}

static int check_plan_params(const seqpack_plan_params *p, const char *path,
			     seqpack_error *err)
{
	seqpack_error e = { 0 };
	int rc = seqpack_plan_params_check(p, &e);
	if (rc != SEQPACK_OK)
		return seterr(err, rc, "%s: plan parameters: %s", path,
			      e.message);
	return SEQPACK_OK;
}

/* Every bin in exactly one slot or in dropped, the counts the plan states
 * equal to the ones its arrays hold, the parameters those that made it. */
static int check_plan(const seqpack_plan *plan, const seqpack_plan_params *p,
		      const char *path, seqpack_error *err)
{
	int rc = check_plan_params(p, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	uint32_t w = plan->world_size, m = plan->packs_per_rank;
	if (w != p->world_size || m != p->packs_per_rank)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: a plan of %u ranks x %u packs made with world_size %u, packs_per_rank %u",
			      path, w, m, p->world_size, p->packs_per_rank);
	size_t nbins = plan->packing->nbins;
	if (plan->nsplit > nbins || plan->ndropped > nbins)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: %zu split and %zu dropped of %zu bins", path,
			      plan->nsplit, plan->ndropped, nbins);
	if (p->remainder == SEQPACK_PLAN_PAD ? plan->ndropped != 0
					     : plan->nsplit || plan->nempty)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: remainder %s with %zu split, %zu dropped, %zu empty",
			      path,
			      p->remainder == SEQPACK_PLAN_PAD ? "pad"
							       : "drop_last",
			      plan->nsplit, plan->ndropped, plan->nempty);
	_cleanup_free_ uint64_t *seen = calloc(nbins / 64 + 1, sizeof(uint64_t));
	if (!seen)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	size_t nempty = 0, nslots = plan->nsteps * w * m;
	for (size_t i = 0; i < nslots; i++) {
		uint32_t b = plan->slots[i];
		if (b == SEQPACK_PLAN_EMPTY) {
			nempty++;
			continue;
		}
		if (b >= nbins || (seen[b / 64] >> (b % 64)) & 1)
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: slot %zu holds bin %u, %s", path, i, b,
				      b >= nbins ? "not a bin of the packing"
						 : "already in another slot");
		seen[b / 64] |= 1ull << (b % 64);
	}
	if (nempty != plan->nempty || nslots - nempty + plan->ndropped != nbins)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: %zu slots (%zu empty, %zu stated) and %zu dropped for %zu bins",
			      path, nslots, nempty, plan->nempty,
			      plan->ndropped, nbins);
	for (size_t d = 0; d < plan->ndropped; d++) {
		uint32_t b = plan->dropped[d];
		if (b >= nbins || (seen[b / 64] >> (b % 64)) & 1 ||
		    (d && b <= plan->dropped[d - 1]))
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: dropped[%zu] = %u is not a bin outside the slots, ascending",
				      path, d, b);
	}
	for (uint32_t r = 0; r < w; r++) {
		uint64_t packs = 0;
		for (size_t s = 0; s < plan->nsteps; s++)
			for (uint32_t j = 0; j < m; j++)
				packs += plan->slots[(s * w + r) * m + j] !=
					 SEQPACK_PLAN_EMPTY;
		if (packs != plan->rank_packs[r])
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: rank_packs[%u] is %llu, the slots give rank %u %llu packs",
				      path, r,
				      (unsigned long long)plan->rank_packs[r],
				      r, (unsigned long long)packs);
	}
	if (plan->nsteps && plan->worst_step_index >= plan->nsteps)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: worst_step_index %zu of %zu steps", path,
			      plan->worst_step_index, plan->nsteps);
	return SEQPACK_OK;
}

/* ---- reading ---------------------------------------------------------- */

struct pf_r {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

/* Whether count entries of size bytes are left: checked before anything
 * is allocated for them, so a corrupt count cannot ask for terabytes. */
static int rd_room(struct pf_r *r, uint64_t count, size_t size)
{
	if (r->bad || count > (r->len - r->off) / size) {
		r->bad = 1;
		return 0;
	}
	return 1;
}

static uint32_t get_u32(struct pf_r *r)
{
	if (!rd_room(r, 1, 4))
		return 0;
	const uint8_t *b = r->p + r->off;
	r->off += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t get_u64(struct pf_r *r)
{
	uint64_t lo = get_u32(r);
	return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(struct pf_r *r)
{
	uint64_t u = get_u64(r);
	double v;
	memcpy(&v, &u, sizeof(v));
	return v;
}

static void get_u32s(struct pf_r *r, uint32_t *v, size_t n)
{
	if (rd_room(r, n, 4))
		for (size_t i = 0; i < n; i++)
			v[i] = get_u32(r);
}

static void get_u64s(struct pf_r *r, uint64_t *v, size_t n)
{
	if (rd_room(r, n, 8))
		for (size_t i = 0; i < n; i++)
			v[i] = get_u64(r);
}

static void get_f64s(struct pf_r *r, double *v, size_t n)
{
	if (rd_room(r, n, 8))
		for (size_t i = 0; i < n; i++)
			v[i] = get_f64(r);
}

static int truncated(const char *path, const char *what, seqpack_error *err)
{
	return seterr(err, SEQPACK_ERR_INVALID,
		      "%s: %s runs past the end of the file", path, what);
}

static int get_packing(struct pf_r *rd, const char *path,
		       seqpack_result **ret, seqpack_error *err)
{
	char algo[PF_ALGO_SIZE];
	if (!rd_room(rd, 1, sizeof(algo)))
		return truncated(path, "the packing", err);
	memcpy(algo, rd->p + rd->off, sizeof(algo));
	rd->off += sizeof(algo);
	if (!memchr(algo, '\0', sizeof(algo)))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the algorithm name is not terminated", path);
	uint64_t n = get_u64(rd), nbins = get_u64(rd);
	if (n > SEQPACK_MAX_SEQUENCES || nbins > n)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the packing has %llu bins for %llu sequences",
			      path, (unsigned long long)nbins,
			      (unsigned long long)n);
	seqpack_metrics m;
	m.bins = get_u64(rd);
	m.total_tokens = get_u64(rd);
	m.capacity = get_u64(rd);
	m.padding_tokens = get_u64(rd);
	m.lower_bound = get_u64(rd);
	m.max_items_per_bin = get_u64(rd);
	m.efficiency = get_f64(rd);
	m.mean_items_per_bin = get_f64(rd);
	m.elapsed_ns = get_u64(rd);
	/* items, offsets and used: n + 2 * nbins + 1 entries of 4 bytes. */
	if (!rd_room(rd, n + 2 * nbins + 1, 4))
		return truncated(path, "the packing", err);
	_cleanup_result_ seqpack_result *r = NULL;
	int rc = plan_result_new_(algo, (size_t)n, (size_t)nbins, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	r->metrics = m;
	get_u32s(rd, r->items, r->n);
	get_u32s(rd, r->offsets, r->nbins + 1);
	get_u32s(rd, r->used, r->nbins);
	rc = check_packing(r, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = TAKE_PTR(r);
	return SEQPACK_OK;
}

static void get_params(struct pf_r *rd, seqpack_params *p)
{
	seqpack_params_init(p);
	p->capacity = get_u32(rd);
	p->threads = get_u32(rd);
	p->k = get_u32(rd);
	p->max_items = get_u32(rd);
	p->max_open = get_u32(rd);
	p->flags = get_u32(rd);
	p->seed = get_u64(rd);
}

static void *alloc_n(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* A loaded plan's rank capacities and speeds live after the struct, in
 * the same block, so that seqpack_plan_free()'s free(plan) releases them
 * and seqpack_plan needs no new fields. */
static seqpack_plan *plan_block_new(uint32_t w, double **speeds,
				    uint32_t **caps)
{
	/* Rounded up to 16 so that the doubles are aligned where a struct
	 * aligns its doubles to 4 only (i386) and malloc's to 16. */
	size_t head = (sizeof(seqpack_plan) + 15) & ~(size_t)15;
	uint8_t *b = calloc(1, head + (size_t)w * 12);
	if (!b)
		return NULL;
	*speeds = (double *)(void *)(b + head);
	*caps = (uint32_t *)(void *)(b + head + (size_t)w * 8);
	return (seqpack_plan *)(void *)b;
}

static int get_plan(struct pf_r *rd, const char *path,
		    seqpack_result **packing, seqpack_plan **ret,
		    seqpack_plan_params *pp, seqpack_error *err)
{
	uint32_t w = get_u32(rd), m = get_u32(rd);
	if (w < 1 || w > SEQPACK_PLAN_MAX_WORLD || m < 1 ||
	    m > SEQPACK_PLAN_MAX_PACKS_PER_RANK ||
	    (uint64_t)w * m > PF_MAX_PER_STEP)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: a plan of %u ranks x %u packs is out of range",
			      path, w, m);
	uint64_t nsteps = get_u64(rd), nsplit = get_u64(rd);
	uint64_t ndropped = get_u64(rd), nempty = get_u64(rd);
	size_t nbins = (*packing)->nbins;
	if (ndropped > nbins || nsteps > nbins + 1 || nsplit > nbins)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: %llu steps, %llu split and %llu dropped for %zu bins",
			      path, (unsigned long long)nsteps,
			      (unsigned long long)nsplit,
			      (unsigned long long)ndropped, nbins);
	double *speeds;
	uint32_t *caps;
	_cleanup_(seqpack_plan_freep) seqpack_plan *plan =
		plan_block_new(w, &speeds, &caps);
	if (!plan)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	plan->world_size = w;
	plan->packs_per_rank = m;
	plan->nsteps = (size_t)nsteps;
	plan->nsplit = (size_t)nsplit;
	plan->ndropped = (size_t)ndropped;
	plan->nempty = (size_t)nempty;
	plan->packing = TAKE_PTR(*packing);
	plan->step_overhead = get_f64(rd);
	plan->worst_step = get_f64(rd);
	plan->worst_step_index = (size_t)get_u64(rd);
	plan->mean_step = get_f64(rd);
	plan->elapsed_ns = get_u64(rd);
	/* nsteps <= nbins + 1 and W * M <= 2^24 keep this product in 64
	 * bits; rd_room() bounds it by the file before any allocation. */
	uint64_t nslots = nsteps * w * m;
	if (!rd_room(rd, nslots + ndropped, 4) ||
	    !rd_room(rd, nbins + 4 * (uint64_t)w, 8))
		return truncated(path, "the plan", err);
	plan->slots = alloc_n((size_t)nslots, sizeof(uint32_t));
	plan->dropped = alloc_n(plan->ndropped, sizeof(uint32_t));
	plan->cost = alloc_n(nbins, sizeof(double));
	plan->rank_cost = alloc_n(w, sizeof(double));
	plan->rank_time = alloc_n(w, sizeof(double));
	plan->rank_tokens = alloc_n(w, sizeof(uint64_t));
	plan->rank_packs = alloc_n(w, sizeof(uint64_t));
	if (!plan->slots || !plan->dropped || !plan->cost ||
	    !plan->rank_cost || !plan->rank_time || !plan->rank_tokens ||
	    !plan->rank_packs)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a plan of %llu slots",
			      (unsigned long long)nslots);
	get_u32s(rd, plan->slots, (size_t)nslots);
	get_u32s(rd, plan->dropped, plan->ndropped);
	get_f64s(rd, plan->cost, nbins);
	get_f64s(rd, plan->rank_cost, w);
	get_f64s(rd, plan->rank_time, w);
	get_u64s(rd, plan->rank_tokens, w);
	get_u64s(rd, plan->rank_packs, w);
	seqpack_plan_params p;
	seqpack_plan_params_init(&p);
	p.world_size = get_u32(rd);
	p.packs_per_rank = get_u32(rd);
	p.cost = get_u32(rd);
	p.remainder = get_u32(rd);
	p.flags = get_u32(rd);
	p.cost_a = get_f64(rd);
	p.cost_b = get_f64(rd);
	p.seed = get_u64(rd);
	p.epoch = get_u64(rd);
	uint32_t has_caps = get_u32(rd), has_speeds = get_u32(rd);
	if (has_caps > 1 || has_speeds > 1)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the rank list markers are %u and %u, not 0 or 1",
			      path, has_caps, has_speeds);
	if (has_caps) {
		get_u32s(rd, caps, w);
		p.rank_capacities = caps;
	}
	if (has_speeds) {
		get_f64s(rd, speeds, w);
		p.rank_speeds = speeds;
	}
	if (rd->bad)
		return truncated(path, "the plan", err);
	int rc = check_plan(plan, &p, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	*pp = p;
	*ret = TAKE_PTR(plan);
	return SEQPACK_OK;
}

static int read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t k = read(fd, p + *got, n - *got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return 0;
}

/* The header, checked before anything it sizes is read: magic, version,
 * kind, flags, then the stated size against the file's. */
static int check_header(const uint8_t *h, size_t got, uint64_t fsize,
			const char *path, uint32_t want, uint64_t *total,
			seqpack_error *err)
{
	if (got < 8 || memcmp(h, PF_MAGIC, 8) != 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: not a seqpack file (no \"%s\" magic)", path,
			      PF_MAGIC);
	if (got < PF_HEADER_SIZE)
		return truncated(path, "the header", err);
	struct pf_r rd = { h, PF_HEADER_SIZE, 8, 0 };
	uint32_t version = get_u32(&rd), kind = get_u32(&rd);
	uint32_t flags = get_u32(&rd), hsize = get_u32(&rd);
	*total = get_u64(&rd);
	if (version > PF_VERSION)
		return seterr(err, SEQPACK_ERR_UNSUPPORTED,
			      "%s: written by a newer seqpack: format %u, this one reads %u",
			      path, version, PF_VERSION);
	if (version != PF_VERSION)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: format version %u is not one seqpack wrote (this one reads %u)",
			      path, version, PF_VERSION);
	if (kind != PF_KIND_PACKING && kind != PF_KIND_PLAN)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: kind %u is not a packing (1) or a plan (2)",
			      path, kind);
	if (kind != want)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the file holds %s, not %s", path,
			      kind_name(kind), kind_name(want));
	if (flags != 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: flags 0x%x has unknown bits", path, flags);
	if (hsize != PF_HEADER_SIZE)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: header size %u, format %u has %u", path,
			      hsize, PF_VERSION, PF_HEADER_SIZE);
	if (*total != fsize || *total < PF_HEADER_SIZE + PF_CRC_SIZE)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the header says %llu bytes, the file has %llu (truncated or appended to)",
			      path, (unsigned long long)*total,
			      (unsigned long long)fsize);
	return SEQPACK_OK;
}

/* The file, whole and checked up to its CRC, in *ret (malloc). */
static int load_file(const char *path, uint32_t want, uint8_t **ret,
		     size_t *len, seqpack_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return seterr(err, SEQPACK_ERR_IO, "%s: cannot open: %s", path,
			      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: not a regular file", path);
	uint8_t h[PF_HEADER_SIZE];
	size_t got;
	int e = read_full(fd, h, sizeof(h), &got);
	if (e)
		return seterr(err, SEQPACK_ERR_IO, "%s: cannot read: %s", path,
			      strerror(-e));
	uint64_t total = 0;
	int rc = check_header(h, got, (uint64_t)st.st_size, path, want,
			      &total, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (total > SIZE_MAX)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%s: %llu bytes do not fit in memory", path,
			      (unsigned long long)total);
	_cleanup_free_ uint8_t *buf = malloc((size_t)total);
	if (!buf)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for %s (%llu bytes)", path,
			      (unsigned long long)total);
	memcpy(buf, h, PF_HEADER_SIZE);
	e = read_full(fd, buf + PF_HEADER_SIZE, (size_t)total - PF_HEADER_SIZE,
		      &got);
	if (e)
		return seterr(err, SEQPACK_ERR_IO, "%s: cannot read: %s", path,
			      strerror(-e));
	if (got != total - PF_HEADER_SIZE)
		return truncated(path, "the file (it shrank while read)", err);
	size_t body = (size_t)total - PF_CRC_SIZE;
	struct pf_r crd = { buf, (size_t)total, body, 0 };
	uint32_t stored = get_u32(&crd);
	struct util_crc32 crc;
	util_crc32_init(&crc);
	uint32_t computed = util_crc32_update(&crc, 0, buf, body);
	if (stored != computed)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: CRC-32 mismatch (stored 0x%08x, computed 0x%08x): the file is corrupt",
			      path, stored, computed);
	*ret = TAKE_PTR(buf);
	*len = body;
	return SEQPACK_OK;
}

static int trailing(const struct pf_r *rd, const char *path,
		    seqpack_error *err)
{
	if (rd->bad)
		return truncated(path, "a section", err);
	if (rd->off != rd->len)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: %zu bytes after the last section", path,
			      rd->len - rd->off);
	return SEQPACK_OK;
}

/* ---- the API ---------------------------------------------------------- */

SEQPACK_EXPORT int seqpack_plan_save(const seqpack_plan *plan,
				     const seqpack_plan_params *params,
				     const char *path, seqpack_error *err)
{
	if (!plan || !plan->packing || !params || !path)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "plan, its packing, params or path is NULL");
	/* Saved only if it would load: the same checks. */
	int rc = check_packing(plan->packing, path, err);
	if (rc == SEQPACK_OK)
		rc = check_plan(plan, params, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct pf_content c = { .kind = PF_KIND_PLAN,
				.packing = plan->packing,
				.plan = plan,
				.plan_params = params };
	return save_file(&c, path, err);
}

SEQPACK_EXPORT int seqpack_plan_load(const char *path, seqpack_plan **ret,
				     seqpack_plan_params *params_out,
				     seqpack_error *err)
{
	if (!path || !ret)
		return seterr(err, SEQPACK_ERR_INVALID, "path or ret is NULL");
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int rc = load_file(path, PF_KIND_PLAN, &buf, &len, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct pf_r rd = { buf, len, PF_HEADER_SIZE, 0 };
	_cleanup_result_ seqpack_result *packing = NULL;
	rc = get_packing(&rd, path, &packing, err);
	if (rc != SEQPACK_OK)
		return rc;
	_cleanup_(seqpack_plan_freep) seqpack_plan *plan = NULL;
	seqpack_plan_params p;
	rc = get_plan(&rd, path, &packing, &plan, &p, err);
	if (rc == SEQPACK_OK)
		rc = trailing(&rd, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (params_out)
		*params_out = p;
	*ret = TAKE_PTR(plan);
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_result_save(const seqpack_result *r,
				       const seqpack_params *params,
				       const char *path, seqpack_error *err)
{
	if (!r || !params || !path)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "result, params or path is NULL");
	int rc = check_packing(r, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct pf_content c = { .kind = PF_KIND_PACKING,
				.packing = r,
				.params = params };
	return save_file(&c, path, err);
}

SEQPACK_EXPORT int seqpack_result_load(const char *path, seqpack_result **ret,
				       seqpack_params *params_out,
				       seqpack_error *err)
{
	if (!path || !ret)
		return seterr(err, SEQPACK_ERR_INVALID, "path or ret is NULL");
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int rc = load_file(path, PF_KIND_PACKING, &buf, &len, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct pf_r rd = { buf, len, PF_HEADER_SIZE, 0 };
	_cleanup_result_ seqpack_result *r = NULL;
	rc = get_packing(&rd, path, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_params p;
	get_params(&rd, &p);
	rc = trailing(&rd, path, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (params_out)
		*params_out = p;
	*ret = TAKE_PTR(r);
	return SEQPACK_OK;
}
