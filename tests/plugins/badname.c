/* Test plugin: the module is badname.so but its descriptor says "other",
 * so the name users ask for would not be the file the registry found. */
#include <seqpack/plugin.h>

static int badname_pack(void *state, const uint32_t *lengths, size_t n,
			const seqpack_params *params, seqpack_plugin_output *out,
			seqpack_error *err)
{
	return SEQPACK_ERR_PLUGIN;
}

SEQPACK_PLUGIN_DEFINE(badname,
	.name = "other",
	.title = "Mismatched name",
	.description = "test plugin whose descriptor name differs from its file",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = badname_pack)
