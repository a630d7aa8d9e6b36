#include <stdlib.h>

#include "order.h"

/* Counting sort pays O(capacity) for the histogram; use it while that is
 * no more than a few passes over the input (or fits in L2 anyway). */
#define COUNTING_MAX(n) ((n) * 4 > (1u << 16) ? (n) * 4 : (1u << 16))

static int counting(const uint32_t *len, size_t n, uint32_t cap,
		    uint32_t *idx)
{
	/* Key cap - len makes "descending length" an ascending key. */
	size_t *pos = calloc((size_t)cap + 1, sizeof(*pos));
	if (!pos)
		return -1;
	for (size_t i = 0; i < n; i++)
		pos[cap - len[i]]++;
	size_t sum = 0;
	for (size_t k = 0; k <= cap; k++) {
		size_t c = pos[k];
		pos[k] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		idx[pos[cap - len[i]]++] = (uint32_t)i;
	free(pos);
	return 0;
}

static int radix(const uint32_t *len, size_t n, uint32_t *idx)
{
	uint32_t *tmp = malloc(n * sizeof(*tmp));
	size_t *cnt = malloc(65536 * sizeof(*cnt));
	if (!tmp || !cnt) {
		free(tmp);
		free(cnt);
		return -1;
	}
	/* Pass 1 on the low 16 bits of ~len, pass 2 on the high 16 bits:
	 * ascending ~len is descending len, and LSD radix is stable. */
	for (int pass = 0; pass < 2; pass++) {
		int shift = pass * 16;
		uint32_t *src = pass ? tmp : NULL, *dst = pass ? idx : tmp;
		for (size_t k = 0; k < 65536; k++)
			cnt[k] = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t key = ~len[src ? src[i] : i];
			cnt[(key >> shift) & 0xffff]++;
		}
		size_t sum = 0;
		for (size_t k = 0; k < 65536; k++) {
			size_t c = cnt[k];
			cnt[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t item = src ? src[i] : (uint32_t)i;
			uint32_t key = ~len[item];
			dst[cnt[(key >> shift) & 0xffff]++] = item;
		}
	}
	free(tmp);
	free(cnt);
	return 0;
}

int order_desc(const uint32_t *lengths, size_t n, uint32_t capacity,
	       uint32_t *idx)
{
	if (n == 0)
		return 0;
	if ((size_t)capacity <= COUNTING_MAX(n))
		return counting(lengths, n, capacity, idx);
	return radix(lengths, n, idx);
}
