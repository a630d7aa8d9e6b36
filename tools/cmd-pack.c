/* seqpack pack: read lengths, pack them, print the packing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "output.h"
#include "param-opts.h"
#include "remote.h"
#include "tool.h"

enum {
	OPT_NO_VERIFY = OPT_LOCAL,
	OPT_NO_TIMING,
	OPT_MAX_ITEMS,
	OPT_SOCKET,
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
		{ "algorithm", required_argument, NULL, 'a' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "k", required_argument, NULL, 'k' },
		{ "max-items", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "no-timing", no_argument, NULL, OPT_NO_TIMING },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_ALGORITHM);
	struct output_opts oo = { .format = OUTPUT_JSON, .timing = 1 };
	int c;
	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS "a:c:s:t:k:m:o:",
				longopts, NULL)) != -1) {
		int stop = 0, status = 0;
		if (tool_common_option(t, c, optarg, usage, &stop, &status)) {
			if (stop)
				return status;
			continue;
		}
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
		case OPT_SOCKET:
			t->socket = optarg;
			break;
		default:
			return tool_usage_error(t, "unhandled option");
		}
	}
	const char *file;
	if (tool_one_file(t, argc, argv, optind, &file))
		return EXIT_USAGE;
	if (param_opts_finish(t, &po))
		return EXIT_USAGE;

	/* Unknown algorithms fail before the input is read, so a typo on a
	 * pipeline does not first swallow gigabytes. */
	seqpack_registry *reg = NULL;
	seqpack_client *cl = NULL;
	int remote = t->socket != NULL;
	if (remote) {
		int st = remote_open(t, po.algorithm, 0, &cl);
		if (st)
			return st;
	} else if (!(reg = tool_registry(t))) {
		return EXIT_PACK;
	} else if (!seqpack_registry_find(reg, po.algorithm)) {
		char list[512];
		tool_error(t, "unknown algorithm '%s' (available: %s)", po.algorithm,
			   tool_algorithm_list(reg, 0, list, sizeof(list)));
		if (!t->verbose)
			tool_print_diagnostics(reg);
		return EXIT_USAGE;
	}

	struct lengths in = { 0 };
	int rc = input_read(t, file, po.params.capacity, &in);
	if (rc) {
		lengths_free(&in);
		seqpack_client_close(cl);
		return rc;
	}
	seqpack_result *res = NULL;
	seqpack_error err = { 0 };
	if (remote)
		rc = seqpack_client_pack(cl, po.algorithm, in.v, in.n, &po.params,
					 &res, &err);
	else
		rc = seqpack_pack(reg, po.algorithm, in.v, in.n, &po.params, &res,
				  &err);
	lengths_free(&in);
	seqpack_client_close(cl);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return remote ? remote_exit_for_status(rc)
			      : tool_exit_for_status(rc);
	}

	struct sbuf sb;
	sb_init(&sb);
	output_result(&sb, res, &oo);
	seqpack_result_free(res);
	if (sb_failed(&sb)) {
		sb_free(&sb);
		tool_error(t, "out of memory formatting the output");
		return EXIT_PACK;
	}
	rc = EXIT_OK;
	if (sb_write(&sb, stdout)) {
		tool_error(t, "write error: %s", strerror(errno));
		rc = EXIT_IO;
	}
	sb_free(&sb);
	return rc;
}

const struct command cmd_pack = {
	.name = "pack",
	.summary = "pack lengths from a file or stdin and print the packing",
	.run = run,
};
