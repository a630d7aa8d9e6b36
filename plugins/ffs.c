/* First Fit Shuffle: a seeded Fisher-Yates shuffle of the input order,
 * then First Fit.  A new seed per epoch gives a different but equally
 * good packing, so the same sequences do not always share a pack; the
 * generator is the portable one of common/rng.h, so a seed gives the same
 * packing on every machine.  O(n log B).  Bound: FF's, floor(1.7 OPT)
 * (Dosa & Sgall 2013), whatever the order. */
#include <seqpack/plugin.h>

#include "common/ffpack.h"
#include "common/rng.h"

static int shuffled(const uint32_t *lengths, size_t n,
		    const seqpack_params *params, uint32_t *order)
{
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	struct rng r;
	rng_seed(&r, params->seed);
	rng_shuffle(&r, order, n);
	return 0;
}

static int ffs_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	return ffpack_ordered("ffs", shuffled, lengths, n, params, out, err);
}

SEQPACK_PLUGIN_DEFINE(ffs,
	.name = "ffs",
	.title = "First Fit Shuffle",
	.description = "seeded shuffle (xoshiro256**, default seed 0x5eed5eed), then First Fit; O(n log B); <= floor(1.7 OPT) (Dosa & Sgall 2013)",
	.flags = SEQPACK_FLAG_OFFLINE | SEQPACK_FLAG_RANDOMISED,
	.pack = ffs_pack)
