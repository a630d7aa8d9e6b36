/* Test plugin for plugin isolation: pack() never returns.  When
 * $SEQPACK_TEST_GATE names a directory holding the FIFO "entered", it
 * first writes one byte there, so that a test knows for certain that a
 * request is stuck inside it (no sleeps).  It waits in pause() rather
 * than spinning: to the daemon a plugin that never answers is the same
 * either way, and the test machine's CPUs stay free. */
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

static int hang_pack(void *state, const uint32_t *lengths, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	say_entered();
	for (;;)
		pause();
	return SEQPACK_OK;
}

SEQPACK_PLUGIN_DEFINE(hang,
	.name = "hang",
	.title = "Never returns",
	.description = "test plugin whose pack() waits forever",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = hang_pack)
