/* seqpack pack: read lengths, pack them, print the packing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "input.h"
#include "output.h"
#include "output-varlen.h"
#include "param-opts.h"
#include "progress.h"
#include "tool.h"
#include "util/cleanup-seqpack-internal.h"

enum {
	OPT_NO_VERIFY = OPT_LOCAL,
	OPT_NO_TIMING,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_EMIT,
};

static void usage(void)
{
	printf("Usage: seqpack pack [OPTION]... --capacity C [FILE]...\n"
	       "Pack the sequence lengths in the FILEs (standard input when there is none,\n"
	       "or for -) into bins of C tokens and print the packing.  Several FILEs are\n"
	       "read in order as one list: indices run across them, so the first length\n"
	       "of a FILE has the index of the number of lengths in the FILEs before it.\n"
	       "\n"
	       "Input (detected from the first bytes): integers separated by whitespace,\n"
	       "a JSON array of integers, JSON Lines objects with a \"length\" field or an\n"
	       "\"input_ids\" array, or a 1-D integer .npy array.  Every length must be\n"
	       "between 1 and C.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --algorithm NAME   packing algorithm (default %s; see\n"
	       "                         'seqpack algorithms')\n"
	       "  -c, --capacity C       bin capacity in tokens, 1 to 2147483647 (required);\n"
	       "                         K, M, G multiply by 1024, 1024^2, 1024^3 (4k = 4096)\n"
	       "  -s, --seed S           seed of randomised algorithms (default %llu)\n"
	       "  -t, --threads T        workers of parallel algorithms, 0 = one per CPU\n"
	       "                         (default 0)\n"
	       "  -k, --k K              size classes of Harmonic-K (default %u)\n"
	       "  -m, --max-items M      at most M sequences per bin, 0 = unlimited\n"
	       "                         (default 0)\n"
	       "  -o, --output FORMAT    json (default), text, jsonl (one line per pack),\n"
	       "                         npz (a numpy .npz archive on standard output),\n"
	       "                         npz:FILE, or npy:DIR (DIR/items.npy, offsets.npy,\n"
	       "                         used.npy: uint32 arrays of the JSON's packing)\n"
	       "      --emit LIST        jsonl: add to each line the comma-separated\n"
	       "                         cu_seqlens (0, l0, l0+l1, ..) and position_ids\n"
	       "                         (0..l0-1, 0..l1-1, ..), and metrics (a last line\n"
	       "                         {\"metrics\":{..}})\n"
	       "      --no-verify        do not verify the algorithm's answer\n"
	       "      --no-timing        leave elapsed_ns out, so the output is the same\n"
	       "                         on every run\n"
	       "      --progress         print progress lines on stderr (reading, packing,\n"
	       "                         writing; the default when stderr is a terminal)\n"
	       "      --no-progress      print no progress, even on a terminal\n"
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

static void count_lengths(void *arg, size_t n)
{
	progress_count(arg, n, "lengths");
}

/* Every FILE operand in order into one list (stdin when there is none);
 * each is a reading phase of the progress line. */
static int read_files(const struct tool *t, char **files, size_t nfiles,
		      uint32_t capacity, struct progress *pg,
		      struct lengths *in)
{
	char *none[] = { NULL };
	if (nfiles == 0) {
		files = none;
		nfiles = 1;
	}
	for (size_t i = 0; i < nfiles; i++) {
		const char *name = !files[i] || strcmp(files[i], "-") == 0
					   ? "<stdin>"
					   : files[i];
		if (nfiles > 1)
			progress_phase(pg, PHASE_READ, "reading %s (file %zu of %zu, %zu lengths so far)",
				       name, i + 1, nfiles, in->n);
		else
			progress_phase(pg, PHASE_READ, "reading %s", name);
		int rc = input_read_counted(t, files[i], capacity,
					    pg ? count_lengths : NULL, pg, in);
		if (rc)
			return rc;
	}
	return EXIT_OK;
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
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_ALGORITHM);
	struct output_opts oo = { .format = OUTPUT_JSON, .timing = 1 };
	enum progress_mode pm = PROGRESS_AUTO;
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
			if (output_parse_format(t, optarg, &oo))
				return EXIT_USAGE;
			break;
		case OPT_EMIT:
			if (output_parse_emit(t, optarg, &oo.emit))
				return EXIT_USAGE;
			break;
		case OPT_NO_VERIFY:
			po.params.flags &= ~SEQPACK_PARAM_VERIFY;
			break;
		case OPT_NO_TIMING:
			oo.timing = 0;
			break;
		case OPT_PROGRESS:
			pm = PROGRESS_ON;
			break;
		case OPT_NO_PROGRESS:
			pm = PROGRESS_OFF;
			break;
		default:
			return tool_usage_error(t, "unhandled option");
		}
	}
	if (c == TOOL_OPT_STOP)
		return status;
	if (oo.emit && oo.format != OUTPUT_JSONL)
		return tool_usage_error(t, "--emit needs --output jsonl");
	if (oo.format == OUTPUT_NPZ && !oo.path && isatty(STDOUT_FILENO))
		return tool_usage_error(t, "--output npz: refusing to write a binary archive to a terminal; redirect standard output or give npz:FILE");
	const char *file;
	_cleanup_(backend_close) struct backend b = { NULL, NULL };
	int rc = backend_open_for(t, &po, argc, argv, 0, &file, &b);
	if (rc)
		return rc;
	struct progress pstate;
	struct progress *pg = progress_init(&pstate, t, pm);
	_cleanup_(lengths_free) struct lengths in = { 0 };
	rc = read_files(t, argv + optind, (size_t)(argc - optind),
			po.params.capacity, pg, &in);
	if (rc)
		return rc;
	size_t nseq = in.n;
	progress_phase(pg, PHASE_PACK, "packing %zu sequences with %s%s%s", nseq,
		       po.algorithm, t->socket ? " on the daemon at " : "",
		       t->socket ? t->socket : "");
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
	 * hundreds of MB each.  cu_seqlens and position_ids need the
	 * lengths until the output is built. */
	int keep_lengths = (oo.emit & (EMIT_CU_SEQLENS | EMIT_POSITION_IDS)) != 0;
	if (!keep_lengths)
		lengths_free(&in);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return backend_exit_for_status(&b, rc);
	}
	backend_close(&b);

	size_t nbins = res->nbins;
	progress_phase(pg, PHASE_WRITE, "writing %zu bins", nbins);
	if (oo.format == OUTPUT_NPZ || oo.format == OUTPUT_NPY) {
		rc = oo.format == OUTPUT_NPZ ? output_npz(t, oo.path, res)
					     : output_npy_dir(t, oo.path, res);
		if (rc == EXIT_OK)
			progress_done(pg, "done: %zu sequences in %zu bins", nseq,
				      nbins);
		return rc;
	}
	_cleanup_(sb_free) struct sbuf sb = { 0 };
	if (oo.format == OUTPUT_JSONL) {
		rc = output_jsonl(&sb, res, in.v, oo.emit, oo.timing, &err);
		if (rc != SEQPACK_OK) {
			tool_error(t, "%s", err.message);
			return EXIT_PACK;
		}
	} else {
		output_result(&sb, res, &oo);
	}
	lengths_free(&in);
	seqpack_result_free(TAKE_PTR(res));
	rc = output_write(t, &sb);
	if (rc == EXIT_OK)
		progress_done(pg, "done: %zu sequences in %zu bins, %zu bytes written",
			      nseq, nbins, sb.len);
	return rc;
}

const struct command cmd_pack = {
	.name = "pack",
	.summary = "pack lengths from a file or stdin and print the packing",
	.run = run,
};
