/* Parallel OBFD.  The input is dealt out to one part per thread in blocks
 * of OBFDP_BLOCK sequences, round robin, and each part is packed by the
 * OBFD engine on its own thread.  Then the parts are stitched: the last
 * bins each part opened (its tail, made of its smallest sequences) are
 * dissolved, and those sequences are placed by Best Fit Decreasing into
 * the under-filled bins of every part (the gaps another part could not
 * fill) or into new bins.
 *
 * Three steps, each a pool run or a short serial stretch:
 *   1. (parallel) gather the part's lengths, place them, find its tail
 *      and its under-filled bins ("targets"), give every bin a cursor;
 *   2. (parallel) in one pass over the placement steps, write the part's
 *      other bins ("kept") straight into their final place and the
 *      sequences of its tail and targets into a side buffer;
 *   3. (serial) the stitch and the layout of targets and new bins, in
 *      O(tail + targets): about 0.2% of n at n = 10^6.
 * So beyond the engine's own passes over each part, obfdp adds one
 * gathering copy of the lengths and O(bins) bookkeeping.
 *
 * Round-robin blocks rather than halves: every part then sees the same
 * mix of lengths even when the input is sorted or drifts, and the parts'
 * gaps match.  With contiguous halves, lengths sorted ascending put the
 * long sequences in one part and the short ones, which should fill their
 * gaps, in the other, and cost up to a quarter more bins.
 *
 * Deterministic for a given thread count.  Threads come from a pool in
 * the plugin state (created on first use, joined by state_free), so a
 * workspace pays no thread creation per call.  Bins: within 0.1% +
 * threads of obfd's (docs/algorithms.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/plugin.h>

#include "common/bfcap.h"
#include "common/bfbucket.h"
#include "common/obfdcore.h"
#include "common/pool.h"

/* Inputs smaller than this stay on one thread: the split costs more than
 * it saves. */
#define OBFDP_MIN_PARALLEL 65536u
#define OBFDP_MAX_THREADS 64u
/* Blocks of 16 sequences (one cache line of lengths): each thread reads
 * only its own lines, and the parts' lengths interleave so finely that
 * even sorted input gives every part the same mix.  (With blocks of 4096
 * and lengths sorted, part 1's long sequences had their complements in
 * part 0: +2% bins at n = 200k, 4 threads.) */
#define OBFDP_BLOCK_LOG 4u
#define OBFDP_BLOCK ((size_t)1 << OBFDP_BLOCK_LOG)
/* A part's last bins holding n / OBFDP_TAIL_FRAC of its sequences, at
 * most about OBFDP_TAIL_MAX and at least one bin, are dissolved (the
 * stitch is serial: at n = 10^6 it must stay about a thousand sequences
 * per part; 200k sequences on 4 threads with C = 10^6 need the 1/64)... */
#define OBFDP_TAIL_FRAC 64u
#define OBFDP_TAIL_MAX 1024u
/* ...and its bins filled below 15/16 can take their sequences. */
#define OBFDP_FILL_NUM 15u
#define OBFDP_FILL_DEN 16u

/* A bin's cursor with this bit points into the side buffer.  Every cursor
 * is at most the part's size, which want_threads keeps below 2^31. */
#define SIDE 0x80000000u

/* A small growable list (kept from call to call). */
struct vec {
	uint32_t *p;
	size_t n, cap;
};

static int vec_push(struct vec *v, uint32_t x)
{
	if (v->n == v->cap) {
		size_t c = v->cap ? v->cap * 2 : 1024;
		uint32_t *p = realloc(v->p, c * sizeof(uint32_t));
		if (!p)
			return -1;
		v->p = p;
		v->cap = c;
	}
	v->p[v->n++] = x;
	return 0;
}

