/* Fuzz target: seqpackd's config loader (daemon/config.c) on a config
 * file holding the input, through config_load() as main() calls it
 * (--config=FILE).  The file is either refused (-1, with the reason
 * logged) or gives settings that hold what the loader promises: the
 * limits it enforces, a socket name, a mode and a log level in range. */
#include <getopt.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "fuzz.h"

static char arg[80];
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("fuzz-config", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	snprintf(arg, sizeof(arg), "--config=/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_CHECK(ftruncate(fd, 0) == 0 &&
			   pwrite(fd, data, size, 0) == (ssize_t)size,
		   "cannot write the input to the memfd");
	char prog[] = "seqpackd";
	char *argv[] = {prog, arg, NULL};
	struct config c;
	/* config_load() parses argv with getopt twice; a fresh process
	 * starts at optind 1, and 0 makes glibc start over. */
	optind = 0;
	/* Refusals are logged at err, which would fill the log with a
	 * line per input: only with FUZZ_VERBOSE.  The file's log-level
	 * applies to whatever follows, so each input starts afresh. */
	int level = getenv("FUZZ_VERBOSE") ? LOG_DEBUG : -1;
	log_set_level(level);
	int r = config_load(&c, 2, argv);
	FUZZ_CHECK(r == 0 || r == -1, "config_load returned %d", r);
	if (r == 0) {
		FUZZ_CHECK(c.max_request_bytes >= 64 && c.max_clients >= 1 &&
				   c.max_inflight >= 1,
			   "limits below their minimum: max-request-size %u, max-clients %u, max-inflight %u",
			   c.max_request_bytes, c.max_clients, c.max_inflight);
		FUZZ_CHECK(c.socket && c.socket[0] && c.socket_group &&
				   c.plugin_path && c.allowed_users &&
				   c.allowed_groups,
			   "a string setting is missing");
		FUZZ_CHECK(c.socket_mode <= 07777 && c.log_level <= 7 &&
				   c.verify_always <= 1 &&
				   c.idle_timeout_ms >= 1 &&
				   c.read_timeout_ms >= 1,
			   "a setting out of range");
		/* every effective setting formats */
		log_set_level(level);
		config_dump(&c, LOG_DEBUG);
	}
	config_free(&c);
	return 0;
}
