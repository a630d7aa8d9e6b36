/* Next Fit: one open bin; an item that does not fit (or a bin that has
 * reached max_items) closes it and opens a new one.  O(n) time, O(1)
 * space, online and streaming.  Bound: NF <= 2 OPT - 1. */
#include <stdlib.h>

#include <seqpack/plugin.h>

static int nf_pack(void *state, const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	const uint32_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items : UINT32_MAX;
	size_t nbins = 0;
	uint32_t used = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t len = lengths[i];
		if (count == 0 || len > cap - used || count == maxi) {
			if (count) {
				out->used[nbins++] = used;
				out->offsets[nbins] = (uint32_t)i;
			}
			used = 0;
			count = 0;
		}
		out->items[i] = (uint32_t)i;
		used += len;
		count++;
	}
	if (count) {
		out->used[nbins++] = used;
		out->offsets[nbins] = (uint32_t)n;
	}
	out->nbins = nbins;
	return SEQPACK_OK;
}

/* Streaming keeps the ids of the one open bin. */
struct nf_stream {
	seqpack_plugin_emit_fn emit;
	void *emit_ctx;
	uint32_t cap, maxi;
	uint64_t used;
	size_t count, alloc;
	uint64_t *ids;
};

static void *nf_stream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *emit_ctx,
			    seqpack_error *err)
{
	struct nf_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		err->status = SEQPACK_ERR_NOMEM;
		return NULL;
	}
	s->emit = emit;
	s->emit_ctx = emit_ctx;
	s->cap = params->capacity;
	s->maxi = params->max_items ? params->max_items : UINT32_MAX;
	return s;
}

static int nf_close_bin(struct nf_stream *s)
{
	if (s->count == 0)
		return SEQPACK_OK;
	int rc = s->emit(s->emit_ctx, s->ids, s->count, s->used);
	s->count = 0;
	s->used = 0;
	return rc;
}

static int nf_stream_push(void *arg, uint64_t id, uint32_t length,
			  seqpack_error *err)
{
	struct nf_stream *s = arg;
	if (s->count && (length > s->cap - s->used || s->count == s->maxi)) {
		int rc = nf_close_bin(s);
		if (rc)
			return rc;
	}
	if (s->count == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 64;
		uint64_t *ids = realloc(s->ids, na * sizeof(*ids));
		if (!ids) {
			err->status = SEQPACK_ERR_NOMEM;
			return SEQPACK_ERR_NOMEM;
		}
		s->ids = ids;
		s->alloc = na;
	}
	s->ids[s->count++] = id;
	s->used += length;
	return SEQPACK_OK;
}

static int nf_stream_finish(void *arg, seqpack_error *err)
{
	return nf_close_bin(arg);
}

static void nf_stream_close(void *arg)
{
	struct nf_stream *s = arg;
	if (s) {
		free(s->ids);
		free(s);
	}
}

SEQPACK_PLUGIN_DEFINE(nf,
	.name = "nf",
	.title = "Next Fit",
	.description = "one open bin, closed when the next sequence does not fit; O(n), <= 2 OPT - 1",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = nf_pack,
	.stream_open = nf_stream_open,
	.stream_push = nf_stream_push,
	.stream_finish = nf_stream_finish,
	.stream_close = nf_stream_close)
