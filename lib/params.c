/* Parameter defaults and input validation. */
#include <string.h>

#include "util-internal.h"

SEQPACK_EXPORT void seqpack_params_init(seqpack_params *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->k = SEQPACK_DEFAULT_K;
	p->max_open = SEQPACK_DEFAULT_MAX_OPEN;
	p->flags = SEQPACK_PARAM_VERIFY;
	p->seed = SEQPACK_DEFAULT_SEED;
}

SEQPACK_EXPORT int seqpack_params_check(const seqpack_params *p,
					seqpack_error *err)
{
	if (!p)
		return seterr(err, SEQPACK_ERR_INVALID, "no parameters given");
	if (p->capacity == 0)
		return seterr(err, SEQPACK_ERR_CAPACITY,
			      "capacity is 0: it must be between 1 and %u",
			      SEQPACK_MAX_CAPACITY);
	if (p->capacity > SEQPACK_MAX_CAPACITY)
		return seterr(err, SEQPACK_ERR_CAPACITY,
			      "capacity %u is above the maximum %u",
			      p->capacity, SEQPACK_MAX_CAPACITY);
	if (p->k == 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "k (Harmonic-K size classes) must be at least 1");
	if (p->max_open == 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "max_open (open bins while streaming) must be at least 1");
	if (p->flags & ~(uint32_t)SEQPACK_PARAM_VERIFY)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "unknown parameter flags 0x%x",
			      p->flags & ~(uint32_t)SEQPACK_PARAM_VERIFY);
	return SEQPACK_OK;
}

/* GNU C vector types: gcc (at -O2) and clang compile these to SIMD on
 * every target that has it and to plain words elsewhere. */
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));

uint32_t seqpack_lengths_scan_(const uint32_t *lengths, size_t n,
			       uint64_t *total)
{
	/* length - 1 wraps 0 to UINT32_MAX, so every length is in
	 * 1..capacity exactly when the largest length - 1 is below capacity.
	 * SSE2 has only a signed compare, hence the bias.  Written with
	 * vector types because gcc's own vectorisation of the scalar form
	 * kept its accumulators in memory: 585 us at n = 10^6 against 213
	 * (docs/performance.md, "Source-level optimisations"). */
	const u32x4 one = {1, 1, 1, 1};
	const u32x4 bias = {1u << 31, 1u << 31, 1u << 31, 1u << 31};
	const u32x4 even = {UINT32_MAX, 0, UINT32_MAX, 0};
	i32x4 hi0 = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN}, hi1 = hi0;
	u64x2 s0 = {0, 0}, s1 = {0, 0};
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		u32x4 a, b;
		memcpy(&a, lengths + j, sizeof(a));
		memcpy(&b, lengths + j + 4, sizeof(b));
		i32x4 va = (i32x4)((a - one) ^ bias);
		i32x4 vb = (i32x4)((b - one) ^ bias);
		i32x4 ma = va > hi0, mb = vb > hi1;
		hi0 = (va & ma) | (hi0 & ~ma);
		hi1 = (vb & mb) | (hi1 & ~mb);
		/* 64-bit lanes: the even words, plus the odd ones shifted
		 * down. */
		s0 += (u64x2)(a & even) + ((u64x2)a >> 32);
		s1 += (u64x2)(b & even) + ((u64x2)b >> 32);
	}
	uint32_t hi = 0;
	for (int k = 0; k < 4; k++) {
		uint32_t v0 = (uint32_t)hi0[k] ^ (1u << 31);
		uint32_t v1 = (uint32_t)hi1[k] ^ (1u << 31);
		hi = v0 > hi ? v0 : hi;
		hi = v1 > hi ? v1 : hi;
	}
	uint64_t sum = s0[0] + s0[1] + s1[0] + s1[1];
	for (; j < n; j++) {
		uint32_t v = lengths[j] - 1u;
		hi = v > hi ? v : hi;
		sum += lengths[j];
	}
	*total = sum;
	return hi;
}

int seqpack_length_check_(uint64_t id, uint32_t length, uint32_t capacity,
			  seqpack_error *err)
{
	if (length == 0)
		return seterr(err, SEQPACK_ERR_LENGTH,
			      "sequence %llu has length 0 (empty sequences cannot be packed)",
			      (unsigned long long)id);
	if (length > capacity)
		return seterr(err, SEQPACK_ERR_LENGTH,
			      "sequence %llu has length %u > capacity %u",
			      (unsigned long long)id, length, capacity);
	return SEQPACK_OK;
}

int seqpack_lengths_sum_(const uint32_t *lengths, size_t n,
			 uint32_t capacity, uint64_t *total,
			 seqpack_error *err)
{
	if (n > SEQPACK_MAX_SEQUENCES)
		return seterr(err, SEQPACK_ERR_TOO_MANY,
			      "%zu sequences is more than the maximum %u", n,
			      SEQPACK_MAX_SEQUENCES);
	if (n > 0 && !lengths)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "lengths is NULL but n is %zu", n);
	/* The common case is a clean input: one branch-free pass, which
	 * also sums the lengths for the metrics, then a second pass only to
	 * name the culprit. */
	uint64_t sum;
	uint32_t hi = seqpack_lengths_scan_(lengths, n, &sum);
	if (hi < capacity) {
		if (total)
			*total = sum;
		return SEQPACK_OK;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = seqpack_length_check_(i, lengths[i], capacity, err);
		if (rc != SEQPACK_OK)
			return rc;
	}
	return SEQPACK_OK; /* not reached: hi >= capacity names a culprit */
}

SEQPACK_EXPORT int seqpack_lengths_check(const uint32_t *lengths, size_t n,
					 uint32_t capacity, seqpack_error *err)
{
	return seqpack_lengths_sum_(lengths, n, capacity, NULL, err);
}
