/* seqpack pack: read lengths, pack them, print the packing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "input.h"
#include "output.h"
#include "param-opts.h"
#include "tool.h"
#include "util/cleanup-seqpack-internal.h"

enum {
	OPT_NO_VERIFY = OPT_LOCAL,
	OPT_NO_TIMING,
};

static void usage(void)
{
	printf("Usage: seqpack pack [OPTION]... --capacity C [FILE]\n"
	       "Pack the sequence lengths in FILE (standard input when FILE is absent or -)\n"
	       "into bins of C tokens and print the packing.\n"
	       "\n"
	       "Input (detected from the first bytes): integers separated by whitespace,\n"
	       "a JSON array of integers, JSON Lines objects with a \"length\" field or an\n"
	       "\"input_ids\" array, or a 1-D integer .npy array.  Every length must be\n"
	       "between 1 and C.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --algorithm NAME   packing algorithm (default %s; see\n"
	       "                         'seqpack algorithms')\n"
	       "  -c, --capacity C       bin capacity in tokens, 1 to 2147483647 (required)\n"
	       "  -s, --seed S           seed of randomised algorithms (default %llu)\n"
	       "  -t, --threads T        workers of parallel algorithms, 0 = one per CPU\n"
	       "                         (default 0)\n"
	       "  -k, --k K              size classes of Harmonic-K (default %u)\n"
	       "  -m, --max-items M      at most M sequences per bin, 0 = unlimited\n"
	       "                         (default 0)\n"
	       "  -o, --output FORMAT    json (default) or text\n"
	       "      --no-verify        do not verify the algorithm's answer\n"
	       "      --no-timing        leave elapsed_ns out, so the output is the same\n"
	       "                         on every run\n"
	       "      --socket PATH      pack through the seqpackd daemon at PATH; the\n"
	       "                         output is the same\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "JSON output: {\"algorithm\":..,\"capacity\":..,\"sequences\":..,\"bins\":[[i,..],..],\n"
	       "\"used\":[..],\"metrics\":{..}}; bins list 0-based input indices.\n"
	       "Exit status: 0 ok, 1 bad input data, 2 bad command line, 3 I/O error,\n"
	       "4 packing failed (see 'seqpack --help').\n",
	       DEFAULT_ALGORITHM, (unsigned long long)SEQPACK_DEFAULT_SEED,
	       SEQPACK_DEFAULT_K);
}

static int run(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		TOOL_SOCKET_LONGOPT,
		{ "algorithm", required_argument, NULL, 'a' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "k", required_argument, NULL, 'k' },
		{ "max-items", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "no-timing", no_argument, NULL, OPT_NO_TIMING },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_ALGORITHM);
	struct output_opts oo = { .format = OUTPUT_JSON, .timing = 1 };
	int c, status = EXIT_OK;
	while ((c = tool_next_option(t, argc, argv,
				     TOOL_COMMON_SHORTOPTS "a:c:s:t:k:m:o:",
				     longopts, usage, &status)) >= 0) {
		int taken = param_option(t, c, optarg, &po);
		if (taken < 0)
			return EXIT_USAGE;
		if (taken)
			continue;
		switch (c) {
		case 'o':
			if (strcmp(optarg, "json") == 0)
				oo.format = OUTPUT_JSON;
			else if (strcmp(optarg, "text") == 0)
				oo.format = OUTPUT_TEXT;
			else
				return tool_usage_error(t, "--output: '%s' is not json or text",
							optarg);
			break;
		case OPT_NO_VERIFY:
			po.params.flags &= ~SEQPACK_PARAM_VERIFY;
			break;
		case OPT_NO_TIMING:
			oo.timing = 0;
			break;
		default:
			return tool_usage_error(t, "unhandled option");
		}
	}
	if (c == TOOL_OPT_STOP)
		return status;
	const char *file;
	_cleanup_(backend_close) struct backend b = { NULL, NULL };
	int rc = backend_open_for(t, &po, argc, argv, 0, &file, &b);
	if (rc)
		return rc;
	_cleanup_(lengths_free) struct lengths in = { 0 };
	rc = input_read(t, file, po.params.capacity, &in);
	if (rc)
		return rc;
	_cleanup_result_ seqpack_result *res = NULL;
	seqpack_error err = { 0 };
	if (b.cl)
		rc = seqpack_client_pack(b.cl, po.algorithm, in.v, in.n,
					 &po.params, &res, &err);
	else
		rc = seqpack_pack(b.reg, po.algorithm, in.v, in.n, &po.params,
				  &res, &err);
	/* Each piece goes as soon as it is done with, not at the end of the
	 * scope: at 10^8 sequences the input, the packing and its text take
	 * hundreds of MB each. */
	lengths_free(&in);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return backend_exit_for_status(&b, rc);
	}
	backend_close(&b);

	_cleanup_(sb_free) struct sbuf sb = { 0 };
	output_result(&sb, res, &oo);
	seqpack_result_free(TAKE_PTR(res));
	return output_write(t, &sb);
}

const struct command cmd_pack = {
	.name = "pack",
	.summary = "pack lengths from a file or stdin and print the packing",
	.run = run,
};
