/* Test plugin: always fails with a status and a message, which the core
 * must hand to the caller unchanged (prefixed by the plugin name). */
#include <stdio.h>

#include <seqpack/plugin.h>

static int failer_pack(void *state, const uint32_t *lengths, size_t n,
		       const seqpack_params *params, seqpack_plugin_output *out,
		       seqpack_error *err)
{
	err->status = SEQPACK_ERR_LIMIT;
	snprintf(err->message, sizeof(err->message),
		 "deliberate failure on %zu sequences", n);
	return SEQPACK_ERR_LIMIT;
}

SEQPACK_PLUGIN_DEFINE(failer,
	.name = "failer",
	.title = "Always fails",
	.description = "test plugin that returns SEQPACK_ERR_LIMIT with a message",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = failer_pack)
