/* Test plugin: returns a wrong packing that looks plausible, so only the
 * verifier can catch it.  When the lengths do not fit one bin it puts
 * them all in one bin anyway (over capacity, used clamped to capacity);
 * when they do fit, it lists index 0 twice instead of the last index
 * (a missing index).  With one sequence it reports a wrong used. */
#include <seqpack/plugin.h>

static int liar_pack(void *state, const uint32_t *lengths, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	if (n == 0) {
		out->nbins = 0;
		return SEQPACK_OK;
	}
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		out->items[i] = (uint32_t)i;
		sum += lengths[i];
	}
	out->offsets[0] = 0;
	out->offsets[1] = (uint32_t)n;
	out->nbins = 1;
	if (n == 1) {
		out->used[0] = lengths[0] - 1;
	} else if (sum > params->capacity) {
		out->used[0] = params->capacity;
	} else {
		out->items[n - 1] = 0;
		out->used[0] = (uint32_t)(sum - lengths[n - 1] + lengths[0]);
	}
	return SEQPACK_OK;
}

SEQPACK_PLUGIN_DEFINE(liar,
	.name = "liar",
	.title = "Wrong answers",
	.description = "test plugin returning over-full bins or a missing index",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = liar_pack)
