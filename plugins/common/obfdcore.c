/* The OBFD engine shared by obfd and obfdp (see obfdcore.h). */
#include <string.h>

#include "obfdcore.h"
#include "order.h"

void obfd_ws_free(struct obfd_ws *ws)
{
	bfcap_mem_free(&ws->cap);
	bfbucket_mem_free(&ws->bucket);
	bfbuf_free(&ws->hist);
	bfbuf_free(&ws->binof);
	bfbuf_free(&ws->ord);
}

/* Index every capacity value while that costs no more than the input
 * itself: a C+1 histogram and three words per value. */
static int dense_ok(size_t n, uint32_t cap)
{
	return (size_t)cap < ((size_t)1 << 16) || (size_t)cap <= n / 2;
}

/* A counting sort orders the indices (stable, longest first); items are
 * then placed length by length, and placement step q records only its bin.
 * The final pass walks the steps in order and appends each index to its
 * bin, so both the bin cursors and out->items are touched in placement
 * order, which is nearly sequential (new bins are opened in order). */
static int place_dense(struct obfd_ws *ws, const uint32_t *len, size_t n,
		       uint32_t cap, uint32_t maxi, uint32_t *used,
		       uint32_t *bcount, size_t *nbins, int with_ord,
		       seqpack_error *err)
{
	/* cap + 2 entries: csr_dense reads cnt[cap + 1] as 0. */
	uint32_t *cnt = bfbuf_reserve(&ws->hist, (size_t)cap + 2,
				      sizeof(uint32_t));
	uint32_t *bs = bfbuf_reserve(&ws->binof, n, sizeof(uint32_t));
	uint32_t *ord = with_ord ? bfbuf_reserve(&ws->ord, n, sizeof(uint32_t))
				 : NULL;
	struct bfcap x;
	if (!cnt || !bs || (with_ord && !ord) ||
	    bfcap_init(&x, &ws->cap, cap, n))
		return bf_nomem(err, "obfd scratch");
	memset(cnt, 0, ((size_t)cap + 2) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		cnt[len[i]]++;
	uint32_t sum = 0;
	if (ord) {
		/* cnt[s]: the first step of length s, longest first; the
		 * scatter leaves it one past the last. */
		for (uint32_t s = cap; s > 0; s--) {
			uint32_t c = cnt[s];
			cnt[s] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			ord[cnt[len[i]]++] = (uint32_t)i;
	} else {
		for (uint32_t s = cap; s > 0; s--) {
			sum += cnt[s];
			cnt[s] = sum;
		}
	}
	/* Now cnt[s] is one past the last step of length s. */

	uint32_t p = 0, nb = 0;
	uint32_t s = cap;
	/* Every bin holds a sequence at least as long as the current one, so
	 * while s > C/2 nothing fits anywhere: each sequence opens its own
	 * bin, all of a length at once, chained into one FIFO run. */
	for (; s > cap - s && p < n; s--) {
		uint32_t c = cnt[s] - p;
		if (!c)
			continue;
		for (uint32_t j = 0; j < c; j++) {
			bs[p + j] = nb + j;
			used[nb + j] = s;
			bcount[nb + j] = 1;
		}
		p += c;
		if (s < cap && maxi > 1)
			bfcap_insert_run(&x, nb, c, cap - s);
		nb += c;
	}
	for (; s > 0 && p < n; s--) {
		uint32_t c = cnt[s] - p;
		while (c) {
			uint32_t r = bfcap_find(&x, s), b, rem, k;
			if (r == BF_NONE) {
				/* Nothing fits: the new bin is the only one
				 * with room for s, so it takes as many as
				 * fit at once. */
				b = nb++;
				k = cap / s;
				if (k > c)
					k = c;
				if (k > maxi)
					k = maxi;
				for (uint32_t j = 0; j < k; j++)
					bs[p + j] = b;
				p += k;
				c -= k;
				rem = cap - k * s;
				bcount[b] = k;
			} else {
				/* Bins in [s, r) are empty, so after taking
				 * s the bin stays the tightest while no
				 * other bin sits at its new remaining. */
				b = bfcap_pop(&x, r);
				rem = r;
				k = bcount[b];
				do {
					bs[p++] = b;
					k++;
					c--;
					rem -= s;
				} while (c && rem >= s && k < maxi &&
					 !bfcap_has(&x, rem));
				bcount[b] = k;
			}
			used[b] = cap - rem;
			if (rem && k < maxi)
				bfcap_insert(&x, b, rem);
		}
	}

	*nbins = nb;
	return SEQPACK_OK;
}

/* Large capacities: radix-sorted order, bucketed search structure. */
static int place_sparse(struct obfd_ws *ws, const uint32_t *len, size_t n,
			uint32_t cap, uint32_t maxi, uint32_t *used,
			uint32_t *bcount, size_t *nbins, seqpack_error *err)
{
	uint32_t *ord = bfbuf_reserve(&ws->ord, n, sizeof(uint32_t));
	uint32_t *binof = bfbuf_reserve(&ws->binof, n, sizeof(uint32_t));
	struct bfbucket q;
	if (!ord || !binof || bfbucket_init(&q, &ws->bucket, cap, n) ||
	    order_desc(len, n, cap, ord))
		return bf_nomem(err, "obfd scratch");
	uint32_t nb = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t s = len[ord[j]];
		uint32_t b = bfbucket_find(&q, s);
		if (b == BF_NONE) {
			b = nb++;
			used[b] = 0;
			bcount[b] = 0;
		} else {
			bfbucket_remove(&q, b);
		}
		used[b] += s;
		bcount[b]++;
		binof[j] = b;
		uint32_t rem = cap - used[b];
		if (rem && bcount[b] < maxi)
			bfbucket_insert(&q, b, rem);
	}
	*nbins = nb;
	return SEQPACK_OK;
}

int obfd_place(struct obfd_ws *ws, const uint32_t *len, size_t n,
	       uint32_t cap, uint32_t maxi, uint32_t *used, uint32_t *count,
	       size_t *nbins, seqpack_error *err)
{
	if (maxi == 0)
		maxi = UINT32_MAX;
	*nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	if (dense_ok(n, cap))
		return place_dense(ws, len, n, cap, maxi, used, count, nbins,
				   1, err);
	return place_sparse(ws, len, n, cap, maxi, used, count, nbins, err);
}

/* The CSR result of place_dense(ws, ..., with_ord = 0) without the
 * sorted order, which saves an n-entry array (4 MiB and its page faults at
 * n = 10^6): binof's steps become item slots, bin by bin in step order,
 * then each index finds its step again by a second counting pass.  cnt
 * holds, per length s, one past its last step. */
static void csr_dense(uint32_t *cnt, uint32_t *binof, const uint32_t *len,
		      size_t n, uint32_t cap, size_t nbins,
		      seqpack_plugin_output *out)
{
	uint32_t *off = out->offsets;
	bf_starts(off, nbins);
	for (size_t q = 0; q < n; q++)
		binof[q] = off[binof[q] + 1]++;
	/* The first step of length s is the end of length s + 1's. */
	for (uint32_t s = 1; s <= cap; s++)
		cnt[s] = cnt[s + 1];
	for (size_t i = 0; i < n; i++)
		out->items[binof[cnt[len[i]]++]] = (uint32_t)i;
	off[0] = 0;
	out->nbins = nbins;
}

int obfd_pack(struct obfd_ws *ws, const uint32_t *len, size_t n,
	      uint32_t cap, uint32_t maxi, seqpack_plugin_output *out,
	      seqpack_error *err)
{
	size_t nb = 0;
	out->offsets[0] = 0;
	out->nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	if (maxi == 0)
		maxi = UINT32_MAX;
	/* Bin counts live in offsets[b + 1] until the CSR step turns them
	 * into offsets, so no per-bin array beyond the output is needed. */
	int rc;
	if (dense_ok(n, cap)) {
		rc = place_dense(ws, len, n, cap, maxi, out->used,
				 out->offsets + 1, &nb, 0, err);
		if (rc == SEQPACK_OK)
			csr_dense(ws->hist.p, ws->binof.p, len, n, cap, nb,
				  out);
		return rc;
	}
	rc = place_sparse(ws, len, n, cap, maxi, out->used, out->offsets + 1,
			  &nb, err);
	if (rc == SEQPACK_OK)
		bf_csr(ws->ord.p, ws->binof.p, n, nb, out);
	return rc;
}
