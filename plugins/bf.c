/* Best Fit, online: each sequence, in input order, goes to the open bin
 * with the least remaining capacity that still fits it, ties to the lowest
 * bin index.  Small capacities use the capacity-indexed bitmap of obfd
 * (common/bfcap.h), large ones a bucketed ordered set keyed by
 * (remaining, bin index) (common/bfbucket.h): O(log B) per sequence at
 * worst, never a scan of the bins.  Bound: BF <= floor(1.7 OPT) (Dosa and
 * Sgall 2014).  Streams with at most max_open open bins. */
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/bfbucket.h"
#include "common/bfcap.h"
#include "common/bfplace.h"
#include "common/bfstream.h"
#include "common/bfutil.h"

struct bf_state {
	struct bfcap_mem cap;
	struct bfbucket_mem bucket;
	struct bfbuf binof;
};

static void *bf_state_new(void)
{
	return calloc(1, sizeof(struct bf_state));
}

static void bf_state_free(void *arg)
{
	struct bf_state *st = arg;
	if (!st)
		return;
	bfcap_mem_free(&st->cap);
	bfbucket_mem_free(&st->bucket);
	bfbuf_free(&st->binof);
	free(st);
}

static int bf_run(struct bf_state *st, const uint32_t *len, size_t n,
		  const seqpack_params *params, seqpack_plugin_output *out,
		  seqpack_error *err)
{
	const uint32_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items : UINT32_MAX;
	uint32_t *binof = bfbuf_reserve(&st->binof, n, sizeof(uint32_t));
	struct bfbins k = {.used = out->used, .count = out->offsets + 1,
			   .cap = cap, .maxi = maxi};
	if (!binof)
		return bf_nomem(err, "bf scratch");
	if ((size_t)cap < ((size_t)1 << 16) || (size_t)cap <= n / 2) {
		struct bfcap x;
		if (bfcap_init(&x, &st->cap, cap, n))
			return bf_nomem(err, "bf scratch");
		for (size_t i = 0; i < n; i++)
			binof[i] = bfcap_place(&x, &k, len[i]);
	} else {
		struct bfbucket q;
		if (bfbucket_init(&q, &st->bucket, cap, n))
			return bf_nomem(err, "bf scratch");
		for (size_t i = 0; i < n; i++)
			binof[i] = bfbucket_place(&q, &k, len[i]);
	}
	bf_csr(NULL, binof, n, k.nb, out);
	return SEQPACK_OK;
}

static int bf_pack(void *state, const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	if (state)
		return bf_run(state, lengths, n, params, out, err);
	struct bf_state *st = bf_state_new();
	if (!st)
		return bf_nomem(err, "bf state");
	int rc = bf_run(st, lengths, n, params, out, err);
	bf_state_free(st);
	return rc;
}

static void *bf_stream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *emit_ctx,
			    seqpack_error *err)
{
	return bfstream_open(BFSTREAM_BEST, params, emit, emit_ctx, err);
}

SEQPACK_PLUGIN_DEFINE(bf,
	.name = "bf",
	.title = "Best Fit",
	.description = "online: the tightest open bin that fits (ties: lowest index); O(n log B), <= floor(1.7 OPT) (Dosa-Sgall 2014)",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.state_new = bf_state_new,
	.state_free = bf_state_free,
	.pack = bf_pack,
	.stream_open = bf_stream_open,
	.stream_push = bfstream_push,
	.stream_finish = bfstream_finish,
	.stream_close = bfstream_close)