struct part {
	struct obfd_ws ws;
	/* Its bins' fill and item count (the count becomes each bin's
	 * cursor in step 1); the side buffer: the tail's sequences, then the
	 * targets'; the tail sequences' lengths. */
	struct bfbuf used, count; /* sparse: 4 KiB pages */
	struct bfbuf side, slen;
	struct vec tbin; /* the targets' bin numbers, ascending */
	size_t lo, n;          /* its lengths: out->items[lo .. lo + n) */
	size_t nbins, tail;    /* tail: the first dissolved bin */
	size_t tb, ti, nl;     /* targets, their sequences, tail sequences */
	size_t kbase, kibase;  /* first output bin and item of kept bins */
	seqpack_error err;
	int rc;
};

struct obfdp_state {
	struct pool *pool;
	unsigned ncpu; /* online CPUs, looked up once */
	struct part part[OBFDP_MAX_THREADS];
	struct bfcap_mem cap;
	struct bfbucket_mem bucket;
	struct bfbuf lidx, llen, tidx, tlen, dest, bused, bcount;
};

struct job {
	struct obfdp_state *st;
	const uint32_t *len;
	size_t n;
	unsigned nparts;
	uint32_t cap, maxi; /* maxi: UINT32_MAX when unlimited */
	uint32_t min_used;
	seqpack_plugin_output *out;
};

static void *obfdp_state_new(void)
{
	return calloc(1, sizeof(struct obfdp_state));
}

static void part_free(struct part *pt)
{
	obfd_ws_free(&pt->ws);
	bfbuf_free(&pt->side);
	bfbuf_free(&pt->used);
	bfbuf_free(&pt->count);
	bfbuf_free(&pt->slen);
	free(pt->tbin.p);
}

static void obfdp_state_free(void *arg)
{
	struct obfdp_state *st = arg;
	if (!st)
		return;
	pool_free(st->pool);
	for (unsigned i = 0; i < OBFDP_MAX_THREADS; i++)
		part_free(&st->part[i]);
	bfcap_mem_free(&st->cap);
	bfbucket_mem_free(&st->bucket);
	bfbuf_free(&st->lidx);
	bfbuf_free(&st->llen);
	bfbuf_free(&st->tidx);
	bfbuf_free(&st->tlen);
	bfbuf_free(&st->dest);
	bfbuf_free(&st->bused);
	bfbuf_free(&st->bcount);
	free(st);
}

/* Sequences in part t of T: blocks t, t + T, t + 2T, ... of n. */
static size_t part_size(size_t n, unsigned T, unsigned t)
{
	size_t nblk = (n + OBFDP_BLOCK - 1) >> OBFDP_BLOCK_LOG;
	if (t >= nblk)
		return 0;
	size_t mine = (nblk - t + T - 1) / T;
	size_t sz = mine << OBFDP_BLOCK_LOG;
	/* The last block, if short, is the part's last. */
	if ((nblk - 1) % T == t && (n & (OBFDP_BLOCK - 1)))
		sz -= OBFDP_BLOCK - (n & (OBFDP_BLOCK - 1));
	return sz;
}

/* The input index of part t's l-th sequence. */
static inline uint32_t global_index(uint32_t l, uint32_t T, uint32_t t)
{
	return (((l >> OBFDP_BLOCK_LOG) * T + t) << OBFDP_BLOCK_LOG) |
	       (l & (uint32_t)(OBFDP_BLOCK - 1));
}

/* Step 1 (parallel): gather and pack a part, find its tail and its
 * targets, and turn each other bin's count into its cursor: a kept bin's
 * first slot among the part's kept sequences, or a target's first slot in
 * the side buffer (after the tail's sequences). */
