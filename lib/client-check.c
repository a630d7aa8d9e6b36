/* What a packing from seqpackd must pass before a caller sees it, on
 * either transport: a reply head that matches the request, and a packing
 * that is verified (SEQPACK_PARAM_VERIFY) or at least safe to index.  The
 * daemon is another program, and its reply crossed a socket or sat in
 * shared memory. */
#include <string.h>

#include "client-check.h"
#include "client-io.h"

int client_decode_head(seqpack_client *c, struct sp_rd *r, size_t n,
		       seqpack_result *res, seqpack_error *err)
{
	char name[SEQPACK_NAME_MAX];
	sp_get_str(r, name, sizeof(name));
	uint32_t rn = sp_get_u32(r);
	uint32_t nbins = sp_get_u32(r);
	seqpack_metrics m;
	m.bins = sp_get_u64(r);
	m.total_tokens = sp_get_u64(r);
	m.capacity = sp_get_u64(r);
	m.padding_tokens = sp_get_u64(r);
	m.lower_bound = sp_get_u64(r);
	m.max_items_per_bin = sp_get_u64(r);
	m.efficiency = sp_get_f64(r);
	m.mean_items_per_bin = sp_get_f64(r);
	m.elapsed_ns = sp_get_u64(r);
	if (r->bad || rn != n || nbins > n)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "PACK reply does not match the request");
	memcpy(res->algorithm, name, sizeof(name));
	res->n = n;
	res->nbins = nbins;
	res->metrics = m;
	return SEQPACK_OK;
}

/* What a caller can index with without checking: offsets rising from 0
 * to n, every item an input index, no bin over capacity.  Sequential
 * and branch-light, a fraction of seqpack_verify()'s random accesses. */
static int check_shape(size_t n, const seqpack_params *params,
		       const seqpack_result *res, seqpack_error *err)
{
	const uint32_t *off = res->offsets;
	if (off[0] != 0 || off[res->nbins] != n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a malformed packing: offsets run from %u to %u for %zu sequences",
			      off[0], off[res->nbins], n);
	/* Eight independent lanes, so that -O2 vectorises both loops (half
	 * the time of one running value at n = 100k). */
	const uint32_t *items = res->items, *used = res->used;
	const uint32_t cap = params->capacity;
	uint32_t bad8[8] = {0}, top8[8] = {0};
	size_t b = 0, i = 0;
	for (; b + 8 <= res->nbins; b += 8)
		for (size_t k = 0; k < 8; k++)
			bad8[k] |= (uint32_t)(off[b + k + 1] <= off[b + k]) |
				   (uint32_t)(used[b + k] > cap);
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			top8[k] = items[i + k] > top8[k] ? items[i + k]
							 : top8[k];
	uint32_t bad = 0, top = 0;
	for (size_t k = 0; k < 8; k++) {
		bad |= bad8[k];
		top = top8[k] > top ? top8[k] : top;
	}
	for (; b < res->nbins; b++)
		bad |= (uint32_t)(off[b + 1] <= off[b]) |
		       (uint32_t)(used[b] > cap);
	for (; i < n; i++)
		top = items[i] > top ? items[i] : top;
	if (bad || (n && top >= n))
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a malformed packing (an empty or over-full bin, or an index out of range)");
	return SEQPACK_OK;
}

/* With SEQPACK_PARAM_VERIFY the check is seqpack_verify()'s, against the
 * lengths we sent; without, as in-process, only its shape is checked
 * (the daemon has verified it in any case). */
static int check_result(const uint32_t *lengths, size_t n,
			const seqpack_params *params,
			const seqpack_result *res, seqpack_error *err)
{
	if (!(params->flags & SEQPACK_PARAM_VERIFY))
		return check_shape(n, params, res, err);
	seqpack_error verr;
	if (seqpack_verify(lengths, n, params, res, &verr) != SEQPACK_OK)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a wrong packing: %s",
			      verr.message);
	return SEQPACK_OK;
}

int client_deliver(const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_result *res,
		   struct pack_out out, seqpack_error *err)
{
	int rc = check_result(lengths, n, params, res, err);
	if (out.fresh) {
		if (rc != SEQPACK_OK)
			seqpack_result_free(res);
		else
			*out.fresh = res;
	} else if (rc == SEQPACK_OK) {
		*out.reuse = res;
	}
	return rc;
}
