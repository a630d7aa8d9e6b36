/* Varlen attention inputs of one pack: cu_seqlens and position_ids
 * written into the caller's buffers, so that a data loader can fill a
 * pinned tensor per step without an allocation in between. */
#include <inttypes.h>

#include "util-internal.h"

/* The checks both calls share: arguments, the bin, its items and the sum
 * of its lengths (a lengths array that is not r's would otherwise give
 * silently wrong offsets).  *count is the bin's number of sequences. */
static int bin_check(const seqpack_result *r, const uint32_t *lengths,
		     size_t bin, const int32_t *out, size_t out_len,
		     const size_t *written, const char *what, size_t *count,
		     seqpack_error *err)
{
	if (!r || !lengths || !written)
		return seterr(err, SEQPACK_ERR_INVALID, "%s: %s is NULL", what,
			      !r ? "result" : !lengths ? "lengths" : "written");
	if (!out && out_len > 0)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: out is NULL but out_len is %zu", what,
			      out_len);
	if (bin >= r->nbins)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: bin %zu is out of range (the result has %zu bins)",
			      what, bin, r->nbins);
	uint32_t first = r->offsets[bin], end = r->offsets[bin + 1];
	if (end < first || end > r->n)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: bin %zu has offsets %" PRIu32 "..%" PRIu32
			      " outside 0..%zu",
			      what, bin, first, end, r->n);
	uint64_t sum = 0;
	for (uint32_t i = first; i < end; i++) {
		if (r->items[i] >= r->n)
			return seterr(err, SEQPACK_ERR_INVALID,
				      "%s: bin %zu holds index %" PRIu32
				      ", not below the result's %zu sequences",
				      what, bin, r->items[i], r->n);
		sum += lengths[r->items[i]];
	}
	if (sum != r->used[bin])
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: the lengths of bin %zu sum to %" PRIu64
			      ", not its used %" PRIu32
			      " (lengths are not the ones packed)",
			      what, bin, sum, r->used[bin]);
	if (sum > SEQPACK_MAX_CAPACITY)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "%s: bin %zu uses %" PRIu64
			      " tokens, above the maximum capacity %u",
			      what, bin, sum, SEQPACK_MAX_CAPACITY);
	*count = end - first;
	return SEQPACK_OK;
}

static int too_small(seqpack_error *err, const char *what, size_t bin,
		     size_t out_len, size_t need)
{
	return seterr(err, SEQPACK_ERR_INVALID,
		      "%s: out holds %zu entries, bin %zu needs %zu", what,
		      out_len, bin, need);
}

SEQPACK_EXPORT int seqpack_result_cu_seqlens(const seqpack_result *r,
					     const uint32_t *lengths,
					     size_t bin, int32_t *out,
					     size_t out_len, size_t *written,
					     seqpack_error *err)
{
	static const char what[] = "cu_seqlens";
	size_t count;
	int rc = bin_check(r, lengths, bin, out, out_len, written, what,
			   &count, err);
	if (rc)
		return rc;
	size_t need = count + 1;
	if (!out) {
		*written = need;
		return SEQPACK_OK;
	}
	if (out_len < need)
		return too_small(err, what, bin, out_len, need);
	/* The sum is at most SEQPACK_MAX_CAPACITY = INT32_MAX (checked
	 * above), so no partial sum overflows an int32_t. */
	const uint32_t *it = r->items + r->offsets[bin];
	int32_t acc = 0;
	out[0] = 0;
	for (size_t i = 0; i < count; i++) {
		acc += (int32_t)lengths[it[i]];
		out[i + 1] = acc;
	}
	*written = need;
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_result_position_ids(const seqpack_result *r,
					       const uint32_t *lengths,
					       size_t bin, int32_t *out,
					       size_t out_len,
					       size_t *written,
					       seqpack_error *err)
{
	static const char what[] = "position_ids";
	size_t count;
	int rc = bin_check(r, lengths, bin, out, out_len, written, what,
			   &count, err);
	if (rc)
		return rc;
	size_t need = r->used[bin];
	if (!out) {
		*written = need;
		return SEQPACK_OK;
	}
	if (out_len < need)
		return too_small(err, what, bin, out_len, need);
	const uint32_t *it = r->items + r->offsets[bin];
	int32_t *p = out;
	for (size_t i = 0; i < count; i++) {
		int32_t l = (int32_t)lengths[it[i]];
		for (int32_t k = 0; k < l; k++)
			*p++ = k;
	}
	*written = need;
	return SEQPACK_OK;
}
