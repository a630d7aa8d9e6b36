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

SEQPACK_EXPORT int seqpack_lengths_check(const uint32_t *lengths, size_t n,
					 uint32_t capacity, seqpack_error *err)
{
	if (n > SEQPACK_MAX_SEQUENCES)
		return seterr(err, SEQPACK_ERR_TOO_MANY,
			      "%zu sequences is more than the maximum %u", n,
			      SEQPACK_MAX_SEQUENCES);
	if (n > 0 && !lengths)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "lengths is NULL but n is %zu", n);
	/* The common case is a clean input: one branch-free pass, then a
	 * second pass only to name the culprit.  length - 1 wraps 0 to
	 * UINT32_MAX, so every length is in 1..capacity exactly when the
	 * largest length - 1 is below capacity; eight running maxima let gcc
	 * vectorise this at -O2 (it leaves a single reduction or the
	 * two-compare form scalar, and the check then costs about one
	 * counting-sort pass: see docs/performance.md). */
	uint32_t hi8[8] = {0};
	size_t j = 0;
	for (; j + 8 <= n; j += 8)
		for (size_t k = 0; k < 8; k++) {
			uint32_t v = lengths[j + k] - 1u;
			hi8[k] = v > hi8[k] ? v : hi8[k];
		}
	uint32_t hi = 0;
	for (size_t k = 0; k < 8; k++)
		hi = hi8[k] > hi ? hi8[k] : hi;
	for (; j < n; j++) {
		uint32_t v = lengths[j] - 1u;
		hi = v > hi ? v : hi;
	}
	if (hi < capacity)
		return SEQPACK_OK;
	for (size_t i = 0; i < n; i++) {
		if (lengths[i] == 0)
			return seterr(err, SEQPACK_ERR_LENGTH,
				      "sequence %zu has length 0 (empty sequences cannot be packed)",
				      i);
		if (lengths[i] > capacity)
			return seterr(err, SEQPACK_ERR_LENGTH,
				      "sequence %zu has length %u > capacity %u",
				      i, lengths[i], capacity);
	}
	return SEQPACK_OK;
}
