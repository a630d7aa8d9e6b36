/* First Fit: each sequence goes into the lowest-index open bin with room
 * for it, else into a new bin.  O(n log B) with the max-tree of
 * common/fftree.h.  Bound: FF <= floor(1.7 OPT) (Dosa & Sgall 2013).
 *
 * Streaming keeps at most max_open bins open.  When a sequence fits no
 * open bin and max_open bins are open, the fullest one (ties: the lowest
 * index) is emitted to make room; a bin that becomes exactly full (tokens
 * or max_items) is emitted at once since it can take nothing more.  Open
 * bins are the leaves of a slot tree kept in opening order; emitted bins
 * leave holes that are squeezed out when the tree is rebuilt, so memory
 * is O(max_open) however long the stream runs. */
#include <stdio.h>
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/ffpack.h"

static int ff_pack(void *state, const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	return ffpack_run(lengths, n, params, NULL, out, err);
}

#define NONE UINT32_MAX

struct open_bin {
	uint64_t *ids;
	size_t count, alloc;
	uint64_t used;
};

struct ff_stream {
	seqpack_plugin_emit_fn emit;
	void *emit_ctx;
	uint32_t cap, maxi, max_open;

	/* Leaves 0 .. tail-1 hold bins in opening order (NONE: emitted). */
	size_t leaves, tail;
	uint32_t *slot;  /* leaf -> index into bins[] */
	uint32_t *most;  /* max room below a node: finds the first fit */
	uint32_t *least; /* min room below a node: finds the fullest */

	struct open_bin *bins; /* records, reused through free_recs */
	size_t nrecs, open;
	uint32_t *free_recs;
	size_t nfree;
};

static int stream_nomem(seqpack_error *err)
{
	return ffpack_nomem(err, "ff stream");
}

static uint32_t room(const struct ff_stream *s, const struct open_bin *b)
{
	return b->count >= s->maxi ? 0 : (uint32_t)(s->cap - b->used);
}

static void set_leaf(struct ff_stream *s, size_t leaf)
{
	uint32_t r = s->slot[leaf];
	size_t p = s->leaves + leaf;
	s->most[p] = r == NONE ? 0 : room(s, &s->bins[r]);
	s->least[p] = r == NONE ? UINT32_MAX : room(s, &s->bins[r]);
	for (p >>= 1; p; p >>= 1) {
		uint32_t a = s->most[2 * p], b = s->most[2 * p + 1];
		s->most[p] = a > b ? a : b;
		a = s->least[2 * p];
		b = s->least[2 * p + 1];
		s->least[p] = a < b ? a : b;
	}
}

/* Rebuild with the given number of leaves, open bins packed to the left
 * in their order. */
static int relayout(struct ff_stream *s, size_t leaves)
{
	uint32_t *slot = malloc(leaves * sizeof(*slot));
	uint32_t *most = malloc(2 * leaves * sizeof(*most));
	uint32_t *least = malloc(2 * leaves * sizeof(*least));
	if (!slot || !most || !least) {
		free(slot);
		free(most);
		free(least);
		return -1;
	}
	size_t tail = 0;
	for (size_t i = 0; i < s->tail; i++) {
		uint32_t r = s->slot[i];
		if (r != NONE)
			slot[tail++] = r;
	}
	for (size_t i = 0; i < leaves; i++) {
		uint32_t r = i < tail ? slot[i] : NONE;
		if (i >= tail)
			slot[i] = NONE;
		most[leaves + i] = r == NONE ? 0 : room(s, &s->bins[r]);
		least[leaves + i] = r == NONE ? UINT32_MAX
					      : room(s, &s->bins[r]);
	}
	for (size_t p = leaves - 1; p > 0; p--) {
		uint32_t a = most[2 * p], b = most[2 * p + 1];
		most[p] = a > b ? a : b;
		a = least[2 * p];
		b = least[2 * p + 1];
		least[p] = a < b ? a : b;
	}
	free(s->slot);
	free(s->most);
	free(s->least);
	s->slot = slot;
	s->most = most;
	s->least = least;
	s->leaves = leaves;
	s->tail = tail;
	return 0;
}

static void *ff_stream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *emit_ctx,
			    seqpack_error *err)
{
	struct ff_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		stream_nomem(err);
		return NULL;
	}
	s->emit = emit;
	s->emit_ctx = emit_ctx;
	s->cap = params->capacity;
	s->maxi = params->max_items ? params->max_items : UINT32_MAX;
	s->max_open = params->max_open ? params->max_open : 1;
	if (relayout(s, 16) != 0) {
		free(s);
		stream_nomem(err);
		return NULL;
	}
	return s;
}

