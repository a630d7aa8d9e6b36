/* Parallel OBFD.  The input is cut into one contiguous part per thread
 * and each part is packed by the OBFD engine on its own thread.  Then the
 * parts are stitched: the last bins each part opened (its tail, made of
 * its smallest sequences) are dissolved, and those sequences are placed
 * by Best Fit Decreasing into the under-filled bins of every part (the
 * gaps another part could not fill) or into new bins.  Everything but
 * that final placement runs in parallel, and the final placement costs
 * O(tail + under-filled bins), not O(n).  Deterministic for a given
 * thread count.  Threads come from a pool in the plugin state (created on
 * first use, joined by state_free), so a workspace pays no thread
 * creation per call.  Bins: within 0.1% + threads of obfd's
 * (docs/algorithms.md). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/plugin.h>

#include "common/bfbucket.h"
#include "common/bfcap.h"
#include "common/obfdcore.h"
#include "common/order.h"
#include "common/pool.h"

/* Inputs smaller than this stay on one thread: the split costs more than
 * it saves. */
#define OBFDP_MIN_PARALLEL 65536u
#define OBFDP_MAX_THREADS 64u
/* A part's last bins holding n / OBFDP_TAIL_FRAC of its sequences are
 * dissolved (at least one bin)... */
#define OBFDP_TAIL_FRAC 64u
/* ...and its bins filled below 15/16 can take their sequences. */
#define OBFDP_FILL_NUM 15u
#define OBFDP_FILL_DEN 16u

enum { KEEP = 0, TARGET = 1, LOOSE = 2 };

struct part {
	struct obfd_ws ws;
	struct bfbuf used, count, cls, loose, tused, tcount;
	size_t lo, n;          /* the part's slice of the input */
	size_t nbins;
	size_t keep_bins, keep_items, targets, target_items, nloose;
	size_t keep_base, keep_item_base, target_base;
	seqpack_error err;
	int rc;
};

struct obfdp_state {
	struct pool *pool;
	struct part part[OBFDP_MAX_THREADS];
	struct bfcap_mem cap;
	struct bfbucket_mem bucket;
	struct bfbuf lidx, llen, lord, dest, bused, bcount;
};

struct job {
	struct obfdp_state *st;
	const uint32_t *len;
	uint32_t cap, maxi;
	uint32_t min_used;
	size_t keep_total, keep_items_total; /* first region of the output */
	seqpack_plugin_output *out;
};

static void *obfdp_state_new(void)
{
	return calloc(1, sizeof(struct obfdp_state));
}

static void part_free(struct part *pt)
{
	obfd_ws_free(&pt->ws);
	bfbuf_free(&pt->used);
	bfbuf_free(&pt->count);
	bfbuf_free(&pt->cls);
	bfbuf_free(&pt->loose);
	bfbuf_free(&pt->tused);
	bfbuf_free(&pt->tcount);
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
	bfbuf_free(&st->lord);
	bfbuf_free(&st->dest);
	bfbuf_free(&st->bused);
	bfbuf_free(&st->bcount);
	free(st);
}

/* Phase 1 (parallel): pack a part, sort its bins into kept, targets and
 * loose (tail) ones, list the targets' fill and the loose sequences. */