static void place_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	const size_t n = pt->n;
	/* The output's items array is free until step 2, and big enough
	 * for every part's lengths side by side. */
	uint32_t *plen = j->out->items + pt->lo;
	/* Per-bin arrays of one part: at n = 10^6 and C = 4096 its bins
	 * fill 128 KiB of them, so 2 MiB pages would only cost memory. */
	uint32_t *used = bfbuf_reserve_sparse(&pt->used, n, sizeof(uint32_t));
	uint32_t *count = bfbuf_reserve_sparse(&pt->count, n,
					       sizeof(uint32_t));
	if (!used || !count) {
		pt->rc = bf_nomem(&pt->err, "obfdp part");
		return;
	}
	const size_t step = (size_t)j->nparts << OBFDP_BLOCK_LOG;
	size_t l = 0, g = (size_t)t << OBFDP_BLOCK_LOG;
	for (; l + OBFDP_BLOCK <= n; l += OBFDP_BLOCK, g += step)
		memcpy(plen + l, j->len + g, OBFDP_BLOCK * sizeof(uint32_t));
	if (l < n) /* the input's last block, short */
		memcpy(plen + l, j->len + g, (n - l) * sizeof(uint32_t));
	pt->rc = obfd_place(&pt->ws, plen, n, j->cap, j->maxi, used, count,
			    &pt->nbins, &pt->err);
	if (pt->rc)
		return;
	/* Counting sequences, not bins, bounds the serial stitch whatever
	 * the number of sequences per bin. */
	size_t tail = pt->nbins, want = n / OBFDP_TAIL_FRAC, got = 0;
	if (want > OBFDP_TAIL_MAX)
		want = OBFDP_TAIL_MAX;
	do
		got += count[--tail];
	while (tail > 0 && got < want);
	uint32_t pos = 0, spos = (uint32_t)got;
	pt->tbin.n = 0;
	for (size_t b = 0; b < tail; b++) {
		uint32_t c = count[b];
		if (used[b] < j->min_used && c < j->maxi) {
			if (vec_push(&pt->tbin, (uint32_t)b)) {
				pt->rc = bf_nomem(&pt->err, "obfdp part");
				return;
			}
			count[b] = SIDE | spos;
			spos += c;
		} else {
			count[b] = pos;
			pos += c;
		}
	}
	size_t ti = spos - got;
	if (!bfbuf_reserve_sparse(&pt->side, ti + got, sizeof(uint32_t)) ||
	    !bfbuf_reserve_sparse(&pt->slen, got, sizeof(uint32_t))) {
		pt->rc = bf_nomem(&pt->err, "obfdp part");
		return;
	}
	pt->tail = tail;
	pt->tb = pt->tbin.n;
	pt->ti = ti;
	pt->nl = got;
}

/* Step 2 (parallel): walk the placement steps once and put each sequence
 * at its bin's cursor (tail sequences go to the front of the side buffer,
 * in step order), then write the kept bins' fill and offsets: a kept
 * bin's cursor has come to its end. */
static void emit_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	const uint32_t *ord = pt->ws.ord.p, *bs = pt->ws.binof.p;
	const uint32_t *len = j->len;
	uint32_t *cur = pt->count.p;
	uint32_t *items = j->out->items + pt->kibase, *side = pt->side.p;
	/* Tail sequences are listed in step order, so longest first (ties
	 * in input order), with their lengths: the stitch merges the parts'
	 * lists instead of sorting them. */
	uint32_t *slen = pt->slen.p, nl = 0;
	const uint32_t T = j->nparts, tail = (uint32_t)pt->tail;
	for (size_t q = 0; q < pt->n; q++) {
		uint32_t b = bs[q], l = ord[q];
		uint32_t x = global_index(l, T, t);
		if (b >= tail) {
			side[nl] = x;
			slen[nl++] = len[x];
			continue;
		}
		uint32_t v = cur[b];
		cur[b] = v + 1;
		if (v & SIDE)
			side[v & ~SIDE] = x;
		else
			items[v] = x;
	}
	const uint32_t *used = pt->used.p;
	uint32_t *oused = j->out->used + pt->kbase;
	uint32_t *oend = j->out->offsets + pt->kbase + 1;
	const uint32_t kibase = (uint32_t)pt->kibase;
	size_t g = 0;
	for (size_t b = 0; b < pt->tail; b++) {
		uint32_t v = cur[b];
		if (!(v & SIDE)) {
			oused[g] = used[b];
			oend[g++] = kibase + v;
		}
	}
}

