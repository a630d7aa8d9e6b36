/* The O(n + nbins) verifier every answer can be put through. */
#include <stdlib.h>

#include "util-internal.h"

SEQPACK_EXPORT int seqpack_verify(const uint32_t *lengths, size_t n,
				  const seqpack_params *params,
				  const seqpack_result *r, seqpack_error *err)
{
	if (!params || !r || (n && !lengths))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "verify needs lengths, params and a result");
	if (r->n != n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "result covers %zu sequences, input has %zu",
			      r->n, n);
	if (r->nbins > n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "%zu bins for %zu sequences", r->nbins, n);
	if (r->offsets[0] != 0)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "offsets[0] is %u, not 0", r->offsets[0]);
	if (r->offsets[r->nbins] != n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "offsets[%zu] is %u, not the sequence count %zu",
			      r->nbins, r->offsets[r->nbins], n);
	/* One bit per input index marks "already placed". */
	uint64_t *seen = calloc(n / 64 + 1, sizeof(uint64_t));
	if (!seen)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory verifying %zu sequences", n);
	int rc = SEQPACK_OK;
	for (size_t b = 0; b < r->nbins && rc == SEQPACK_OK; b++) {
		uint32_t lo = r->offsets[b], hi = r->offsets[b + 1];
		if (hi <= lo || hi > n) {
			rc = seterr(err, SEQPACK_ERR_VERIFY,
				    "bin %zu is empty or has bad offsets %u..%u",
				    b, lo, hi);
			break;
		}
		if (params->max_items && hi - lo > params->max_items) {
			rc = seterr(err, SEQPACK_ERR_VERIFY,
				    "bin %zu holds %u sequences > max_items %u",
				    b, hi - lo, params->max_items);
			break;
		}
		uint64_t sum = 0;
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t idx = r->items[j];
			if (idx >= n) {
				rc = seterr(err, SEQPACK_ERR_VERIFY,
					    "bin %zu names sequence %u, input has %zu",
					    b, idx, n);
				break;
			}
			uint64_t bit = UINT64_C(1) << (idx % 64);
			if (seen[idx / 64] & bit) {
				rc = seterr(err, SEQPACK_ERR_VERIFY,
					    "sequence %u is placed twice (again in bin %zu)",
					    idx, b);
				break;
			}
			seen[idx / 64] |= bit;
			sum += lengths[idx];
		}
		if (rc != SEQPACK_OK)
			break;
		if (sum > params->capacity)
			rc = seterr(err, SEQPACK_ERR_VERIFY,
				    "bin %zu holds %llu tokens > capacity %u", b,
				    (unsigned long long)sum, params->capacity);
		else if (sum != r->used[b])
			rc = seterr(err, SEQPACK_ERR_VERIFY,
				    "bin %zu reports used %u but holds %llu tokens",
				    b, r->used[b], (unsigned long long)sum);
	}
	/* offsets end at n and no index repeats, so all n are placed. */
	free(seen);
	return rc;
}