/* Forget the bin at leaf and recycle its record. */
static void drop_leaf(struct ff_stream *s, size_t leaf)
{
	uint32_t r = s->slot[leaf];
	s->bins[r].count = 0;
	s->bins[r].used = 0;
	s->free_recs[s->nfree++] = r;
	s->slot[leaf] = NONE;
	s->open--;
	set_leaf(s, leaf);
}

/* Emit the bin at leaf, then forget it: once emitted a pack is final,
 * even when the caller's callback asks to stop. */
static int emit_leaf(struct ff_stream *s, size_t leaf)
{
	const struct open_bin *b = &s->bins[s->slot[leaf]];
	int rc = s->emit(s->emit_ctx, b->ids, b->count, b->used);
	drop_leaf(s, leaf);
	return rc;
}

static int append(struct open_bin *b, uint64_t id, uint32_t length)
{
	if (b->count == b->alloc) {
		size_t na = b->alloc ? b->alloc * 2 : 8;
		uint64_t *ids = realloc(b->ids, na * sizeof(*ids));
		if (!ids)
			return -1;
		b->ids = ids;
		b->alloc = na;
	}
	b->ids[b->count++] = id;
	b->used += length;
	return 0;
}

/* A record for a new bin: a recycled one, else a new one. */
static int new_record(struct ff_stream *s, uint32_t *ret)
{
	if (s->nfree) {
		*ret = s->free_recs[--s->nfree];
		return 0;
	}
	struct open_bin *bins = realloc(s->bins, (s->nrecs + 1) * sizeof(*bins));
	if (!bins)
		return -1;
	s->bins = bins;
	uint32_t *fr = realloc(s->free_recs, (s->nrecs + 1) * sizeof(*fr));
	if (!fr)
		return -1;
	s->free_recs = fr;
	bins[s->nrecs] = (struct open_bin){0};
	*ret = (uint32_t)s->nrecs++;
	return 0;
}

static size_t descend(const uint32_t *tree, size_t leaves, int want_max,
		      uint32_t len)
{
	size_t p = 1;
	while (p < leaves) {
		if (want_max)
			p = tree[2 * p] >= len ? 2 * p : 2 * p + 1;
		else
			p = tree[2 * p] <= tree[1] ? 2 * p : 2 * p + 1;
	}
	return p - leaves;
}

static int ff_stream_push(void *arg, uint64_t id, uint32_t length,
			  seqpack_error *err)
{
	struct ff_stream *s = arg;
	size_t leaf;
	if (s->open && s->most[1] >= length) {
		leaf = descend(s->most, s->leaves, 1, length);
	} else {
		if (s->open >= s->max_open) {
			int rc = emit_leaf(s, descend(s->least, s->leaves, 0, 0));
			if (rc)
				return rc;
		}
		if (s->tail == s->leaves) {
			/* Squeeze out holes; double only when at least half
			 * the leaves are open bins, so rebuilds stay
			 * amortised O(1) per bin. */
			size_t leaves = s->open * 2 <= s->leaves ? s->leaves
								 : s->leaves * 2;
			if (relayout(s, leaves) != 0)
				return stream_nomem(err);
		}
		uint32_t r;
		if (new_record(s, &r) != 0)
			return stream_nomem(err);
		leaf = s->tail++;
		s->slot[leaf] = r;
		s->open++;
	}
	struct open_bin *b = &s->bins[s->slot[leaf]];
	if (append(b, id, length) != 0) {
		if (b->count == 0)
			drop_leaf(s, leaf); /* a new bin that never got its item */
		return stream_nomem(err);
	}
	if (room(s, b) == 0)
		return emit_leaf(s, leaf);
	set_leaf(s, leaf);
	return SEQPACK_OK;
}

static int ff_stream_finish(void *arg, seqpack_error *err)
{
	struct ff_stream *s = arg;
	for (size_t leaf = 0; leaf < s->tail; leaf++) {
		if (s->slot[leaf] == NONE)
			continue;
		int rc = emit_leaf(s, leaf);
		if (rc)
			return rc;
	}
	return SEQPACK_OK;
}

static void ff_stream_close(void *arg)
{
	struct ff_stream *s = arg;
	if (!s)
		return;
	for (size_t i = 0; i < s->nrecs; i++)
		free(s->bins[i].ids);
	free(s->bins);
	free(s->free_recs);
	free(s->slot);
	free(s->most);
	free(s->least);
	free(s);
}

SEQPACK_PLUGIN_DEFINE(ff,
	.name = "ff",
	.title = "First Fit",
	.description = "lowest-index bin with room, O(n log B) max-tree; <= floor(1.7 OPT) (Dosa & Sgall 2013)",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = ff_pack,
	.stream_open = ff_stream_open,
	.stream_push = ff_stream_push,
	.stream_finish = ff_stream_finish,
	.stream_close = ff_stream_close)
