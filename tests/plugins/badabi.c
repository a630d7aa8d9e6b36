/* Test plugin: claims a future ABI major, so the registry must skip it
 * without calling anything in it. */
#include <seqpack/plugin.h>

static int badabi_pack(void *state, const uint32_t *lengths, size_t n,
		       const seqpack_params *params, seqpack_plugin_output *out,
		       seqpack_error *err)
{
	return SEQPACK_ERR_PLUGIN;
}

SEQPACK_PLUGIN_EXPORT const seqpack_plugin *badabi_LTX_seqpack_plugin_entry(void);
SEQPACK_PLUGIN_EXPORT const seqpack_plugin *badabi_LTX_seqpack_plugin_entry(void)
{
	/* Written out by hand: SEQPACK_PLUGIN_DEFINE always stamps the
	 * current ABI version. */
	static const seqpack_plugin desc = {
		.abi_version = ((SEQPACK_PLUGIN_ABI_MAJOR + 1) << 16),
		.struct_size = sizeof(seqpack_plugin),
		.name = "badabi",
		.title = "Wrong ABI",
		.description = "test plugin built for a future ABI major",
		.flags = SEQPACK_FLAG_OFFLINE,
		.pack = badabi_pack,
	};
	return &desc;
}
