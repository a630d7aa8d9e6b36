/* Parallel OBFD: the input is cut into one contiguous part per thread,
 * each part is packed by the OBFD engine on its own thread, then the
 * bins of each part that are less full than a threshold are dissolved and
 * their sequences repacked together with OBFD, so the gaps one part left
 * are filled with the small sequences of another.  Deterministic for a
 * given thread count.  Threads come from a pool kept in the plugin state
 * (created on first use, joined by state_free).  Bins: within 0.1% +
 * threads of obfd's (docs/algorithms-bf.md). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/plugin.h>

#include "common/obfdcore.h"
#include "common/pool.h"

/* Inputs smaller than this stay on one thread: the split costs more than
 * it saves. */
#define OBFDP_MIN_PARALLEL 65536u
#define OBFDP_MAX_THREADS 64u
#ifndef OBFDP_FILL_NUM
#define OBFDP_FILL_NUM 15u
#define OBFDP_FILL_DEN 16u
#endif

struct part {
	struct obfd_ws ws;
	struct bfbuf items, offsets, used;
	size_t lo, n;        /* the part's slice of the input */
	size_t nbins;
	size_t kept_bins, kept_items;
	size_t bin_base, item_base, repack_base;
	seqpack_error err;
	int rc;
};

struct obfdp_state {
	struct pool *pool;
	struct part part[OBFDP_MAX_THREADS];
	struct obfd_ws repack_ws;
	struct bfbuf ridx, rlen;
};

struct job {
	struct obfdp_state *st;
	const uint32_t *len;
	uint32_t cap, maxi;
	uint32_t min_used; /* bins below this fill are dissolved */
	seqpack_plugin_output *out;
	uint32_t *ridx, *rlen;
};

static void *obfdp_state_new(void)
{
	return calloc(1, sizeof(struct obfdp_state));
}

static void obfdp_state_free(void *arg)
{
	struct obfdp_state *st = arg;
	if (!st)
		return;
	pool_free(st->pool);
	for (unsigned i = 0; i < OBFDP_MAX_THREADS; i++) {
		obfd_ws_free(&st->part[i].ws);
		bfbuf_free(&st->part[i].items);
		bfbuf_free(&st->part[i].offsets);
		bfbuf_free(&st->part[i].used);
	}
	obfd_ws_free(&st->repack_ws);
	bfbuf_free(&st->ridx);
	bfbuf_free(&st->rlen);
	free(st);
}

/* Phase 1: pack one part and count what it keeps. */
static void pack_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	uint32_t *items = bfbuf_reserve(&pt->items, pt->n, sizeof(uint32_t));
	uint32_t *offs = bfbuf_reserve(&pt->offsets, pt->n + 1, sizeof(uint32_t));
	uint32_t *used = bfbuf_reserve(&pt->used, pt->n, sizeof(uint32_t));
	if (!items || !offs || !used) {
		pt->rc = bf_nomem(&pt->err, "obfdp part");
		return;
	}
	seqpack_plugin_output o = {.items = items, .offsets = offs,
				   .used = used, .nbins = 0};
	pt->rc = obfd_pack(&pt->ws, j->len + pt->lo, pt->n, j->cap, j->maxi,
			   &o, &pt->err);
	if (pt->rc)
		return;
	pt->nbins = o.nbins;
	size_t kb = 0, ki = 0;
	for (size_t b = 0; b < o.nbins; b++)
		if (used[b] >= j->min_used) {
			kb++;
			ki += offs[b + 1] - offs[b];
		}
	pt->kept_bins = kb;
	pt->kept_items = ki;
}

/* Phase 2: copy the kept bins into place, gather the dissolved ones. */
static void place_part(void *arg, unsigned t)
{
	struct job *j = arg;
	struct part *pt = &j->st->part[t];
	const uint32_t *items = pt->items.p, *offs = pt->offsets.p,
		       *used = pt->used.p;
	uint32_t lo = (uint32_t)pt->lo;
	uint32_t *oi = j->out->items + pt->item_base;
	uint32_t *oo = j->out->offsets + pt->bin_base;
	uint32_t *ou = j->out->used + pt->bin_base;
	uint32_t *ri = j->ridx + pt->repack_base, *rl = j->rlen + pt->repack_base;
	uint32_t pos = (uint32_t)pt->item_base;
	for (size_t b = 0; b < pt->nbins; b++) {
		if (used[b] >= j->min_used) {
			for (uint32_t k = offs[b]; k < offs[b + 1]; k++)
				*oi++ = items[k] + lo;
			pos += offs[b + 1] - offs[b];
			*++oo = pos;
			*ou++ = used[b];
		} else {
			for (uint32_t k = offs[b]; k < offs[b + 1]; k++) {
				*ri++ = items[k] + lo;
				*rl++ = j->len[items[k] + lo];
			}
		}
	}
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
	uint64_t thr = (uint64_t)params->capacity * OBFDP_FILL_NUM / OBFDP_FILL_DEN;
	j.min_used = (uint32_t)thr;
	for (unsigned i = 0; i < t; i++) {
		struct part *pt = &st->part[i];
		pt->lo = n * i / t;
		pt->n = n * (i + 1) / t - pt->lo;
		pt->rc = SEQPACK_OK;
		pt->err.message[0] = 0;
	}
	pool_run(st->pool, pack_part, &j, t);
	size_t bins = 0, items = 0, rep = 0;
	for (unsigned i = 0; i < t; i++) {
		struct part *pt = &st->part[i];
		if (pt->rc) {
			*err = pt->err;
			return pt->rc;
		}
		pt->bin_base = bins;
		pt->item_base = items;
		pt->repack_base = rep;
		bins += pt->kept_bins;
		items += pt->kept_items;
		rep += pt->n - pt->kept_items;
	}
	j.ridx = bfbuf_reserve(&st->ridx, rep, sizeof(uint32_t));
	j.rlen = bfbuf_reserve(&st->rlen, rep, sizeof(uint32_t));
	if (!j.ridx || !j.rlen)
		return bf_nomem(err, "obfdp repack");
	out->offsets[0] = 0;
	pool_run(st->pool, place_part, &j, t);

	/* Repack the dissolved sequences straight into the tail of out,
	 * then turn their local indices and offsets into global ones. */
	seqpack_plugin_output tail = {.items = out->items + items,
				      .offsets = out->offsets + bins,
				      .used = out->used + bins, .nbins = 0};
	int rc = obfd_pack(&st->repack_ws, j.rlen, rep, params->capacity,
			   params->max_items, &tail, err);
	if (rc)
		return rc;
	for (size_t k = 0; k < rep; k++)
		tail.items[k] = j.ridx[tail.items[k]];
	for (size_t b = 0; b <= tail.nbins; b++)
		tail.offsets[b] += (uint32_t)items;
	out->nbins = bins + tail.nbins;
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
	.description = "obfd on one part per thread, then partial bins repacked together; bins within 0.1% + threads of obfd",
	.flags = SEQPACK_FLAG_OFFLINE | SEQPACK_FLAG_PARALLEL,
	.state_new = obfdp_state_new,
	.state_free = obfdp_state_free,
	.pack = obfdp_pack)
