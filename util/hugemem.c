/* Large arrays on 2 MiB-aligned mappings (see hugemem-internal.h). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/hugemem-internal.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define SMALL_PAGE ((size_t)4096)
#define HDR 64 /* keeps the caller's pointer 64-byte aligned when mapped */
#define MAGIC_MAPPED UINT64_C(0x7365717061636b4d) /* "seqpackM" */
#define MAGIC_MALLOC UINT64_C(0x7365717061636b6d) /* "seqpackm" */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

/* Sits just before the caller's pointer, so that hugemem_free() needs no
 * size: the public seqpack_result has no field to keep one in. */
struct hdr {
	uint64_t magic;
	void *base;    /* what to munmap or free */
	size_t length; /* bytes mapped from base (mapped only) */
};

static void *round_up(void *p, size_t to)
{
	return (void *)(((uintptr_t)p + to - 1) & ~(uintptr_t)(to - 1));
}

void *hugemem_small(size_t bytes)
{
	if (bytes > SIZE_MAX - HDR)
		return NULL;
	char *raw = malloc(bytes + HDR);
	if (!raw)
		return NULL;
	struct hdr *h = (struct hdr *)(void *)(raw + HDR - sizeof(*h));
	h->magic = MAGIC_MALLOC;
	h->base = raw;
	h->length = 0;
	return raw + HDR;
}

/* Map span bytes of whole huge pages plus one small page for the header in
 * front, over-allocating by a huge page to find an aligned start and
 * returning the slack on both sides. */
static void *alloc_mapped(size_t bytes, size_t populate)
{
	if (bytes > SIZE_MAX - 2 * HUGE_PAGE)
		return NULL;
	size_t span = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	size_t total = span + HUGE_PAGE;
	char *base = mmap(NULL, total, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	char *p = round_up(base + SMALL_PAGE, HUGE_PAGE);
	char *keep = p - SMALL_PAGE;
	if (keep > base)
		munmap(base, (size_t)(keep - base));
	if (base + total > p + span)
		munmap(p + span, (size_t)(base + total - (p + span)));
	(void)madvise(p, span, MADV_HUGEPAGE);
	if (populate > bytes)
		populate = bytes;
	if (populate)
		(void)madvise(p, (populate + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1),
			      MADV_POPULATE_WRITE);
	struct hdr *h = (struct hdr *)(void *)(p - sizeof(*h));
	h->magic = MAGIC_MAPPED;
	h->base = keep;
	h->length = SMALL_PAGE + span;
	return p;
}

void *hugemem_alloc(size_t bytes, size_t populate)
{
	if (bytes >= HUGEMEM_MIN) {
		void *p = alloc_mapped(bytes, populate);
		if (p)
			return p;
		/* (Out of mappings, not of memory: malloc may still do.) */
	}
	return hugemem_small(bytes);
}

void hugemem_free(void *p)
{
	if (!p)
		return;
	const struct hdr *h = (const struct hdr *)((char *)p - sizeof(*h));
	if (h->magic == MAGIC_MAPPED)
		munmap(h->base, h->length);
	else
		free(h->base);
}
