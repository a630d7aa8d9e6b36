/* Memory for large arrays, backed by 2 MiB pages where the kernel allows.
 *
 * On this project's target machines (VMs) a 4 KiB page fault costs 5-8 us,
 * so a fresh 1M-sequence packing that touches 16 MiB of result and scratch
 * takes about 4,000 faults, 20-40 ms, against a few milliseconds of actual
 * work.  A transparent huge page needs a 2 MiB-aligned range inside one
 * mapping, which malloc's large chunks (16 bytes past a page boundary) do
 * not offer, so large arrays are mapped here on their own, aligned, and
 * hinted with MADV_HUGEPAGE: 8 faults instead of 4,000.  Small arrays come
 * from malloc.
 *
 * Used by libseqpack (result arrays) and the plugins (scratch buffers),
 * which link util/libutil.la; -fvisibility=hidden keeps it private. */
#ifndef SEQPACK_UTIL_HUGEMEM_INTERNAL_H
#define SEQPACK_UTIL_HUGEMEM_INTERNAL_H

#include <stddef.h>

/* Allocations of at least this many bytes are mapped; smaller ones are
 * malloc'd.  (Below it a few faults cost less than the system calls.) */
#define HUGEMEM_MIN ((size_t)1 << 20)

/* Return bytes of uninitialised memory (at least 64-byte aligned), or NULL
 * when out of memory.  The first populate bytes are faulted in at once
 * (one madvise, not a fault per page): pass the part the caller is about
 * to write in full, 0 when it will touch the array only in part.  Hints
 * that the kernel refuses (THP disabled, old kernels) cost only speed. */
void *hugemem_alloc(size_t bytes, size_t populate)
	__attribute__((visibility("hidden")));

/* The same on ordinary pages whatever the size (malloc): for arrays of
 * which a call may touch only a small part, where a 2 MiB page would cost
 * memory and zeroing for nothing. */
void *hugemem_small(size_t bytes) __attribute__((visibility("hidden")));

/* Release memory from hugemem_alloc() or hugemem_small().  Accepts
 * NULL. */
void hugemem_free(void *p) __attribute__((visibility("hidden")));

#endif
