/*
 * nfd.c - an out-of-tree seqpack plugin: Next Fit Decreasing.
 *
 * Sequences are taken longest first and packed with Next Fit: one open
 * bin, closed as soon as the next sequence does not fit.  It is here to
 * show the whole plugin ABI in one file; see docs/plugins.md and
 * seqpack-plugin(7).
 *
 * The module's file name, the first argument of SEQPACK_PLUGIN_DEFINE and
 * .name must all be the same [a-z0-9]+ word: "nfd" lives in nfd.so.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>

#include <seqpack/plugin.h>

/* Longest first; equal lengths keep their input order, so the answer is
 * the same on every run. */
static int longer_first(const void *a, const void *b, void *ctx)
{
	const uint32_t *lengths = ctx;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	if (lengths[ia] != lengths[ib])
		return lengths[ia] > lengths[ib] ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* The core has already checked params and every length (1 .. capacity)
 * and allocated out->items[n], out->offsets[n + 1] and out->used[n]: the
 * plugin only fills them in and sets out->nbins. */
static int nfd_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	(void)state;
	(void)err; /* nothing here can fail; set err->status and
		      err->message, and return the status, when it can */
	const uint32_t cap = params->capacity;
	const uint32_t max_items = params->max_items ? params->max_items
						     : UINT32_MAX;

	/* Sort the indices in place in the output array. */
	for (size_t i = 0; i < n; i++)
		out->items[i] = (uint32_t)i;
	qsort_r(out->items, n, sizeof(*out->items), longer_first,
		(void *)lengths);

	size_t nbins = 0;
	uint32_t used = 0, count = 0;
	out->offsets[0] = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t len = lengths[out->items[i]];
		if (count && (len > cap - used || count == max_items)) {
			out->used[nbins++] = used;
			out->offsets[nbins] = (uint32_t)i;
			used = 0;
			count = 0;
		}
		used += len;
		count++;
	}
	if (count) {
		out->used[nbins++] = used;
		out->offsets[nbins] = (uint32_t)n;
	}
	out->nbins = nbins;
	return SEQPACK_OK;
}

/* The descriptor and the one exported symbol, nfd_LTX_seqpack_plugin_entry.
 * abi_version and struct_size are filled in from the installed header. */
SEQPACK_PLUGIN_DEFINE(nfd,
	.name = "nfd",
	.title = "Next Fit Decreasing (example plugin)",
	.description = "longest first, then one open bin; an out-of-tree example",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = nfd_pack)
