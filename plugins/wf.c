/* Worst Fit, online: each sequence, in input order, goes to the open bin
 * with the most remaining capacity when it fits there, ties to the lowest
 * bin index; otherwise a new bin opens.  The loosest bin is the top of a
 * binary max-heap of (remaining, ~bin index) keys: if the top does not
 * fit, nothing does.  O(log B) per sequence.  Bound: WF <= 2 OPT - 1, like
 * NF (Johnson 1974).  Streams with at most max_open open bins. */
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/bfstream.h"
#include "common/bfutil.h"

struct wf_state {
	struct bfbuf heap, binof;
};

static void *wf_state_new(void)
{
	return calloc(1, sizeof(struct wf_state));
}

static void wf_state_free(void *arg)
{
	struct wf_state *st = arg;
	if (!st)
		return;
	bfbuf_free(&st->heap);
	bfbuf_free(&st->binof);
	free(st);
}

/* Key order is the rule: more remaining first, then the lower index
 * (stored complemented so that larger means lower). */
static inline uint64_t wf_key(uint32_t rem, uint32_t bin)
{
	return (uint64_t)rem << 32 | (uint32_t)~bin;
}

static void sift_down(uint64_t *h, size_t m, size_t i)
{
	uint64_t v = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && h[c + 1] > h[c])
			c++;
		if (h[c] <= v)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

static void sift_up(uint64_t *h, size_t i)
{
	uint64_t v = h[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h[p] >= v)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = v;
}

static int wf_run(struct wf_state *st, const uint32_t *len, size_t n,
		  const seqpack_params *params, seqpack_plugin_output *out,
		  seqpack_error *err)
{
	const uint32_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items : UINT32_MAX;
	uint64_t *h = bfbuf_reserve(&st->heap, n, sizeof(uint64_t));
	uint32_t *binof = bfbuf_reserve(&st->binof, n, sizeof(uint32_t));
	if (!h || !binof)
		return bf_nomem(err, "wf scratch");
	uint32_t *used = out->used, *count = out->offsets + 1;
	uint32_t nb = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = len[i], b;
		if (m && (uint32_t)(h[0] >> 32) >= s) {
			b = ~(uint32_t)h[0];
			used[b] += s;
			count[b]++;
			if (used[b] == cap || count[b] >= maxi)
				h[0] = h[--m];
			else
				h[0] = wf_key(cap - used[b], b);
			if (m)
				sift_down(h, m, 0);
		} else {
			b = nb++;
			used[b] = s;
			count[b] = 1;
			if (s < cap && maxi > 1) {
				h[m] = wf_key(cap - s, b);
				sift_up(h, m++);
			}
		}
		binof[i] = b;
	}
	bf_csr(NULL, binof, n, nb, out);
	return SEQPACK_OK;
}

static int wf_pack(void *state, const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	if (state)
		return wf_run(state, lengths, n, params, out, err);
	struct wf_state *st = wf_state_new();
	if (!st)
		return bf_nomem(err, "wf state");
	int rc = wf_run(st, lengths, n, params, out, err);
	wf_state_free(st);
	return rc;
}

static void *wf_stream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *emit_ctx,
			    seqpack_error *err)
{
	return bfstream_open(BFSTREAM_WORST, params, emit, emit_ctx, err);
}

SEQPACK_PLUGIN_DEFINE(wf,
	.name = "wf",
	.title = "Worst Fit",
	.description = "online: the loosest open bin if it fits (ties: lowest index), else a new bin; O(n log B), <= 2 OPT - 1 like NF",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.state_new = wf_state_new,
	.state_free = wf_state_free,
	.pack = wf_pack,
	.stream_open = wf_stream_open,
	.stream_push = bfstream_push,
	.stream_finish = bfstream_finish,
	.stream_close = bfstream_close)
