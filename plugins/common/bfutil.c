/* Scratch buffers and output helpers of the Best-Fit family (see bfutil.h). */
#include <stdio.h>
#include <stdlib.h>

#include "bfutil.h"
#include "util/hugemem-internal.h"

static void release(struct bfbuf *b)
{
	hugemem_free(b->p);
	b->p = NULL;
	b->bytes = 0;
}

enum kind { DENSE, LAZY, SPARSE };

/* Large dense and lazy buffers come from hugemem (2 MiB pages: a first
 * call at n = 10^6 would otherwise take thousands of 4 KiB faults at about
 * 5 us each on a VM); dense ones are populated in one madvise.  Sparse
 * ones come from malloc: a 2 MiB page of which a call touches 100 KiB
 * would only cost memory. */
static void *reserve(struct bfbuf *b, size_t count, size_t size,
		     enum kind kind)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	size_t need = count * size;
	if (need == 0)
		need = 1;
	if (need <= b->bytes)
		return b->p; /* (already populated up to what it held) */
	/* Growing by half again keeps a slowly growing n from reallocating
	 * on every call. */
	size_t want = need + need / 2;
	if (want < need)
		want = need;
	release(b);
	if (kind == SPARSE)
		b->p = hugemem_small(want);
	else
		b->p = hugemem_alloc(want, kind == DENSE ? need : 0);
	b->bytes = b->p ? want : 0;
	return b->p;
}

void *bfbuf_reserve(struct bfbuf *b, size_t count, size_t size)
{
	return reserve(b, count, size, DENSE);
}

void *bfbuf_lazy(struct bfbuf *b, size_t count, size_t size)
{
	return reserve(b, count, size, LAZY);
}

void *bfbuf_reserve_sparse(struct bfbuf *b, size_t count, size_t size)
{
	return reserve(b, count, size, SPARSE);
}

void bfbuf_free(struct bfbuf *b)
{
	release(b);
}

void bf_starts(uint32_t *off, size_t nbins)
{
	uint32_t sum = 0;
	for (size_t b = 0; b < nbins; b++) {
		uint32_t c = off[b + 1];
		off[b + 1] = sum;
		sum += c;
	}
}

void bf_csr(const uint32_t *ord, const uint32_t *binof, size_t n,
	    size_t nbins, seqpack_plugin_output *out)
{
	uint32_t *off = out->offsets;
	bf_starts(off, nbins);
	/* off[b + 1] now holds the start of bin b and is advanced to its
	 * end, which is the start of bin b + 1: no second array needed. */
	if (ord)
		for (size_t j = 0; j < n; j++)
			out->items[off[binof[j] + 1]++] = ord[j];
	else
		for (size_t j = 0; j < n; j++)
			out->items[off[binof[j] + 1]++] = (uint32_t)j;
	off[0] = 0;
	out->nbins = nbins;
}

int bf_nomem(seqpack_error *err, const char *what)
{
	err->status = SEQPACK_ERR_NOMEM;
	snprintf(err->message, sizeof(err->message), "out of memory (%s)",
		 what);
	return SEQPACK_ERR_NOMEM;
}
