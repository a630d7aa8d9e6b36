/* Page-fault avoidance for large result arrays (see util-internal.h). */
#include <stdint.h>
#include <sys/mman.h>

#include "util-internal.h"

/* Below this a few faults cost less than the system calls. */
#define PREFAULT_MIN (1u << 20)

void seqpack_prefault_(void *p, size_t bytes, int populate)
{
	if (!p || bytes < PREFAULT_MIN)
		return;
	const uintptr_t page = 4096;
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(page - 1);
	if (hi <= lo)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	if (populate)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
	(void)populate;
#endif
}

void seqpack_prefault_result_(seqpack_result *r, size_t slots)
{
	prefault(r->items, slots * sizeof(uint32_t), 1);
	prefault(r->offsets, slots * sizeof(uint32_t), 0);
	prefault(r->used, slots * sizeof(uint32_t), 0);
}