/* Merge the sorted runs a[run[r] .. run[r + 1]) (r < nrun; lengths in
 * al, longest first) into one, ties to the earlier run; b and bl are
 * scratch of the same size.  Returns whichever of a and b holds the
 * result (and sets *rl to its lengths). */
static uint32_t *merge_runs(uint32_t *a, uint32_t *al, uint32_t *b,
			    uint32_t *bl, size_t *run, unsigned nrun,
			    uint32_t **rl)
{
	while (nrun > 1) {
		unsigned w = 0;
		for (unsigned r = 0; r < nrun; r += 2) {
			size_t i = run[r], lo = run[r];
			size_t mid = run[r + 1];
			size_t hi = r + 1 < nrun ? run[r + 2] : mid;
			size_t x = lo, y = mid;
			while (x < mid && y < hi) {
				if (al[y] > al[x]) {
					b[i] = a[y];
					bl[i++] = al[y++];
				} else {
					b[i] = a[x];
					bl[i++] = al[x++];
				}
			}
			memcpy(b + i, a + x, (mid - x) * sizeof(uint32_t));
			memcpy(bl + i, al + x, (mid - x) * sizeof(uint32_t));
			i += mid - x;
			memcpy(b + i, a + y, (hi - y) * sizeof(uint32_t));
			memcpy(bl + i, al + y, (hi - y) * sizeof(uint32_t));
			run[w++] = lo;
		}
		run[w] = run[nrun];
		nrun = w;
		uint32_t *t = a;
		a = b;
		b = t;
		t = al;
		al = bl;
		bl = t;
	}
	*rl = al;
	return a;
}

/* Step 3a (serial): Best Fit Decreasing of the tail sequences into the
 * targets (bins 0 .. ntarget-1, in part order) and new bins.  Leaves the
 * tail sequences, longest first, in st->lidx (or st->tidx: *order says
 * which), dest[k] the bin of the k-th, bused/bcount for every bin; returns
 * the number of new bins, or -1 when out of memory. */
