/* Sorting packs by a 64-bit key for the step planner: an LSD radix sort
 * on bytes, only over the bytes the largest key has.  A plan's keys are
 * sums of squared lengths below C^2 (26 bits at C = 8192), so a plan of
 * 250,000 packs takes four passes where qsort() would spend ~18
 * comparisons per pack through a function pointer. */
#include <stdlib.h>
#include <string.h>

#include "plan-internal.h"
#include "util/cleanup-internal.h"

int plan_sort_(const uint64_t *key, size_t n, uint32_t *order)
{
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		order[i] = (uint32_t)i;
		max = key[i] > max ? key[i] : max;
	}
	_cleanup_free_ uint32_t *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!tmp)
		return SEQPACK_ERR_NOMEM;
	uint32_t *src = order, *dst = tmp;
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((key[src[i]] >> shift) & 0xff) + 1]++;
		for (size_t d = 1; d < 257; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < n; i++)
			dst[count[(key[src[i]] >> shift) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != order)
		memcpy(order, src, n * sizeof(*order));
	return SEQPACK_OK;
}
