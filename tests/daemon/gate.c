/* Test plugin for the daemon tests: Next Fit, except that when
 * $SEQPACK_TEST_GATE names a directory holding the FIFOs "entered" and
 * "release", pack() first writes one byte to "entered" and then waits for
 * one byte on "release".  The test thereby knows for certain that a
 * request is inside the plugin (in flight) and decides when it may end,
 * with no sleeps.  Also the plugin the SIGHUP test drops into a scanned
 * directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <seqpack/plugin.h>

static void gate(void)
{
	const char *dir = getenv("SEQPACK_TEST_GATE");
	if (!dir || !*dir)
		return;
	char path[4096];
	char b = 'x';
	snprintf(path, sizeof(path), "%s/entered", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, &b, 1) != 1)
			b = 0;
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/release", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &b, 1) != 1)
			b = 0;
		close(fd);
	}
}

static int gate_pack(void *state, const uint32_t *lengths, size_t n,
		     const seqpack_params *params, seqpack_plugin_output *out,
		     seqpack_error *err)
{
	gate();
	size_t nbins = 0;
	uint64_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && used + lengths[i] > params->capacity) {
			out->used[nbins++] = (uint32_t)used;
			out->offsets[nbins] = (uint32_t)i;
			used = 0;
		}
		out->items[i] = (uint32_t)i;
		used += lengths[i];
	}
	if (n) {
		out->used[nbins++] = (uint32_t)used;
		out->offsets[nbins] = (uint32_t)n;
	}
	out->nbins = nbins;
	return SEQPACK_OK;
}

SEQPACK_PLUGIN_DEFINE(gate,
	.name = "gate",
	.title = "Gated Next Fit",
	.description = "test plugin: Next Fit that can be held inside pack()",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = gate_pack)
