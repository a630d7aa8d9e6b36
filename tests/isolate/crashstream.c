/* Test plugin for stream isolation: a stream that emits each sequence as
 * a pack of its own and raises SIGSEGV on push number params->seed
 * (counted from 1; the earlier pushes are answered). */
#include <signal.h>
#include <stdlib.h>

#include <seqpack/plugin.h>

struct cs {
	seqpack_plugin_emit_fn emit;
	void *ctx;
	uint64_t left;
};

/* one sequence a bin, for PACK, which a streaming plugin must have */
static int crashstream_pack(void *state, const uint32_t *lengths, size_t n,
			    const seqpack_params *params,
			    seqpack_plugin_output *out, seqpack_error *err)
{
	for (size_t i = 0; i < n; i++) {
		out->items[i] = (uint32_t)i;
		out->offsets[i + 1] = (uint32_t)(i + 1);
		out->used[i] = lengths[i];
	}
	out->nbins = n;
	return SEQPACK_OK;
}

static void *crashstream_open(const seqpack_params *params,
			      seqpack_plugin_emit_fn emit, void *ctx,
			      seqpack_error *err)
{
	struct cs *s = calloc(1, sizeof(*s));
	if (!s) {
		err->status = SEQPACK_ERR_NOMEM;
		return NULL;
	}
	s->emit = emit;
	s->ctx = ctx;
	s->left = params->seed;
	return s;
}

static int crashstream_push(void *arg, uint64_t id, uint32_t length,
			    seqpack_error *err)
{
	struct cs *s = arg;
	if (--s->left == 0)
		raise(SIGSEGV);
	return s->emit(s->ctx, &id, 1, length);
}

static int crashstream_finish(void *arg, seqpack_error *err)
{
	return SEQPACK_OK;
}

static void crashstream_close(void *arg)
{
	free(arg);
}

SEQPACK_PLUGIN_DEFINE(crashstream,
	.name = "crashstream",
	.title = "Crashes in a stream",
	.description = "test plugin whose stream raises SIGSEGV on push number seed",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = crashstream_pack,
	.stream_open = crashstream_open,
	.stream_push = crashstream_push,
	.stream_finish = crashstream_finish,
	.stream_close = crashstream_close)
