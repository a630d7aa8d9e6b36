/* Fuzz target: the CLI's length readers (tools/input.c), on a file that
 * holds the input: format detection, plain integers, a JSON array, JSON
 * Lines and .npy.  Each input is read twice, without a capacity and with
 * capacity 2048.  A read either succeeds with every length in range or
 * fails with one of the documented exit statuses (after one message);
 * with a capacity it accepts exactly the inputs that succeed without
 * one and have no length above it, with the same lengths. */
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "input.h"

#define CAP 2048u

static char fdpath[64];
static int fd = -1;
/* The readers' messages (tool_error() on stderr) go here unless
 * FUZZ_VERBOSE is set: one line per refused input would fill the log.
 * Only the stdio stream is swapped; the sanitizers and the checks
 * still write to descriptor 2. */
static FILE *quiet;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	/* fopen() of this path opens the memfd anew, from its start. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!getenv("FUZZ_VERBOSE")) {
		quiet = fopen("/dev/null", "we");
		FUZZ_CHECK(quiet, "cannot open /dev/null");
	}
	return 0;
}

static int read_with(const char *path, uint32_t cap, struct lengths *out)
{
	struct tool t = {.cmd = "fuzz"};
	FILE *err = stderr;
	if (quiet)
		stderr = quiet;
	int rc = input_read(&t, path, cap, out);
	stderr = err;
	FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_DATA || rc == EXIT_IO ||
			   rc == EXIT_PACK,
		   "input_read returned %d", rc);
	if (rc == EXIT_OK)
		for (size_t i = 0; i < out->n; i++)
			FUZZ_CHECK(out->v[i] >= 1 && (!cap || out->v[i] <= cap),
				   "length %zu is %u (capacity %u)", i,
				   out->v[i], cap);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_CHECK(ftruncate(fd, 0) == 0 &&
			   pwrite(fd, data, size, 0) == (ssize_t)size,
		   "cannot write the input to the memfd");
	struct lengths any = {0}, capped = {0};
	int rc_any = read_with(fdpath, 0, &any);
	int rc_cap = read_with(fdpath, CAP, &capped);
	if (rc_any == EXIT_OK) {
		bool fits = true;
		for (size_t i = 0; i < any.n; i++)
			fits &= any.v[i] <= CAP;
		FUZZ_CHECK(fits == (rc_cap == EXIT_OK),
			   "with capacity %u the read gives %d, %s", CAP,
			   rc_cap, fits ? "every length fits" : "a length is above it");
		if (fits)
			FUZZ_CHECK(capped.n == any.n &&
					   (!any.n || memcmp(capped.v, any.v,
							     any.n * 4) == 0),
				   "with capacity %u: %zu lengths, %zu without",
				   CAP, capped.n, any.n);
	} else if (rc_any == EXIT_DATA) {
		FUZZ_CHECK(rc_cap != EXIT_OK,
			   "refused without a capacity, accepted with %u", CAP);
	}
	lengths_free(&any);
	lengths_free(&capped);
	return 0;
}
