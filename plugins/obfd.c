/* Optimized Best Fit Decreasing, the default algorithm: exactly BFD's
 * packing (same bins in the same order) from a counting sort and a
 * capacity-indexed search structure (common/obfdcore.c): O(n + C) plus
 * O(log_64 C) word operations per sequence, no per-bin search, and no
 * allocation on repeated calls through a workspace. */
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/obfdcore.h"

static void *obfd_state_new(void)
{
	return calloc(1, sizeof(struct obfd_ws));
}

static void obfd_state_free(void *state)
{
	if (state) {
		obfd_ws_free(state);
		free(state);
	}
}

static int obfd_plugin_pack(void *state, const uint32_t *lengths, size_t n,
			    const seqpack_params *params,
			    seqpack_plugin_output *out, seqpack_error *err)
{
	struct obfd_ws tmp = {0};
	struct obfd_ws *ws = state ? state : &tmp;
	int rc = obfd_pack(ws, lengths, n, params->capacity,
			   params->max_items, out, err);
	if (!state)
		obfd_ws_free(&tmp);
	return rc;
}

SEQPACK_PLUGIN_DEFINE(obfd,
	.name = "obfd",
	.title = "Optimized Best Fit Decreasing",
	.description = "BFD's exact packing via counting sort and a capacity bitmap; O(n + C), <= 11/9 OPT + 4 (the default)",
	.flags = SEQPACK_FLAG_OFFLINE,
	.state_new = obfd_state_new,
	.state_free = obfd_state_free,
	.pack = obfd_plugin_pack)
