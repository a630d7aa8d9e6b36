/* seqpack stream: pack lengths as they arrive and write each pack the
 * moment the algorithm closes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "input.h"
#include "output.h"
#include "param-opts.h"
#include "tool.h"
#include "util/cleanup-internal.h"

#define DEFAULT_STREAM_ALGORITHM "nf"

/* Where pushes go: an in-process stream or one on the daemon.  The
 * daemon's client batches pushes; reading from a pipe or a terminal we
 * flush after every line, so packs still appear as soon as they close. */
struct sink {
	seqpack_stream *s;
	seqpack_client_stream *cs;
	int flush_lines;
};

static void sink_free(struct sink *k)
{
	seqpack_client_stream_free(k->cs);
	seqpack_stream_free(k->s);
}

static int sink_push(struct sink *k, uint64_t id, uint32_t length,
		     seqpack_error *err)
{
	return k->cs ? seqpack_client_stream_push(k->cs, id, length, err)
		     : seqpack_stream_push(k->s, id, length, err);
}

static void usage(void)
{
	printf("Usage: seqpack stream [OPTION]... --capacity C [FILE]...\n"
	       "Read sequence lengths line by line from the FILEs in order (standard input\n"
	       "when there is none, or for -), pack them with an online algorithm, and write\n"
	       "each pack as one JSON line the moment it is closed:\n"
	       "  {\"pack\":3,\"ids\":[7,9,12],\"used\":2040}\n"
	       "ids number the lengths 0, 1, 2, ... in input order, across the FILEs: the\n"
	       "first length of a FILE has the index of the number of lengths before it.\n"
	       "A line holds integers separated by whitespace, or one JSON object with a\n"
	       "\"length\" field or an \"input_ids\" array; blank lines are ignored.  At the\n"
	       "end of the input the packs still open are written.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --algorithm NAME   streaming algorithm (default %s; see\n"
	       "                         'seqpack algorithms' for those flagged streaming)\n"
	       "  -c, --capacity C       bin capacity in tokens, 1 to 2147483647 (required);\n"
	       "                         K, M, G multiply by 1024, 1024^2, 1024^3 (4k = 4096)\n"
	       "  -n, --max-open N       ff/bf/wf: at most N open packs; when a new one would\n"
	       "                         exceed it the fullest is closed (default %u)\n"
	       "  -m, --max-items M      at most M sequences per pack, 0 = unlimited\n"
	       "                         (default 0)\n"
	       "  -k, --k K              size classes of Harmonic-K (default %u)\n"
	       "      --socket PATH      stream through the seqpackd daemon at PATH; the\n"
	       "                         output is the same\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "On bad input the packs already written stay valid; the error goes to stderr\n"
	       "and the open packs are dropped.\n"
	       "Exit status: 0 ok, 1 bad input data, 2 bad command line or an offline\n"
	       "algorithm, 3 I/O error, 4 packing failed (see 'seqpack --help').\n",
	       DEFAULT_STREAM_ALGORITHM, SEQPACK_DEFAULT_MAX_OPEN,
	       SEQPACK_DEFAULT_K);
}

struct emitter {
	struct sbuf sb;
	int write_errno; /* set when stdout failed */
};

static void emitter_free(struct emitter *e)
{
	sb_free(&e->sb);
}

