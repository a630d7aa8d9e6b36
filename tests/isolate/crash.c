/* Test plugin for plugin isolation: pack() dies.  params->seed chooses
 * how: an odd seed (the default one is) raises SIGSEGV, an even one calls
 * abort(), the two ways a C plugin usually goes. */
#include <signal.h>
#include <stdlib.h>

#include <seqpack/plugin.h>

static int crash_pack(void *state, const uint32_t *lengths, size_t n,
		      const seqpack_params *params, seqpack_plugin_output *out,
		      seqpack_error *err)
{
	if (params->seed & 1)
		raise(SIGSEGV);
	abort();
	return SEQPACK_OK;
}

SEQPACK_PLUGIN_DEFINE(crash,
	.name = "crash",
	.title = "Crashes",
	.description = "test plugin whose pack() raises SIGSEGV (odd seed) or aborts",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = crash_pack)
