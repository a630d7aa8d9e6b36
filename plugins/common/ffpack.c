/* The First-Fit driver and the flat-output builder (see ffpack.h). */
#include <stdio.h>
#include <stdlib.h>

#include "ffpack.h"
#include "fftree.h"

#define PREFETCH_AHEAD 16

int ffpack_nomem(seqpack_error *err, const char *name)
{
	err->status = SEQPACK_ERR_NOMEM;
	snprintf(err->message, sizeof(err->message),
		 "%s: out of memory", name);
	return SEQPACK_ERR_NOMEM;
}

int ffpack_ordered(const char *name, ffpack_order_fn fill,
		   const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	out->nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	uint32_t *order = malloc(n * sizeof(*order));
	if (!order || fill(lengths, n, params, order) != 0) {
		free(order);
		return ffpack_nomem(err, name);
	}
	int rc = ffpack_run(lengths, n, params, order, out, err);
	free(order);
	return rc;
}

void ffpack_csr(seqpack_plugin_output *out, size_t nbins,
		const uint32_t *order, const uint32_t *binof, size_t n)
{
	uint32_t *off = out->offsets;
	/* Inclusive prefix sums make offsets[b] the end of bin b; filling
	 * each bin from its end, walking the log backwards, leaves
	 * offsets[b] at its start with items in placement order. */
	uint32_t sum = 0;
	for (size_t b = 0; b < nbins; b++) {
		sum += off[b];
		off[b] = sum;
	}
	for (size_t k = n; k-- > 0;)
		out->items[--off[binof[k]]] = order ? order[k] : (uint32_t)k;
	off[nbins] = (uint32_t)n;
	out->nbins = nbins;
}

int ffpack_run(const uint32_t *lengths, size_t n,
	       const seqpack_params *params, const uint32_t *order,
	       seqpack_plugin_output *out, seqpack_error *err)
{
	out->nbins = 0;
	if (n == 0)
		return SEQPACK_OK;
	uint32_t *binof = malloc(n * sizeof(*binof));
	struct fftree t;
	if (!binof || fftree_init(&t, params->capacity, params->max_items,
				  out->used, out->offsets) != 0) {
		free(binof);
		return ffpack_nomem(err, "first fit");
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t item = order ? order[k] : (uint32_t)k;
#if defined(__GNUC__)
		/* A sorted or shuffled order reads lengths at random: fetch
		 * ahead so the misses overlap the tree work. */
		if (order && k + PREFETCH_AHEAD < n)
			__builtin_prefetch(&lengths[order[k + PREFETCH_AHEAD]]);
#endif
		uint32_t b = fftree_first_fit(&t, lengths[item]);
		if (b == FFTREE_NONE) {
			fftree_free(&t);
			free(binof);
			return ffpack_nomem(err, "first fit");
		}
		binof[k] = b;
	}
	ffpack_csr(out, t.nbins, order, binof, n);
	fftree_free(&t);
	free(binof);
	return SEQPACK_OK;
}
