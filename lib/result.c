/* Result allocation and metrics. */
#include <stdlib.h>
#include <string.h>

#include "util-internal.h"

SEQPACK_EXPORT int seqpack_result_new(size_t n, seqpack_result **ret,
				      seqpack_error *err)
{
	if (!ret)
		return seterr(err, SEQPACK_ERR_INVALID, "ret is NULL");
	if (n > SEQPACK_MAX_SEQUENCES)
		return seterr(err, SEQPACK_ERR_TOO_MANY,
			      "%zu sequences is more than the maximum %u", n,
			      SEQPACK_MAX_SEQUENCES);
	/* n + 1 entries of 4 bytes must not wrap where size_t is 32 bits. */
	if (n >= SIZE_MAX / sizeof(uint32_t))
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%zu sequences do not fit in memory", n);
	seqpack_result *r = calloc(1, sizeof(*r));
	if (!r)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	/* n + 1 so that n == 0 still gets real, freeable arrays. */
	r->items = malloc((n + 1) * sizeof(uint32_t));
	r->offsets = malloc((n + 1) * sizeof(uint32_t));
	r->used = malloc((n + 1) * sizeof(uint32_t));
	if (!r->items || !r->offsets || !r->used) {
		seqpack_result_free(r);
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a result of %zu sequences", n);
	}
	prefault_result(r, n + 1);
	r->n = n;
	r->offsets[0] = 0;
	*ret = r;
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_result *seqpack_result_free(seqpack_result *r)
{
	if (r) {
		free(r->items);
		free(r->offsets);
		free(r->used);
		free(r);
	}
	return NULL;
}

SEQPACK_EXPORT void seqpack_metrics_compute(seqpack_result *r,
					    const uint32_t *lengths,
					    uint32_t capacity)
{
	if (!r)
		return;
	seqpack_metrics *m = &r->metrics;
	/* Eight running sums and maxima: gcc vectorises these at -O2, not
	 * the plain loops (see seqpack_lengths_check). */
	const size_t n = r->n, nbins = r->nbins;
	uint64_t t8[8] = {0};
	uint32_t m8[8] = {0};
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			t8[k] += lengths[i + k];
	size_t b = 0;
	for (; b + 8 <= nbins; b += 8)
		for (size_t k = 0; k < 8; k++) {
			uint32_t c = r->offsets[b + k + 1] - r->offsets[b + k];
			m8[k] = c > m8[k] ? c : m8[k];
		}
	uint64_t total = 0, maxi = 0;
	for (size_t k = 0; k < 8; k++) {
		total += t8[k];
		maxi = m8[k] > maxi ? m8[k] : maxi;
	}
	for (; i < n; i++)
		total += lengths[i];
	for (; b < nbins; b++) {
		uint64_t c = r->offsets[b + 1] - r->offsets[b];
		if (c > maxi)
			maxi = c;
	}
	m->bins = r->nbins;
	m->total_tokens = total;
	m->capacity = capacity;
	m->padding_tokens = (uint64_t)r->nbins * capacity - total;
	m->lower_bound = capacity ? (total + capacity - 1) / capacity : 0;
	m->max_items_per_bin = maxi;
	m->efficiency = r->nbins ? (double)total /
				       ((double)r->nbins * (double)capacity)
				 : 1.0;
	m->mean_items_per_bin =
		r->nbins ? (double)r->n / (double)r->nbins : 0.0;
}
