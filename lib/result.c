/* Result allocation and metrics. */
#include <stdlib.h>
#include <string.h>

#include "util/hugemem-internal.h"
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
	if (seqpack_result_arrays_(r, n + 1) != SEQPACK_OK) {
		seqpack_result_free(r);
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a result of %zu sequences", n);
	}
	r->n = n;
	r->offsets[0] = 0;
	*ret = r;
	return SEQPACK_OK;
}

int seqpack_result_arrays_(seqpack_result *r, size_t slots)
{
	size_t bytes = slots * sizeof(uint32_t);
	/* Every item slot gets written; offsets and used only up to nbins,
	 * which is often far below n, so those fault in as touched. */
	r->items = hugemem_alloc(bytes, bytes);
	r->offsets = hugemem_alloc(bytes, 0);
	r->used = hugemem_alloc(bytes, 0);
	return r->items && r->offsets && r->used ? SEQPACK_OK
						 : SEQPACK_ERR_NOMEM;
}

void seqpack_result_arrays_free_(seqpack_result *r)
{
	hugemem_free(r->items);
	hugemem_free(r->offsets);
	hugemem_free(r->used);
	r->items = r->offsets = r->used = NULL;
}

SEQPACK_EXPORT seqpack_result *seqpack_result_free(seqpack_result *r)
{
	if (r) {
		seqpack_result_arrays_free_(r);
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
	uint64_t total;
	(void)seqpack_lengths_scan_(lengths, r->n, &total);
	seqpack_metrics_fill_(r, total, capacity);
}

void seqpack_metrics_fill_(seqpack_result *r, uint64_t total,
			   uint32_t capacity)
{
	seqpack_metrics *m = &r->metrics;
	const size_t nbins = r->nbins;
	uint32_t m8[8] = {0};
	size_t b = 0;
	for (; b + 8 <= nbins; b += 8)
		for (size_t k = 0; k < 8; k++) {
			uint32_t c = r->offsets[b + k + 1] - r->offsets[b + k];
			m8[k] = c > m8[k] ? c : m8[k];
		}
	uint64_t maxi = 0;
	for (size_t k = 0; k < 8; k++)
		maxi = m8[k] > maxi ? m8[k] : maxi;
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
