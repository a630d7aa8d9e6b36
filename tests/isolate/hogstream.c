/* Test plugin for stream isolation: a stream push (and pack(), which a
 * streaming plugin must have) allocates and touches 16 MiB blocks until
 * malloc() fails, frees them and reports SEQPACK_ERR_NOMEM, as hog.c
 * does.  Only the stream packer's address-space limit stops it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plugin.h>

#define BLOCK (16u << 20)

static int hog(seqpack_error *err)
{
	void **head = NULL;
	size_t blocks = 0;
	for (void **b; (b = malloc(BLOCK)); blocks++) {
		memset(b, 0xa5, BLOCK);
		*b = head;
		head = b;
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

static int hogstream_pack(void *state, const uint32_t *lengths, size_t n,
			  const seqpack_params *params,
			  seqpack_plugin_output *out, seqpack_error *err)
{
	return hog(err);
}

static void *hogstream_open(const seqpack_params *params,
			    seqpack_plugin_emit_fn emit, void *ctx,
			    seqpack_error *err)
{
	static char one; /* no state: any non-NULL pointer */
	return &one;
}

static int hogstream_push(void *arg, uint64_t id, uint32_t length,
			  seqpack_error *err)
{
	return hog(err);
}

static int hogstream_finish(void *arg, seqpack_error *err)
{
	return SEQPACK_OK;
}

static void hogstream_close(void *arg)
{
}

SEQPACK_PLUGIN_DEFINE(hogstream,
	.name = "hogstream",
	.title = "Allocates without end in a stream",
	.description = "test plugin whose stream push allocates until malloc() fails",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = hogstream_pack,
	.stream_open = hogstream_open,
	.stream_push = hogstream_push,
	.stream_finish = hogstream_finish,
	.stream_close = hogstream_close)