static void place_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	uint32_t *used = bfbuf_reserve(&pt->used, pt->n, sizeof(uint32_t));
	uint32_t *count = bfbuf_reserve(&pt->count, pt->n, sizeof(uint32_t));
	uint8_t *cls = bfbuf_reserve(&pt->cls, pt->n, 1);
	uint32_t *loose = bfbuf_reserve(&pt->loose, pt->n, sizeof(uint32_t));
	uint32_t *tused = bfbuf_reserve(&pt->tused, pt->n, sizeof(uint32_t));
	uint32_t *tcount = bfbuf_reserve(&pt->tcount, pt->n, sizeof(uint32_t));
	if (!used || !count || !cls || !loose || !tused || !tcount) {
		pt->rc = bf_nomem(&pt->err, "obfdp part");
		return;
	}
	pt->rc = obfd_place(&pt->ws, j->len + pt->lo, pt->n, j->cap, j->maxi,
			    used, count, &pt->nbins, &pt->err);
	if (pt->rc)
		return;
	/* Counting sequences, not bins, bounds the serial stitch whatever
	 * the number of sequences per bin. */
	size_t tail = pt->nbins, want = pt->n / OBFDP_TAIL_FRAC, got = 0;
	do
		got += count[--tail];
	while (tail > 0 && got < want);
	const uint32_t maxi = j->maxi ? j->maxi : UINT32_MAX;
	size_t kb = 0, ki = 0, tb = 0, ti = 0;
	for (size_t b = 0; b < pt->nbins; b++) {
		if (b >= tail) {
			cls[b] = LOOSE;
		} else if (used[b] < j->min_used && count[b] < maxi) {
			cls[b] = TARGET;
			tused[tb] = used[b];
			tcount[tb++] = count[b];
			ti += count[b];
		} else {
			cls[b] = KEEP;
			kb++;
			ki += count[b];
		}
	}
	size_t nl = 0;
	const uint32_t *ord = pt->ws.ord.p, *bs = pt->ws.binof.p;
	for (size_t q = 0; q < pt->n; q++)
		if (bs[q] >= tail)
			loose[nl++] = ord[q] + (uint32_t)pt->lo;
	pt->keep_bins = kb;
	pt->keep_items = ki;
	pt->targets = tb;
	pt->target_items = ti;
	pt->nloose = nl;
}

/* Phase 3 (parallel): write a part's kept bins, and the original
 * sequences of its targets, straight into their final place.  Target
 * offsets were set by the serial phase; kept ones are laid out here. */
static void emit_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	const uint32_t *used = pt->used.p, *ord = pt->ws.ord.p,
		       *bs = pt->ws.binof.p;
	const uint8_t *cls = pt->cls.p;
	uint32_t *gid = pt->count.p; /* count[b] becomes b's output bin */
	uint32_t *off = j->out->offsets;
	uint32_t g = (uint32_t)pt->keep_base, pos = (uint32_t)pt->keep_item_base;
	uint32_t tg = (uint32_t)(j->keep_total + pt->target_base);
	for (size_t b = 0; b < pt->nbins; b++) {
		if (cls[b] == KEEP) {
			j->out->used[g] = used[b];
			off[g + 1] = pos; /* advanced to the bin's end below */
			pos += gid[b];
			gid[b] = g++;
		} else if (cls[b] == TARGET) {
			gid[b] = tg++;
		} else {
			gid[b] = BF_NONE;
		}
	}
	const uint32_t lo = (uint32_t)pt->lo;
	uint32_t *items = j->out->items;
	for (size_t q = 0; q < pt->n; q++) {
		uint32_t b = gid[bs[q]];
		if (b != BF_NONE)
			items[off[b + 1]++] = ord[q] + lo;
	}
}

/* Phase 2 (serial): Best Fit Decreasing of the loose sequences into the
 * targets (bins 0 .. ntarget-1, in part order) and new bins.  Fills
 * dest[k] for the k-th loose sequence in lord order, bused/bcount for
 * every bin; returns the number of new bins, or -1 when out of memory. */
