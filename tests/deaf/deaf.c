/* Test plugin: a streaming plugin that ignores what emit() returns, the
 * way a careless third-party plugin would.  Each push is emitted at once
 * as a pack of its own, and the seed picks the misbehaviour on top:
 *   1: sequence 1 is emitted over capacity;
 *   2: sequence 2 is never emitted (lost);
 * other seeds: none (only the ignored return).  The core must fail the
 * stream in every case instead of returning SEQPACK_OK. */
#include <stdlib.h>

#include <seqpack/plugin.h>

struct deaf {
	seqpack_plugin_emit_fn emit;
	void *ctx;
	uint64_t seed;
	uint32_t capacity;
};

static int deaf_pack(void *state, const uint32_t *lengths, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	err->status = SEQPACK_ERR_UNSUPPORTED;
	return SEQPACK_ERR_UNSUPPORTED;
}

static void *deaf_open(const seqpack_params *params,
		       seqpack_plugin_emit_fn emit, void *emit_ctx,
		       seqpack_error *err)
{
	struct deaf *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->emit = emit;
	d->ctx = emit_ctx;
	d->seed = params->seed;
	d->capacity = params->capacity;
	return d;
}

static int deaf_push(void *stream, uint64_t id, uint32_t length,
		     seqpack_error *err)
{
	struct deaf *d = stream;
	if (d->seed == 2 && id == 2)
		return SEQPACK_OK;
	uint64_t used = d->seed == 1 && id == 1 ? (uint64_t)d->capacity + 1
						: length;
	(void)d->emit(d->ctx, &id, 1, used); /* the fault under test */
	return SEQPACK_OK;
}

static int deaf_finish(void *stream, seqpack_error *err)
{
	return SEQPACK_OK;
}

static void deaf_close(void *stream)
{
	free(stream);
}

SEQPACK_PLUGIN_DEFINE(deaf,
	.name = "deaf",
	.title = "Ignores emit's refusal",
	.description = "test plugin that drops emit()'s status, can emit over capacity or lose a sequence",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = deaf_pack,
	.stream_open = deaf_open,
	.stream_push = deaf_push,
	.stream_finish = deaf_finish,
	.stream_close = deaf_close)