static long stitch(struct obfdp_state *st, const struct job *j,
		   size_t ntarget, size_t m, const uint32_t **order)
{
	const uint32_t cap = j->cap, maxi = j->maxi;
	size_t maxbins = ntarget + m;
	uint32_t *lidx = bfbuf_reserve_sparse(&st->lidx, m, sizeof(uint32_t));
	uint32_t *llen = bfbuf_reserve_sparse(&st->llen, m, sizeof(uint32_t));
	uint32_t *tidx = bfbuf_reserve_sparse(&st->tidx, m, sizeof(uint32_t));
	uint32_t *tlen = bfbuf_reserve_sparse(&st->tlen, m, sizeof(uint32_t));
	uint32_t *dest = bfbuf_reserve_sparse(&st->dest, m, sizeof(uint32_t));
	uint32_t *bused = bfbuf_reserve_sparse(&st->bused, maxbins,
					       sizeof(uint32_t));
	uint32_t *bcount = bfbuf_reserve_sparse(&st->bcount, maxbins,
						sizeof(uint32_t));
	if (!lidx || !llen || !tidx || !tlen || !dest || !bused || !bcount)
		return -1;
	size_t run[OBFDP_MAX_THREADS + 1];
	size_t k = 0, tb = 0;
	for (unsigned p = 0; p < j->nparts; p++) {
		const struct part *pt = &st->part[p];
		const uint32_t *side = pt->side.p, *tbin = pt->tbin.p,
			       *cur = pt->count.p, *used = pt->used.p;
		run[p] = k;
		memcpy(lidx + k, side, pt->nl * sizeof(uint32_t));
		memcpy(llen + k, pt->slen.p, pt->nl * sizeof(uint32_t));
		k += pt->nl;
		/* A target's cursor ends where the next one starts. */
		uint32_t start = (uint32_t)pt->nl;
		for (size_t i = 0; i < pt->tb; i++) {
			uint32_t end = cur[tbin[i]] & ~SIDE;
			bused[tb] = used[tbin[i]];
			bcount[tb++] = end - start;
			start = end;
		}
	}
	run[j->nparts] = k;
	uint32_t *len;
	*order = merge_runs(lidx, llen, tidx, tlen, run, j->nparts, &len);
	/* Every part has a tail, so m > 0. */
	const uint32_t minlen = len[m - 1];
	/* Same structures as bf: every capacity value indexed when small. */
	int dense = cap < (1u << 16) || (size_t)cap <= maxbins / 2;
	struct bfcap x;
	struct bfbucket q;
	if (dense ? bfcap_init(&x, &st->cap, cap, maxbins)
		  : bfbucket_init(&q, &st->bucket, cap, maxbins))
		return -1;
	/* Bins that cannot take even the shortest tail sequence stay out. */
	for (uint32_t b = 0; b < ntarget; b++) {
		uint32_t rem = cap - bused[b];
		if (rem < minlen)
			continue;
		if (dense)
			bfcap_insert(&x, b, rem);
		else
			bfbucket_insert(&q, b, rem);
	}
	uint32_t nb = (uint32_t)ntarget;
	for (size_t i = 0; i < m; i++) {
		uint32_t s = len[i], b;
		if (dense) {
			uint32_t r = bfcap_find(&x, s);
			b = r == BF_NONE ? BF_NONE : bfcap_pop(&x, r);
		} else {
			b = bfbucket_find(&q, s);
			if (b != BF_NONE)
				bfbucket_remove(&q, b);
		}
		if (b == BF_NONE) {
			b = nb++;
			bused[b] = 0;
			bcount[b] = 0;
		}
		bused[b] += s;
		bcount[b]++;
		dest[i] = b;
		uint32_t rem = cap - bused[b];
		if (rem >= minlen && bcount[b] < maxi) {
			if (dense)
				bfcap_insert(&x, b, rem);
			else
				bfbucket_insert(&q, b, rem);
		}
	}
	return (long)(nb - ntarget);
}

/* Step 3b (serial): targets and new bins go after the kept ones; each
 * target holds its own sequences (from its part's side buffer), then the
 * ones the stitch gave it. */
static void lay_out_rest(struct obfdp_state *st, const struct job *j,
			 size_t kb, size_t ki, size_t nrest, size_t m,
			 const uint32_t *order)
{
	seqpack_plugin_output *out = j->out;
	const uint32_t *bused = st->bused.p, *bcount = st->bcount.p;
	uint32_t *cur = out->offsets + kb + 1; /* start, advanced to end */
	uint32_t pos = (uint32_t)ki;
	for (size_t b = 0; b < nrest; b++) {
		cur[b] = pos;
		out->used[kb + b] = bused[b];
		pos += bcount[b];
	}
	size_t b = 0;
	for (unsigned p = 0; p < j->nparts; p++) {
		const struct part *pt = &st->part[p];
		const uint32_t *side = pt->side.p, *tbin = pt->tbin.p,
			       *pcur = pt->count.p;
		uint32_t start = (uint32_t)pt->nl;
		for (size_t i = 0; i < pt->tb; i++, b++) {
			uint32_t end = pcur[tbin[i]] & ~SIDE;
			memcpy(out->items + cur[b], side + start,
			       (end - start) * sizeof(uint32_t));
			cur[b] += end - start;
			start = end;
		}
	}
	const uint32_t *dest = st->dest.p;
	for (size_t i = 0; i < m; i++)
		out->items[cur[dest[i]]++] = order[i];
}

