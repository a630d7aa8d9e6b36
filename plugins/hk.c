/* Harmonic-K (Lee & Lee 1985): class i < k holds the sequences of size
 * in (C/(i+1), C/i], that is i = floor(C / len), so exactly i of them
 * fill a bin; class k holds everything of size <= C/k.  Each class has
 * one open bin, packed Next-Fit style: a class-i bin (i < k) closes when
 * it holds i sequences (or max_items), the class-k bin when the next
 * sequence does not fit.  Online, O(1) per sequence, at most k open bins:
 * bounded space, so it streams.  Asymptotic ratio tends to 1.691 as k
 * grows (1.69103 for k -> infinity); the class-k bins are Next Fit, whose
 * worst case is 2 OPT - 1 on tiny items.
 *
 * Classes live in a small open-addressing table keyed by class number,
 * so a huge k costs memory only for the classes that actually occur: at
 * most min(k, n, 2 sqrt(C)) of them, as floor(C / len) takes fewer than
 * 2 sqrt(C) distinct values. */
#include <stdio.h>
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/ffpack.h"

#define NONE UINT32_MAX

struct hk_class {
	uint32_t cls;   /* 0: empty table slot */
	uint32_t limit; /* sequences per bin of this class */
	uint32_t bin;   /* the open bin, NONE when there is none */
	uint32_t count;
	uint64_t used;
	uint64_t seq;   /* streaming: opening number of the open bin */
	uint64_t *ids;  /* streaming: ids of the open bin */
	size_t alloc;
};

struct hk {
	uint32_t cap, k, maxi;
	struct hk_class *slots;
	size_t size, nused; /* size is a power of two */
	uint64_t nbins;     /* bins opened so far */
};

static size_t slot_of(const struct hk *h, uint32_t cls)
{
	size_t i = (uint32_t)(cls * 2654435761u) & (h->size - 1);
	while (h->slots[i].cls != 0 && h->slots[i].cls != cls)
		i = (i + 1) & (h->size - 1);
	return i;
}

static int hk_init(struct hk *h, const seqpack_params *params)
{
	h->cap = params->capacity;
	h->k = params->k ? params->k : 1;
	h->maxi = params->max_items ? params->max_items : UINT32_MAX;
	h->size = 32;
	h->nused = 0;
	h->nbins = 0;
	h->slots = calloc(h->size, sizeof(*h->slots));
	return h->slots ? 0 : -1;
}

static void hk_free(struct hk *h)
{
	if (!h->slots)
		return;
	for (size_t i = 0; i < h->size; i++)
		free(h->slots[i].ids);
	free(h->slots);
	h->slots = NULL;
}

static int grow(struct hk *h)
{
	struct hk old = *h;
	h->size *= 2;
	h->slots = calloc(h->size, sizeof(*h->slots));
	if (!h->slots) {
		*h = old;
		return -1;
	}
	for (size_t i = 0; i < old.size; i++)
		if (old.slots[i].cls)
			h->slots[slot_of(h, old.slots[i].cls)] = old.slots[i];
	free(old.slots);
	return 0;
}

/* The class of a sequence of length len, created on first use. */
static struct hk_class *class_of(struct hk *h, uint32_t len)
{
	uint32_t q = h->cap / len; /* >= 1 since len <= cap */
	uint32_t cls = q < h->k ? q : h->k;
	size_t i = slot_of(h, cls);
	if (h->slots[i].cls)
		return &h->slots[i];
	if ((h->nused + 1) * 2 > h->size) {
		if (grow(h) != 0)
			return NULL;
		i = slot_of(h, cls);
	}
	struct hk_class *c = &h->slots[i];
	c->cls = cls;
	c->limit = cls < h->k && cls < h->maxi ? cls : h->maxi;
	c->bin = NONE;
	h->nused++;
	return c;
}

static int fits(const struct hk *h, const struct hk_class *c, uint32_t len)
{
	return c->count < c->limit && len <= h->cap - c->used;
}

