/* Streaming Best Fit and Worst Fit with bounded open bins (see bfstream.h). */
#include <stdlib.h>
#include <string.h>

#include "bfstream.h"
#include "bftree.h"
#include "bfutil.h"

struct slot {
	uint64_t *ids;
	size_t count, alloc;
	uint32_t rem;
};

struct bfstream {
	enum bfstream_rule rule;
	seqpack_plugin_emit_fn emit;
	void *emit_ctx;
	uint32_t cap, maxi, max_open;
	uint32_t nopen;
	uint32_t rank;       /* rank the next opened bin gets */
	struct slot *slots;  /* nslots slots, free ones on the free list */
	uint32_t nslots, free_head;
	uint32_t *free_next;
	struct bftree t;     /* open slots; node arrays sized nslots */
};

void *bfstream_open(enum bfstream_rule rule, const seqpack_params *params,
		    seqpack_plugin_emit_fn emit, void *emit_ctx,
		    seqpack_error *err)
{
	struct bfstream *s = calloc(1, sizeof(*s));
	if (!s) {
		bf_nomem(err, "stream");
		return NULL;
	}
	s->rule = rule;
	s->emit = emit;
	s->emit_ctx = emit_ctx;
	s->cap = params->capacity;
	s->maxi = params->max_items ? params->max_items : UINT32_MAX;
	s->max_open = params->max_open ? params->max_open
				       : SEQPACK_DEFAULT_MAX_OPEN;
	s->free_head = BF_NONE;
	s->t.root = BF_NONE;
	return s;
}

static uint64_t key_of(uint32_t rem, uint32_t rank)
{
	return (uint64_t)rem << 32 | rank;
}

static uint32_t rank_of(const struct bfstream *s, uint32_t x)
{
	return (uint32_t)s->t.node[x].key;
}

/* Grow the slot arrays by doubling; open slots are never more than
 * max_open, so memory stays O(max_open) whatever the stream length. */
static int grow_slots(struct bfstream *s)
{
	uint64_t want = s->nslots ? (uint64_t)s->nslots * 2 : 16;
	if (want > s->max_open)
		want = s->max_open;
	if (want <= s->nslots)
		want = (uint64_t)s->nslots + 1;
	uint32_t n = (uint32_t)want;
	struct slot *sl = realloc(s->slots, n * sizeof(*sl));
	if (!sl)
		return -1;
	s->slots = sl;
	uint32_t *fn = realloc(s->free_next, n * sizeof(*fn));
	if (!fn)
		return -1;
	s->free_next = fn;
	struct bfnode *nodes = realloc(s->t.node, n * sizeof(*nodes));
	if (!nodes)
		return -1;
	s->t.node = nodes;
	for (uint32_t i = s->nslots; i < n; i++) {
		memset(&s->slots[i], 0, sizeof(s->slots[i]));
		s->free_next[i] = s->free_head;
		s->free_head = i;
	}
	s->nslots = n;
	return 0;
}

