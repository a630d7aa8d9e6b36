/* Test plugin for stream isolation: a stream whose first push never
 * returns.  Like hang.c it writes one byte to the FIFO
 * $SEQPACK_TEST_GATE/entered first, when there is one, and waits in
 * pause(). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <seqpack/plugin.h>

static void say_entered(void)
{
	const char *dir = getenv("SEQPACK_TEST_GATE");
	if (!dir || !*dir)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/entered", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		char b = 'h';
		if (write(fd, &b, 1) != 1)
			b = 0;
		close(fd);
	}
}

static int hangstream_pack(void *state, const uint32_t *lengths, size_t n,
			   const seqpack_params *params,
			   seqpack_plugin_output *out, seqpack_error *err)
{
	for (;;)
		pause();
	return SEQPACK_OK;
}

static void *hangstream_open(const seqpack_params *params,
			     seqpack_plugin_emit_fn emit, void *ctx,
			     seqpack_error *err)
{
	static char one; /* no state: any non-NULL pointer */
	return &one;
}

static int hangstream_push(void *arg, uint64_t id, uint32_t length,
			   seqpack_error *err)
{
	say_entered();
	for (;;)
		pause();
	return SEQPACK_OK;
}

static int hangstream_finish(void *arg, seqpack_error *err)
{
	return SEQPACK_OK;
}

static void hangstream_close(void *arg)
{
}

SEQPACK_PLUGIN_DEFINE(hangstream,
	.name = "hangstream",
	.title = "Hangs in a stream",
	.description = "test plugin whose stream push waits forever",
	.flags = SEQPACK_FLAG_ONLINE | SEQPACK_FLAG_STREAMING,
	.pack = hangstream_pack,
	.stream_open = hangstream_open,
	.stream_push = hangstream_push,
	.stream_finish = hangstream_finish,
	.stream_close = hangstream_close)