static int emit(void *ctx, uint64_t pack, const uint64_t *ids, size_t count,
		uint64_t used)
{
	struct emitter *e = ctx;
	sb_reset(&e->sb);
	output_stream_pack(&e->sb, pack, ids, count, used);
	if (sb_failed(&e->sb)) {
		e->write_errno = ENOMEM;
		return -1;
	}
	/* Flushed per pack: the consumer may be waiting on it. */
	if (sb_write(&e->sb, stdout)) {
		e->write_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* The message and exit status of a failed push/finish. */
static int stream_failed(struct tool *t, const struct backend *b,
			 const struct emitter *e, int rc,
			 const seqpack_error *err)
{
	if (rc == SEQPACK_ERR_CALLBACK) {
		if (e->write_errno == ENOMEM) {
			tool_error(t, "out of memory");
			return EXIT_PACK;
		}
		tool_error(t, "write error: %s", strerror(e->write_errno));
		return EXIT_IO;
	}
	tool_error(t, "%s", err->message);
	return backend_exit_for_status(b, rc);
}

/* Push every length of in; *next is the id of the next length, carried
 * from one file to the next. */
static int pump(struct tool *t, const struct backend *b, struct sink *s,
		struct emitter *e, FILE *in, const char *name,
		uint32_t capacity, uint64_t *next)
{
	_cleanup_(lengths_free) struct lengths line_lengths = { 0 };
	struct input_ctx ctx = { .t = t, .name = name, .capacity = capacity,
				 .base_index = *next, .out = &line_lengths };
	_cleanup_free_ char *line = NULL;
	size_t linecap = 0, lineno = 0;
	ssize_t got;
	int rc = EXIT_OK;
	while (rc == EXIT_OK && (got = getline(&line, &linecap, in)) != -1) {
		lineno++;
		size_t len = (size_t)got, i = 0;
		/* A gzip, .npz or .npy file is named, not quoted as bytes. */
		if (lineno == 1 && input_refuse_foreign(&ctx, line, len, 1))
			return EXIT_DATA;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		line_lengths.n = 0;
		if (i < len && line[i] == '{')
			rc = input_parse_jsonl_line(&ctx, line, len, lineno);
		else
			rc = input_parse_text(&ctx, line, len, lineno);
		for (size_t j = 0; rc == EXIT_OK && j < line_lengths.n; j++) {
			seqpack_error err = { 0 };
			int src = sink_push(s, ctx.base_index + j,
					    line_lengths.v[j], &err);
			if (src != SEQPACK_OK)
				rc = stream_failed(t, b, e, src, &err);
		}
		if (rc == EXIT_OK && s->flush_lines) {
			seqpack_error err = { 0 };
			int src = seqpack_client_stream_flush(s->cs, &err);
			if (src != SEQPACK_OK)
				rc = stream_failed(t, b, e, src, &err);
		}
		ctx.base_index += line_lengths.n;
	}
	if (rc == EXIT_OK && ferror(in)) {
		tool_error(t, "%s: read error: %s", name, strerror(errno));
		rc = EXIT_IO;
	}
	*next = ctx.base_index;
	return rc;
}

/* pump() one FILE operand (NULL or "-": stdin).  Through the daemon,
 * pushes are flushed per line unless the file is a regular one. */
static int pump_file(struct tool *t, const struct backend *b, struct sink *k,
		     struct emitter *e, const char *file, uint32_t capacity,
		     uint64_t *next)
{
	int use_stdin = !file || strcmp(file, "-") == 0;
	const char *name = use_stdin ? "<stdin>" : file;
	_cleanup_fclose_ FILE *opened = use_stdin ? NULL : fopen(file, "r");
	FILE *in = use_stdin ? stdin : opened;
	if (!in) {
		tool_error(t, "cannot open %s: %s", file, strerror(errno));
		return EXIT_IO;
	}
	struct stat st;
	k->flush_lines = k->cs && (fstat(fileno(in), &st) != 0 ||
				   !S_ISREG(st.st_mode));
	return pump(t, b, k, e, in, name, capacity, next);
}

static int run(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		TOOL_SOCKET_LONGOPT,
		{ "algorithm", required_argument, NULL, 'a' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "max-open", required_argument, NULL, 'n' },
		{ "max-items", required_argument, NULL, 'm' },
		{ "k", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_STREAM_ALGORITHM);
	int c, status = EXIT_OK;
	while ((c = tool_next_option(t, argc, argv,
				     TOOL_COMMON_SHORTOPTS "a:c:n:m:k:",
				     longopts, usage, &status)) >= 0) {
		int taken = param_option(t, c, optarg, &po);
		if (taken < 0)
			return EXIT_USAGE;
		if (!taken)
			return tool_usage_error(t, "unhandled option");
	}
	if (c == TOOL_OPT_STOP)
		return status;
	const char *file;
	_cleanup_(backend_close) struct backend b = { NULL, NULL };
	int rc = backend_open_for(t, &po, argc, argv, 1, &file, &b);
	if (rc)
		return rc;

	/* Every file is opened before the stream: a missing second file
	 * must not cost the packs of the first. */
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			continue;
		_cleanup_fclose_ FILE *f = fopen(argv[i], "r");
		if (!f) {
			tool_error(t, "cannot open %s: %s", argv[i],
				   strerror(errno));
			return EXIT_IO;
		}
	}

	_cleanup_(emitter_free) struct emitter e = { .write_errno = 0 };
	_cleanup_(sink_free) struct sink k = { NULL, NULL, 0 };
	seqpack_error err = { 0 };
	if (b.cl) {
		rc = seqpack_client_stream_open(b.cl, po.algorithm, &po.params,
						emit, &e, &k.cs, &err);
	} else {
		rc = seqpack_stream_open(b.reg, po.algorithm, &po.params, emit,
					 &e, &k.s, &err);
	}
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return backend_exit_for_status(&b, rc);
	}
	uint64_t next = 0;
	for (int i = optind; rc == EXIT_OK && i < argc; i++)
		rc = pump_file(t, &b, &k, &e, argv[i], po.params.capacity,
			       &next);
	if (optind == argc)
		rc = pump_file(t, &b, &k, &e, NULL, po.params.capacity, &next);
	if (rc != EXIT_OK)
		return rc;
	rc = k.cs ? seqpack_client_stream_finish(k.cs, &err)
		  : seqpack_stream_finish(k.s, &err);
	return rc == SEQPACK_OK ? EXIT_OK : stream_failed(t, &b, &e, rc, &err);
}

const struct command cmd_stream = {
	.name = "stream",
	.summary = "pack lengths as they arrive, one JSON line per closed pack",
	.run = run,
};
