/* Best Fit Decreasing, the reference implementation of the rule obfd
 * accelerates: stable descending sort, then each sequence goes to the bin
 * with the least remaining capacity that still fits it, ties to the lowest
 * bin index.  One sequence at a time through the same search structures
 * as bf (common/bfcap.h for small capacities, common/bfbucket.h for large
 * ones), both checked against brute force by the tests; none of obfd's
 * batching, counting-sort layout or fast paths, which the tests check
 * against this.  O(n log B) time, O(n) memory.  Bound: 11/9 OPT + 4
 * (Johnson et al. 1974). */
#include <stdlib.h>
#include <string.h>

#include <seqpack/plugin.h>

#include "common/bfbucket.h"
#include "common/bfcap.h"
#include "common/bfplace.h"
#include "common/bfutil.h"
#include "common/order.h"

struct bfd_state {
	struct bfbuf ord, binof, hist;
	struct bfbucket_mem bucket;
	struct bfcap_mem cap;
};

static void *bfd_state_new(void)
{
	return calloc(1, sizeof(struct bfd_state));
}

static void bfd_state_free(void *arg)
{
	struct bfd_state *st = arg;
	if (!st)
		return;
	bfbuf_free(&st->ord);
	bfbuf_free(&st->binof);
	bfbuf_free(&st->hist);
	bfbucket_mem_free(&st->bucket);
	bfcap_mem_free(&st->cap);
	free(st);
}

static int bfd_run(struct bfd_state *st, const uint32_t *len, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	const uint32_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items : UINT32_MAX;
	uint32_t *ord = bfbuf_reserve(&st->ord, n, sizeof(uint32_t));
	uint32_t *binof = bfbuf_reserve(&st->binof, n, sizeof(uint32_t));
	if (!ord || !binof || order_desc(len, n, cap, ord))
		return bf_nomem(err, "bfd scratch");
	struct bfbins k = {.used = out->used, .count = out->offsets + 1,
			   .cap = cap, .maxi = maxi};
	if ((size_t)cap < ((size_t)1 << 16) || (size_t)cap <= n / 2) {
		struct bfcap x;
		uint32_t *hist = bfbuf_reserve(&st->hist, (size_t)cap + 1,
					       sizeof(uint32_t));
		if (!hist || bfcap_init(&x, &st->cap, cap, n))
			return bf_nomem(err, "bfd scratch");
		/* Lengths in sorted order come from a histogram, not from
		 * len[ord[j]]: that gather is a cache miss per item. */
		memset(hist, 0, ((size_t)cap + 1) * sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			hist[len[i]]++;
		uint32_t s = cap;
		for (size_t j = 0; j < n; j++) {
			while (hist[s] == 0)
				s--;
			hist[s]--;
			binof[j] = bfcap_place(&x, &k, s);
		}
	} else {
		struct bfbucket q;
		if (bfbucket_init(&q, &st->bucket, cap, n))
			return bf_nomem(err, "bfd scratch");
		for (size_t j = 0; j < n; j++)
			binof[j] = bfbucket_place(&q, &k, len[ord[j]]);
	}
	bf_csr(ord, binof, n, k.nb, out);
	return SEQPACK_OK;
}

static int bfd_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	struct bfd_state *st = state, tmp = {0};
	int rc = bfd_run(st ? st : &tmp, lengths, n, params, out, err);
	if (!st) {
		bfbuf_free(&tmp.ord);
		bfbuf_free(&tmp.binof);
		bfbuf_free(&tmp.hist);
		bfbucket_mem_free(&tmp.bucket);
		bfcap_mem_free(&tmp.cap);
	}
	return rc;
}

SEQPACK_PLUGIN_DEFINE(bfd,
	.name = "bfd",
	.title = "Best Fit Decreasing",
	.description = "sort descending, then the tightest bin that fits (ties: lowest index); O(n log B), <= 11/9 OPT + 4",
	.flags = SEQPACK_FLAG_OFFLINE,
	.state_new = bfd_state_new,
	.state_free = bfd_state_free,
	.pack = bfd_pack)
