/* Test plugin for plugin isolation: pack() allocates and touches 16 MiB
 * blocks until malloc() fails, then frees them and reports
 * SEQPACK_ERR_NOMEM, as a careful plugin would.  Only an address-space
 * limit stops it short of the machine's memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plugin.h>

#define BLOCK (16u << 20)

static int hog_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	void **head = NULL;
	size_t blocks = 0;
	for (;;) {
		void **b = malloc(BLOCK);
		if (!b)
			break;
		memset(b, 0xa5, BLOCK);
		*b = head;
		head = b;
		blocks++;
	}
	while (head) {
		void **next = *head;
		free(head);
		head = next;
	}
	err->status = SEQPACK_ERR_NOMEM;
	snprintf(err->message, sizeof(err->message),
		 "out of memory after %zu MiB", blocks * (BLOCK >> 20));
	return SEQPACK_ERR_NOMEM;
}

SEQPACK_PLUGIN_DEFINE(hog,
	.name = "hog",
	.title = "Allocates without end",
	.description = "test plugin whose pack() allocates until malloc() fails",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = hog_pack)
