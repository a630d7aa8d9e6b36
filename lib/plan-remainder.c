/* Reaching a multiple of W * M packs: SEQPACK_PLAN_PAD splits packs (as
 * NeMo-RL's bin_count_multiple does), SEQPACK_PLAN_DROP_LAST leaves some
 * out.  Splitting takes the pack with the largest sum of squared lengths
 * each time: it is the one a rank waits for longest under attention
 * cost, so its halves help the balance as well as the count. */
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"
#include "util-internal.h"
#include "util/cleanup-internal.h"
#include "util/cleanup-seqpack-internal.h"

/* A max-heap of bin numbers by key (the smaller number first on ties, so
 * that the splits do not depend on the heap's history). */
struct heap {
	uint32_t *a;
	size_t n;
	const uint64_t *key;
};

static int heap_above(const struct heap *h, uint32_t x, uint32_t y)
{
	return h->key[x] > h->key[y] || (h->key[x] == h->key[y] && x < y);
}

static void heap_push(struct heap *h, uint32_t b)
{
	size_t i = h->n++;
	while (i > 0 && heap_above(h, b, h->a[(i - 1) / 2])) {
		h->a[i] = h->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->a[i] = b;
}

/* Put v at i and move it down to its place. */
static void heap_sift_down(struct heap *h, size_t i, uint32_t v)
{
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_above(h, h->a[c + 1], h->a[c]))
			c++;
		if (!heap_above(h, h->a[c], v))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = v;
}

static uint32_t heap_pop(struct heap *h)
{
	uint32_t top = h->a[0], last = h->a[--h->n];
	if (h->n)
		heap_sift_down(h, 0, last);
	return top;
}

/* Per-bin state while splitting.  Only the bins that get split are
 * read sequence by sequence: item_bin[] is set for the sequences of an
 * input bin when it is first split (touched[]), so that padding a plan
 * of a million sequences costs the few bins it splits, not a pass over
 * all of them. */
struct split {
	const seqpack_result *in;
	const uint32_t *lengths;
	uint32_t *item_bin; /* n, valid in touched bins: the bin it is in now */
	unsigned char *touched; /* input bins */
	uint32_t *origin;   /* the input bin whose sequences a bin took */
	uint32_t *count;
	uint32_t *used;
	uint64_t *key;
	uint64_t *tmp;      /* one bin's sequences */
};

/* tmp entries are length << 32 | sequence: longest first, then by
 * sequence number. */
static int by_length_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	uint64_t lx = x >> 32, ly = y >> 32;
	if (lx != ly)
		return lx < ly ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* Split bin b in two: its sequences, longest first, each to the part
 * with the smaller sum of squares (both parts get one since b has two
 * or more); the second part becomes bin nb. */
static void split_bin(struct split *s, uint32_t b, uint32_t nb)
{
	const seqpack_result *in = s->in;
	uint32_t o = s->origin[b], k = 0;
	if (!s->touched[o]) {
		for (uint32_t j = in->offsets[o]; j < in->offsets[o + 1]; j++)
			s->item_bin[in->items[j]] = o;
		s->touched[o] = 1;
	}
	for (uint32_t j = in->offsets[o]; j < in->offsets[o + 1]; j++)
		if (s->item_bin[in->items[j]] == b)
			s->tmp[k++] = (uint64_t)s->lengths[in->items[j]] << 32 |
				      in->items[j];
	qsort(s->tmp, k, sizeof(*s->tmp), by_length_desc);
	uint64_t sq[2] = {0, 0};
	uint32_t tok[2] = {0, 0}, cnt[2] = {0, 0};
	for (uint32_t i = 0; i < k; i++) {
		uint64_t l = s->tmp[i] >> 32;
		uint32_t item = (uint32_t)s->tmp[i];
		int side = i == 1 ? 1 : i == 0 ? 0 : sq[1] < sq[0];
		sq[side] += l * l;
		tok[side] += (uint32_t)l;
		cnt[side]++;
		if (side)
			s->item_bin[item] = nb;
	}
	s->origin[nb] = o;
	s->count[b] = cnt[0], s->count[nb] = cnt[1];
	s->used[b] = tok[0], s->used[nb] = tok[1];
	s->key[b] = sq[0], s->key[nb] = sq[1];
}

/* Append bin b's sequences (those of its origin's range now in b, in
 * their input order) to out at *pos. */
