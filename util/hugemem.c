/* Large arrays on 2 MiB-aligned mappings (see hugemem-internal.h). */
#include <stdint.h>
#include <stdio.h>
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
 * size: the public seqpack_result has no field to keep one in.  A pointer
 * is ours only when the magic, the base at its fixed distance from the
 * pointer and the check word (derived from both) all agree, so that the
 * bytes before a foreign pointer are never taken for a base to free. */
struct hdr {
	uint64_t check; /* magic ^ base ^ length, see hdr_check() */
	uint64_t magic;
	void *base;     /* what to munmap or free */
	size_t length;  /* bytes mapped from base (mapped only) */
};

static uint64_t hdr_check(const struct hdr *h)
{
	return h->magic ^ (uint64_t)(uintptr_t)h->base ^
	       ((uint64_t)h->length << 1) ^ UINT64_C(0x9e3779b97f4a7c15);
}

static void hdr_set(struct hdr *h, uint64_t magic, void *base, size_t length)
{
	h->magic = magic;
	h->base = base;
	h->length = length;
	h->check = hdr_check(h);
}

static void *round_up(void *p, size_t to)
{
	return (void *)(((uintptr_t)p + to - 1) & ~(uintptr_t)(to - 1));
}

void *hugemem_small(size_t bytes)
{
	if (bytes > SIZE_MAX - 2 * HDR)
		return NULL;
	/* aligned as hugemem-internal.h promises (malloc gives 16) */
	char *raw = aligned_alloc(HDR, (bytes + 2 * HDR - 1) & ~(size_t)(HDR - 1));
	if (!raw)
		return NULL;
	struct hdr *h = (struct hdr *)(void *)(raw + HDR - sizeof(*h));
	hdr_set(h, MAGIC_MALLOC, raw, 0);
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
	hdr_set(h, MAGIC_MAPPED, keep, SMALL_PAGE + span);
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

/* Whether h, just before p, is a header hugemem_small() or alloc_mapped()
 * wrote: every field where that allocator puts it. */
static int hdr_valid(const struct hdr *h, const char *p)
{
	if (h->check != hdr_check(h))
		return 0;
	if (h->magic == MAGIC_MALLOC)
		return h->base == p - HDR && h->length == 0;
	if (h->magic == MAGIC_MAPPED)
		return h->base == p - SMALL_PAGE && h->length > SMALL_PAGE &&
		       (h->length - SMALL_PAGE) % HUGE_PAGE == 0;
	return 0;
}

/* Freeing what the header of a foreign (or already freed) pointer seems
 * to say would free or unmap memory somebody else owns, and corrupt the
 * heap far from the fault: stop here instead, where the caller is on the
 * stack.  (util/ never prints otherwise; this is a programming error.) */
static void foreign_pointer(const void *p)
{
	fprintf(stderr,
		"hugemem_free: %p was not allocated by hugemem_alloc()/hugemem_small(), or was freed already; aborting\n",
		p);
	abort();
}

void hugemem_free(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)(void *)((char *)p - sizeof(*h));
	if (!hdr_valid(h, p))
		foreign_pointer(p);
	void *base = h->base;
	size_t length = h->length;
	int mapped = h->magic == MAGIC_MAPPED;
	/* a second free of the same pointer then aborts rather than frees
	 * twice, as long as the memory was not reused meanwhile */
	h->check = ~hdr_check(h);
	if (mapped)
		munmap(base, length);
	else
		free(base);
}