static long stitch(struct obfdp_state *st, const struct job *j,
		   unsigned nparts, size_t ntarget, size_t m)
{
	const uint32_t cap = j->cap, maxi = j->maxi ? j->maxi : UINT32_MAX;
	size_t maxbins = ntarget + m;
	uint32_t *lidx = bfbuf_reserve(&st->lidx, m, sizeof(uint32_t));
	uint32_t *llen = bfbuf_reserve(&st->llen, m, sizeof(uint32_t));
	uint32_t *lord = bfbuf_reserve(&st->lord, m, sizeof(uint32_t));
	uint32_t *dest = bfbuf_reserve(&st->dest, m, sizeof(uint32_t));
	uint32_t *bused = bfbuf_reserve(&st->bused, maxbins, sizeof(uint32_t));
	uint32_t *bcount = bfbuf_reserve(&st->bcount, maxbins, sizeof(uint32_t));
	if (!lidx || !llen || !lord || !dest || !bused || !bcount)
		return -1;
	size_t k = 0, tb = 0;
	uint32_t minlen = cap;
	for (unsigned p = 0; p < nparts; p++) {
		const struct part *pt = &st->part[p];
		memcpy(lidx + k, pt->loose.p, pt->nloose * sizeof(uint32_t));
		k += pt->nloose;
		memcpy(bused + tb, pt->tused.p, pt->targets * sizeof(uint32_t));
		memcpy(bcount + tb, pt->tcount.p, pt->targets * sizeof(uint32_t));
		tb += pt->targets;
	}
	for (size_t i = 0; i < m; i++) {
		llen[i] = j->len[lidx[i]];
		if (llen[i] < minlen)
			minlen = llen[i];
	}
	if (order_desc(llen, m, cap, lord))
		return -1;
	/* Same structures as bf: every capacity value indexed when small. */
	int dense = cap < (1u << 16) || (size_t)cap <= maxbins / 2;
	struct bfcap x;
	struct bfbucket q;
	if (dense ? bfcap_init(&x, &st->cap, cap, maxbins)
		  : bfbucket_init(&q, &st->bucket, cap, maxbins))
		return -1;
	/* Bins that cannot take even the shortest loose sequence stay out. */
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
		uint32_t s = llen[lord[i]], b;
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

static unsigned want_threads(const seqpack_params *params, size_t n)
{
	if (n < OBFDP_MIN_PARALLEL)
		return 1;
	unsigned t = params->threads;
	if (t == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		t = c > 0 ? (unsigned)c : 1;
	}
	if (t > OBFDP_MAX_THREADS)
		t = OBFDP_MAX_THREADS;
	/* Keep every part large enough to be worth a thread. */
	if (t > n / (OBFDP_MIN_PARALLEL / 2))
		t = (unsigned)(n / (OBFDP_MIN_PARALLEL / 2));
	return t ? t : 1;
}

static int obfdp_run(struct obfdp_state *st, const uint32_t *len, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	unsigned t = want_threads(params, n);
	if (t == 1)
		return obfd_pack(&st->part[0].ws, len, n, params->capacity,
				 params->max_items, out, err);
	if (!st->pool && !(st->pool = pool_new()))
		return bf_nomem(err, "obfdp thread pool");
	/* Threads that cannot be created just mean more work for the
	 * caller: the parts (and so the packing) stay the same. */
	pool_reserve(st->pool, t - 1);

	struct job j = {.st = st, .len = len, .cap = params->capacity,
			.maxi = params->max_items, .out = out};
	j.min_used = (uint32_t)((uint64_t)params->capacity * OBFDP_FILL_NUM /
				OBFDP_FILL_DEN);
	for (unsigned i = 0; i < t; i++) {
		struct part *pt = &st->part[i];
		pt->lo = n * i / t;
		pt->n = n * (i + 1) / t - pt->lo;
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
		pt->keep_base = kb;
		pt->keep_item_base = ki;
		pt->target_base = tb;
		kb += pt->keep_bins;
		ki += pt->keep_items;
		tb += pt->targets;
		m += pt->nloose;
	}
	j.keep_total = kb;
	j.keep_items_total = ki;
	long added = stitch(st, &j, t, tb, m);
	if (added < 0)
		return bf_nomem(err, "obfdp stitch");

	/* Lay out targets and new bins after the kept ones: their size is
	 * now known (original sequences + those the stitch added). */
	const uint32_t *bused = st->bused.p, *bcount = st->bcount.p;
	uint32_t *off = out->offsets;
	off[0] = 0;
	uint32_t pos = (uint32_t)ki;
	for (size_t b = 0; b < tb + (size_t)added; b++) {
		off[kb + b + 1] = pos;
		out->used[kb + b] = bused[b];
		pos += bcount[b];
	}
	pool_run(st->pool, emit_part, &j, t);

	/* The stitched sequences go after their bin's original ones. */
	const uint32_t *lidx = st->lidx.p, *lord = st->lord.p,
		       *dest = st->dest.p;
	for (size_t i = 0; i < m; i++)
		out->items[off[kb + dest[i] + 1]++] = lidx[lord[i]];
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
	.description = "obfd on one part per thread, then each part's tail refilled into all parts' gaps; bins within 0.1% + threads of obfd",
	.flags = SEQPACK_FLAG_OFFLINE | SEQPACK_FLAG_PARALLEL,
	.state_new = obfdp_state_new,
	.state_free = obfdp_state_free,
	.pack = obfdp_pack)
