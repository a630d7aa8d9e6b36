#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bfutil.h"

/* Large buffers that will be written in full are mapped and their needed
 * part populated in one madvise call, instead of taking one fault per
 * 4 KiB page on first touch, which is much of what a first call at
 * n = 10^6 pays (about 5 us per fault on a VM).  Small ones, and ones
 * touched only in part (per-bin arrays), come from malloc. */
#define BFBUF_MMAP_MIN ((size_t)1 << 20)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

static void release(struct bfbuf *b)
{
	if (b->mapped)
		munmap(b->p, b->bytes);
	else
		free(b->p);
	b->p = NULL;
	b->bytes = 0;
	b->mapped = 0;
}

static void *reserve(struct bfbuf *b, size_t count, size_t size, int dense)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	size_t need = count * size;
	if (need == 0)
		need = 1;
	if (need <= b->bytes)
		return b->p;
	/* (A reused buffer is already populated up to what it held.) */
	/* Growing by half again keeps a slowly growing n from reallocating
	 * on every call. */
	size_t want = need + need / 2;
	if (want < need)
		want = need;
	release(b);
	if (dense && want >= BFBUF_MMAP_MIN) {
		void *p = mmap(NULL, want, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			(void)madvise(p, need, MADV_POPULATE_WRITE);
			b->p = p;
			b->bytes = want;
			b->mapped = 1;
			return p;
		}
	}
	b->p = malloc(want);
	b->bytes = b->p ? want : 0;
	return b->p;
}

void *bfbuf_reserve(struct bfbuf *b, size_t count, size_t size)
{
	return reserve(b, count, size, 1);
}

void *bfbuf_reserve_sparse(struct bfbuf *b, size_t count, size_t size)
{
	return reserve(b, count, size, 0);
}

void bfbuf_free(struct bfbuf *b)
{
	release(b);
}

void bf_csr(const uint32_t *ord, const uint32_t *binof, size_t n,
	    size_t nbins, seqpack_plugin_output *out)
{
	uint32_t *off = out->offsets;
	uint32_t sum = 0;
	for (size_t b = 0; b < nbins; b++) {
		uint32_t c = off[b + 1];
		off[b + 1] = sum;
		sum += c;
	}
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