static unsigned want_threads(struct obfdp_state *st,
			     const seqpack_params *params, size_t n)
{
	if (n < OBFDP_MIN_PARALLEL)
		return 1;
	unsigned t = params->threads;
	if (t == 0) {
		if (!st->ncpu) {
			long c = sysconf(_SC_NPROCESSORS_ONLN);
			st->ncpu = c > 0 ? (unsigned)c : 1;
		}
		t = st->ncpu;
	}
	if (t > OBFDP_MAX_THREADS)
		t = OBFDP_MAX_THREADS;
	/* Keep every part large enough to be worth a thread. */
	if (t > n / (OBFDP_MIN_PARALLEL / 2))
		t = (unsigned)(n / (OBFDP_MIN_PARALLEL / 2));
	/* ...and below 2^31 sequences (SIDE), which halves of n close to
	 * 2^32 are not. */
	if (t == 2 && n / 2 + OBFDP_BLOCK >= (size_t)1 << 31)
		t = 3;
	return t ? t : 1;
}

static int obfdp_run(struct obfdp_state *st, const uint32_t *len, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	unsigned t = want_threads(st, params, n);
	if (t == 1)
		return obfd_pack(&st->part[0].ws, len, n, params->capacity,
				 params->max_items, out, err);
	if (!st->pool && !(st->pool = pool_new()))
		return bf_nomem(err, "obfdp thread pool");
	/* Threads that cannot be created just mean more work for the
	 * caller: the parts (and so the packing) stay the same. */
	pool_reserve(st->pool, t - 1);

	struct job j = {.st = st, .len = len, .n = n, .nparts = t,
			.cap = params->capacity,
			.maxi = params->max_items ? params->max_items
						  : UINT32_MAX,
			.out = out};
	j.min_used = (uint32_t)((uint64_t)params->capacity * OBFDP_FILL_NUM /
				OBFDP_FILL_DEN);
	size_t lo = 0;
	for (unsigned i = 0; i < t; i++) {
		struct part *pt = &st->part[i];
		pt->lo = lo;
		pt->n = part_size(n, t, i);
		lo += pt->n;
		pt->rc = SEQPACK_OK;
		pt->err.message[0] = 0;
	}
	pool_run(st->pool, place_part, &j, t);

	size_t kb = 0, ki = 0, tb = 0, m = 0;
	for (unsigned i = 0; i < t; i++) {
		struct part *pt = &st->part[i];
		if (pt->rc) {
			*err = pt->err;
			return pt->rc;
		}
		pt->kbase = kb;
		pt->kibase = ki;
		kb += pt->tail - pt->tb;
		ki += pt->n - pt->ti - pt->nl;
		tb += pt->tb;
		m += pt->nl;
	}
	pool_run(st->pool, emit_part, &j, t);

	const uint32_t *order;
	long added = stitch(st, &j, tb, m, &order);
	if (added < 0)
		return bf_nomem(err, "obfdp stitch");
	out->offsets[0] = 0;
	lay_out_rest(st, &j, kb, ki, tb + (size_t)added, m, order);
	out->nbins = kb + tb + (size_t)added;
	return SEQPACK_OK;
}

static int obfdp_pack(void *state, const uint32_t *lengths, size_t n,
		      const seqpack_params *params, seqpack_plugin_output *out,
		      seqpack_error *err)
{
	if (state)
		return obfdp_run(state, lengths, n, params, out, err);
	struct obfdp_state *st = obfdp_state_new();
	if (!st)
		return bf_nomem(err, "obfdp state");
	int rc = obfdp_run(st, lengths, n, params, out, err);
	obfdp_state_free(st);
	return rc;
}

SEQPACK_PLUGIN_DEFINE(obfdp,
	.name = "obfdp",
	.title = "Parallel Optimized Best Fit Decreasing",
	.description = "obfd on one part per thread (round-robin blocks), then each part's tail refilled into all parts' gaps; bins within 0.1% + threads of obfd",
	.flags = SEQPACK_FLAG_OFFLINE | SEQPACK_FLAG_PARALLEL,
	.state_new = obfdp_state_new,
	.state_free = obfdp_state_free,
	.pack = obfdp_pack)