static int hk_pack(void *state, const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	out->nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	struct hk h;
	uint32_t *binof = malloc(n * sizeof(*binof));
	if (!binof || hk_init(&h, params) != 0) {
		free(binof);
		return ffpack_nomem(err, "hk");
	}
	for (size_t i = 0; i < n; i++) {
		struct hk_class *c = class_of(&h, lengths[i]);
		if (!c) {
			hk_free(&h);
			free(binof);
			return ffpack_nomem(err, "hk");
		}
		if (c->bin == NONE || !fits(&h, c, lengths[i])) {
			c->bin = (uint32_t)h.nbins++;
			c->count = 0;
			c->used = 0;
		}
		c->count++;
		c->used += lengths[i];
		out->used[c->bin] = (uint32_t)c->used;
		out->offsets[c->bin] = c->count;
		binof[i] = c->bin;
	}
	ffpack_csr(out, h.nbins, NULL, binof, n);
	hk_free(&h);
	free(binof);
	return SEQPACK_OK;
}

/* Streaming: the same table; each class keeps the ids of its open bin,
 * and bin numbers record opening order for finish. */
struct hk_stream {
	struct hk h;
	seqpack_plugin_emit_fn emit;
	void *emit_ctx;
};

static void *hk_stream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *emit_ctx,
			    seqpack_error *err)
{
	struct hk_stream *s = calloc(1, sizeof(*s));
	if (!s || hk_init(&s->h, params) != 0) {
		free(s);
		ffpack_nomem(err, "hk stream");
		return NULL;
	}
	s->emit = emit;
	s->emit_ctx = emit_ctx;
	return s;
}

static int close_class(struct hk_stream *s, struct hk_class *c)
{
	int rc = s->emit(s->emit_ctx, c->ids, c->count, c->used);
	c->bin = NONE;
	c->count = 0;
	c->used = 0;
	return rc;
}

static int hk_stream_push(void *arg, uint64_t id, uint32_t length,
			  seqpack_error *err)
{
	struct hk_stream *s = arg;
	struct hk_class *c = class_of(&s->h, length);
	if (!c)
		return ffpack_nomem(err, "hk stream");
	if (c->bin != NONE && !fits(&s->h, c, length)) {
		int rc = close_class(s, c);
		if (rc)
			return rc;
	}
	if (c->count == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 4;
		uint64_t *ids = realloc(c->ids, na * sizeof(*ids));
		if (!ids)
			return ffpack_nomem(err, "hk stream");
		c->ids = ids;
		c->alloc = na;
	}
	if (c->bin == NONE) {
		c->bin = 0; /* open */
		c->seq = s->h.nbins++;
	}
	c->ids[c->count++] = id;
	c->used += length;
	/* A full bin can take nothing more: hand it out now. */
	if (c->count == c->limit || c->used == s->h.cap)
		return close_class(s, c);
	return SEQPACK_OK;
}

static int by_seq(const void *a, const void *b)
{
	uint64_t x = (*(struct hk_class *const *)a)->seq;
	uint64_t y = (*(struct hk_class *const *)b)->seq;
	return x < y ? -1 : x > y;
}

/* Emit the open bins in the order they were opened. */
static int hk_stream_finish(void *arg, seqpack_error *err)
{
	struct hk_stream *s = arg;
	struct hk_class **open = malloc((s->h.nused + 1) * sizeof(*open));
	if (!open)
		return ffpack_nomem(err, "hk stream");
	size_t nopen = 0;
	for (size_t i = 0; i < s->h.size; i++)
		if (s->h.slots[i].cls && s->h.slots[i].bin != NONE)
			open[nopen++] = &s->h.slots[i];
	qsort(open, nopen, sizeof(*open), by_seq);
	int rc = SEQPACK_OK;
	for (size_t i = 0; i < nopen && rc == SEQPACK_OK; i++)
		rc = close_class(s, open[i]);
	free(open);
	return rc;
}

static void hk_stream_close(void *arg)
{
	struct hk_stream *s = arg;
	if (!s)
		return;
	hk_free(&s->h);
	free(s);
}

SEQPACK_PLUGIN_DEFINE(hk,
	.name = "hk",
	.title = "Harmonic-K",
	.description = "k size classes (C/(i+1), C/i], one open Next-Fit bin each; O(n), bounded space; ratio -> 1.691 as k grows",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = hk_pack,
	.stream_open = hk_stream_open,
	.stream_push = hk_stream_push,
	.stream_finish = hk_stream_finish,
	.stream_close = hk_stream_close)