/* Emit slot x (already out of the set) and free it. */
static int emit_slot(struct bfstream *s, uint32_t x)
{
	struct slot *sl = &s->slots[x];
	int rc = s->emit(s->emit_ctx, sl->ids, sl->count,
			 (uint64_t)s->cap - sl->rem);
	sl->count = 0;
	s->free_next[x] = s->free_head;
	s->free_head = x;
	s->nopen--;
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Open slots sorted by opening rank (nopen entries), or NULL. */
static uint32_t *open_by_rank(struct bfstream *s)
{
	uint64_t *tmp = malloc((s->nopen ? s->nopen : 1) * sizeof(*tmp));
	uint32_t *buf = malloc((s->nopen ? s->nopen : 1) * sizeof(*buf));
	if (!tmp || !buf) {
		free(tmp);
		free(buf);
		return NULL;
	}
	uint32_t k = 0;
	for (uint32_t x = 0; x < s->nslots && k < s->nopen; x++)
		if (s->slots[x].count)
			tmp[k++] = (uint64_t)rank_of(s, x) << 32 | x;
	qsort(tmp, k, sizeof(*tmp), cmp_u64);
	for (uint32_t i = 0; i < k; i++)
		buf[i] = (uint32_t)tmp[i];
	free(tmp);
	return buf;
}

/* The rank counter wrapped: renumber the open bins 0 .. nopen-1 in
 * opening order (after 2^32 openings, so practically never). */
static int renumber(struct bfstream *s)
{
	uint32_t *buf = open_by_rank(s);
	if (!buf)
		return -1;
	for (uint32_t i = 0; i < s->nopen; i++)
		bftree_remove(&s->t, buf[i]);
	for (uint32_t i = 0; i < s->nopen; i++) {
		uint32_t x = buf[i];
		s->t.node[x].key = key_of(s->slots[x].rem, i);
		bftree_insert(&s->t, x);
	}
	s->rank = s->nopen;
	free(buf);
	return 0;
}

/* The open slot the rule picks for length len, or BF_NONE. */
static uint32_t pick(const struct bfstream *s, uint32_t len)
{
	if (s->rule == BFSTREAM_BEST)
		return bftree_lower_bound(&s->t, (uint64_t)len << 32);
	uint32_t x = bftree_max(&s->t);
	if (x == BF_NONE || s->slots[x].rem < len)
		return BF_NONE;
	/* The loosest bins all have remaining rem[x]; take the first. */
	return bftree_lower_bound(&s->t, (uint64_t)s->slots[x].rem << 32);
}

int bfstream_push(void *arg, uint64_t id, uint32_t length, seqpack_error *err)
{
	struct bfstream *s = arg;
	uint32_t x = pick(s, length);
	if (x != BF_NONE) {
		bftree_remove(&s->t, x);
	} else {
		if (s->nopen >= s->max_open) {
			uint32_t f = bftree_min(&s->t);
			bftree_remove(&s->t, f);
			int rc = emit_slot(s, f);
			if (rc)
				return rc;
		}
		if (s->rank == UINT32_MAX && renumber(s))
			return bf_nomem(err, "stream");
		if (s->free_head == BF_NONE && grow_slots(s))
			return bf_nomem(err, "stream slots");
		x = s->free_head;
		s->free_head = s->free_next[x];
		s->slots[x].rem = s->cap;
		s->slots[x].count = 0;
		s->t.node[x].key = key_of(s->cap, s->rank++);
		s->nopen++;
	}
	struct slot *sl = &s->slots[x];
	if (sl->count == sl->alloc) {
		size_t na = sl->alloc ? sl->alloc * 2 : 8;
		uint64_t *ids = realloc(sl->ids, na * sizeof(*ids));
		if (!ids) {
			/* Keep the set consistent: the bin goes back. */
			if (sl->count)
				bftree_insert(&s->t, x);
			else {
				s->free_next[x] = s->free_head;
				s->free_head = x;
				s->nopen--;
			}
			return bf_nomem(err, "stream bin");
		}
		sl->ids = ids;
		sl->alloc = na;
	}
	sl->ids[sl->count++] = id;
	sl->rem -= length;
	if (sl->rem == 0 || sl->count >= s->maxi)
		return emit_slot(s, x);
	s->t.node[x].key = key_of(sl->rem, rank_of(s, x));
	bftree_insert(&s->t, x);
	return SEQPACK_OK;
}

int bfstream_finish(void *arg, seqpack_error *err)
{
	struct bfstream *s = arg;
	if (!s->nopen)
		return SEQPACK_OK;
	uint32_t *buf = open_by_rank(s);
	if (!buf)
		return bf_nomem(err, "stream finish");
	uint32_t k = s->nopen;
	int rc = SEQPACK_OK;
	for (uint32_t i = 0; i < k && rc == SEQPACK_OK; i++) {
		bftree_remove(&s->t, buf[i]);
		rc = emit_slot(s, buf[i]);
	}
	free(buf);
	return rc;
}

void bfstream_close(void *arg)
{
	struct bfstream *s = arg;
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nslots; i++)
		free(s->slots[i].ids);
	free(s->slots);
	free(s->free_next);
	free(s->t.node);
	free(s);
}
