/* Stable descending order of indices by length (see order.h). */
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
	/* Sort (key, index) pairs rather than indices: reading len[] through
	 * a permutation in the second pass costs a cache miss per item. */
	if (n > SIZE_MAX / sizeof(uint64_t)) /* 32-bit size_t */
		return -1;
	uint64_t *a = malloc(n * sizeof(*a));
	uint64_t *b = malloc(n * sizeof(*b));
	size_t *cnt = malloc(65536 * sizeof(*cnt));
	if (!a || !b || !cnt) {
		free(a);
		free(b);
		free(cnt);
		return -1;
	}
	/* Ascending ~len is descending len; LSD radix is stable, so equal
	 * lengths keep input order. */
	uint32_t all_and = UINT32_MAX, all_or = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t key = ~len[i];
		a[i] = (uint64_t)key << 32 | i;
		all_and &= key;
		all_or |= key;
	}
	uint64_t *src = a, *dst = b;
	for (int shift = 32; shift < 64; shift += 16) {
		uint32_t differ = (all_and ^ all_or) >> (shift - 32) & 0xffff;
		if (!differ)
			continue; /* every key has the same digit here */
		for (size_t k = 0; k < 65536; k++)
			cnt[k] = 0;
		for (size_t i = 0; i < n; i++)
			cnt[(src[i] >> shift) & 0xffff]++;
		size_t sum = 0;
		for (size_t k = 0; k < 65536; k++) {
			size_t c = cnt[k];
			cnt[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i] >> shift) & 0xffff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)src[i];
	free(a);
	free(b);
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
