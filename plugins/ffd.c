/* First Fit Decreasing: a stable descending sort of the lengths (ties in
 * input order), then First Fit.  O(n log B) after an O(n + C) or O(n)
 * radix sort.  Bound: FFD <= 11/9 OPT + 6/9, tight (Dosa 2007). */
#include <seqpack/plugin.h>

#include "common/ffpack.h"
#include "common/order.h"

static int descending(const uint32_t *lengths, size_t n,
		      const seqpack_params *params, uint32_t *order)
{
	return order_desc(lengths, n, params->capacity, order);
}

static int ffd_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	return ffpack_ordered("ffd", descending, lengths, n, params, out, err);
}

SEQPACK_PLUGIN_DEFINE(ffd,
	.name = "ffd",
	.title = "First Fit Decreasing",
	.description = "stable descending sort, then First Fit; O(n log B); <= 11/9 OPT + 6/9 (Dosa 2007)",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = ffd_pack)
