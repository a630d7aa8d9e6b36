/* Test plugin: a second "nf".  Placed after the real plugins on the search
 * path it must be skipped as a duplicate (the first of a name wins); placed
 * first it wins, which the test detects by its distinctive packing (one
 * sequence per bin). */
#include <seqpack/plugin.h>

static int dupnf_pack(void *state, const uint32_t *lengths, size_t n,
		      const seqpack_params *params, seqpack_plugin_output *out,
		      seqpack_error *err)
{
	for (size_t i = 0; i < n; i++) {
		out->items[i] = (uint32_t)i;
		out->offsets[i + 1] = (uint32_t)(i + 1);
		out->used[i] = lengths[i];
	}
	out->nbins = n;
	return SEQPACK_OK;
}

SEQPACK_PLUGIN_DEFINE(nf,
	.name = "nf",
	.title = "Duplicate Next Fit",
	.description = "test plugin: a second nf that puts each sequence alone",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = dupnf_pack)
