/* Shared driver of the First-Fit family (ff, ffd, ffs, and the last
 * phases of mffd) and the flat-output builder the offline plugins share. */
#ifndef SEQPACK_PLUGINS_FFPACK_H
#define SEQPACK_PLUGINS_FFPACK_H

#include <seqpack/plugin.h>

/* First Fit of the items in the order order[0..n-1] (the identity when
 * order is NULL) into out.  Bins are numbered in opening order and each
 * bin lists its items in placement order. */
int ffpack_run(const uint32_t *lengths, size_t n,
	       const seqpack_params *params, const uint32_t *order,
	       seqpack_plugin_output *out, seqpack_error *err);

/* Fill order[0..n-1] (n >= 1) with the order in which First Fit takes
 * the items; 0, or -1 when out of memory. */
typedef int (*ffpack_order_fn)(const uint32_t *lengths, size_t n,
			       const seqpack_params *params, uint32_t *order);

/* The whole pack hook of a plugin that is First Fit in an order of its
 * own (ffd, ffs): the order array, fill(), ffpack_run().  name is the
 * plugin's, for the out-of-memory message. */
int ffpack_ordered(const char *name, ffpack_order_fn fill,
		   const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err);

/* Build out->items and out->offsets from a placement log: the k-th
 * placement put item order[k] (k when order is NULL) into bin binof[k].
 * On entry out->offsets[b] holds the number of items of bin b for
 * b < nbins; out->used is left alone.  O(n + nbins), no allocation. */
void ffpack_csr(seqpack_plugin_output *out, size_t nbins,
		const uint32_t *order, const uint32_t *binof, size_t n);

/* Fill err for an allocation failure of plugin name; returns the status. */
int ffpack_nomem(seqpack_error *err, const char *name);

#endif