static void put_bin(const struct split *s, uint32_t b, seqpack_result *out,
		    uint32_t *pos)
{
	const seqpack_result *in = s->in;
	uint32_t o = s->origin[b], lo = in->offsets[o], hi = in->offsets[o + 1];
	if (!s->touched[o]) {
		memcpy(out->items + *pos, in->items + lo,
		       (hi - lo) * sizeof(*out->items));
		*pos += hi - lo;
		return;
	}
	for (uint32_t j = lo; j < hi; j++)
		if (s->item_bin[in->items[j]] == b)
			out->items[(*pos)++] = in->items[j];
}

/* The packing after the splits: bins in number order. */
static int split_result(const struct split *s, size_t nbins,
			seqpack_result **ret, seqpack_error *err)
{
	const seqpack_result *in = s->in;
	_cleanup_result_ seqpack_result *out = NULL;
	int rc = plan_result_new_(in->algorithm, in->n, nbins, &out, err);
	if (rc != SEQPACK_OK)
		return rc;
	uint32_t pos = 0;
	uint64_t total = 0;
	for (size_t b = 0; b < nbins; b++) {
		out->offsets[b] = pos;
		put_bin(s, (uint32_t)b, out, &pos);
		out->used[b] = s->used[b];
		total += s->used[b];
	}
	out->offsets[nbins] = pos;
	seqpack_metrics_fill_(out, total, (uint32_t)in->metrics.capacity);
	out->metrics.elapsed_ns = in->metrics.elapsed_ns;
	*ret = TAKE_PTR(out);
	return SEQPACK_OK;
}

int plan_pad_(seqpack_result **packing, const uint32_t *lengths,
	      uint64_t *key, size_t want, size_t *added, seqpack_error *err)
{
	const seqpack_result *in = *packing;
	size_t n = in->n, nb = in->nbins;
	if (want > n - nb)
		want = n - nb; /* every bin down to one sequence */
	size_t slots = nb + want;
	/* Not touched until a bin is split: see struct split. */
	_cleanup_free_ uint32_t *item_bin = malloc((n + 1) * sizeof(uint32_t));
	_cleanup_free_ unsigned char *touched = calloc(nb + 1, 1);
	_cleanup_free_ uint32_t *origin = malloc(slots * sizeof(uint32_t));
	_cleanup_free_ uint32_t *count = malloc(slots * sizeof(uint32_t));
	_cleanup_free_ uint32_t *used = malloc(slots * sizeof(uint32_t));
	_cleanup_free_ uint32_t *heap = malloc(slots * sizeof(uint32_t));
	uint32_t biggest = 0;
	for (size_t b = 0; b < nb; b++) {
		uint32_t c = in->offsets[b + 1] - in->offsets[b];
		biggest = c > biggest ? c : biggest;
	}
	_cleanup_free_ uint64_t *tmp = malloc((biggest + 1) * sizeof(uint64_t));
	if (!item_bin || !touched || !origin || !count || !used || !heap ||
	    !tmp)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory splitting %zu packs", nb);
	struct split s = {in,    lengths, item_bin, touched, origin,
			  count, used,    key,      tmp};
	struct heap h = {heap, 0, key};
	for (size_t b = 0; b < nb; b++) {
		origin[b] = (uint32_t)b;
		count[b] = in->offsets[b + 1] - in->offsets[b];
		used[b] = in->used[b];
		if (count[b] >= 2)
			heap[h.n++] = (uint32_t)b;
	}
	for (size_t i = h.n / 2; i-- > 0;)
		heap_sift_down(&h, i, heap[i]);
	size_t total = nb;
	while (total < slots && h.n) {
		uint32_t b = heap_pop(&h);
		split_bin(&s, b, (uint32_t)total);
		if (count[b] >= 2)
			heap_push(&h, b);
		if (count[total] >= 2)
			heap_push(&h, (uint32_t)total);
		total++;
	}
	seqpack_result *out;
	int rc = split_result(&s, total, &out, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result_free(*packing);
	*packing = out;
	*added = total - nb;
	return SEQPACK_OK;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int plan_drop_(size_t nbins, size_t count, struct rng *r, uint32_t **ret,
	       seqpack_error *err)
{
	_cleanup_free_ uint32_t *idx = malloc((nbins ? nbins : 1) * sizeof(*idx));
	if (!idx)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory choosing packs to drop");
	for (size_t i = 0; i < nbins; i++)
		idx[i] = (uint32_t)i;
	/* The first count steps of a Fisher-Yates shuffle. */
	for (size_t i = 0; i < count; i++) {
		size_t j = i + rng_below(r, (uint32_t)(nbins - i));
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	qsort(idx, count, sizeof(*idx), by_u32);
	*ret = TAKE_PTR(idx);
	return SEQPACK_OK;
}
