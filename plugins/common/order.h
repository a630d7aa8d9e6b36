/* Stable descending order of sequence indices by length, shared by the
 * plugins that sort first (ffd, bfd, mffd, obfd, ...).  Compiled into each
 * module that uses it; not part of any installed interface. */
#ifndef SEQPACK_PLUGINS_ORDER_H
#define SEQPACK_PLUGINS_ORDER_H

#include <stddef.h>
#include <stdint.h>

/* Write into idx[0..n-1] the indices 0..n-1 ordered by length descending,
 * ties in input order (stable).  Lengths are in 1..capacity.  Time
 * O(n + capacity) with a counting sort when the capacity is small against
 * n, else O(n) with an LSD radix sort of (key, index) pairs in 16-bit
 * digits, skipping digits all keys share; extra memory at most 16n bytes
 * + 512 KiB.  Returns 0, or -1 when out of memory. */

int order_desc(const uint32_t *lengths, size_t n, uint32_t capacity,
	       uint32_t *idx);

#endif
