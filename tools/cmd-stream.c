/* seqpack stream: pack lengths as they arrive and write each pack the
 * moment the algorithm closes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input.h"
#include "output.h"
#include "param-opts.h"
#include "remote.h"
#include "tool.h"

#define DEFAULT_STREAM_ALGORITHM "nf"

enum { OPT_SOCKET = OPT_LOCAL };

/* Where pushes go: an in-process stream or one on the daemon.  The
 * daemon's client batches pushes; reading from a pipe or a terminal we
 * flush after every line, so packs still appear as soon as they close. */
struct sink {
	seqpack_stream *s;
	seqpack_client_stream *cs;
	int flush_lines;
};

static int sink_push(struct sink *k, uint64_t id, uint32_t length,
		     seqpack_error *err)
{
	return k->cs ? seqpack_client_stream_push(k->cs, id, length, err)
		     : seqpack_stream_push(k->s, id, length, err);
}

static void usage(void)
{
	printf("Usage: seqpack stream [OPTION]... --capacity C [FILE]\n"
	       "Read sequence lengths line by line from FILE (standard input when FILE is\n"
	       "absent or -), pack them with an online po.algorithm, and write each pack as one\n"
	       "JSON line the moment it is closed:\n"
	       "  {\"pack\":3,\"ids\":[7,9,12],\"used\":2040}\n"
	       "ids number the lengths 0, 1, 2, ... in input order.  A line holds integers\n"
	       "separated by whitespace, or one JSON object with a \"length\" field or an\n"
	       "\"input_ids\" array; blank lines are ignored.  At the end of the input the\n"
	       "packs still open are written.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --algorithm NAME   streaming algorithm (default %s; see\n"
	       "                         'seqpack algorithms' for those flagged streaming)\n"
	       "  -c, --capacity C       bin capacity in tokens, 1 to 2147483647 (required)\n"
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
static int stream_failed(struct tool *t, const struct emitter *e, int rc,
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
	return t->socket ? remote_exit_for_status(rc) : tool_exit_for_status(rc);
}

static int pump(struct tool *t, struct sink *s, struct emitter *e,
		FILE *in, const char *name, uint32_t capacity)
{
	struct lengths line_lengths = { 0 };
	struct input_ctx ctx = { .t = t, .name = name, .capacity = capacity,
				 .base_index = 0, .out = &line_lengths };
	char *line = NULL;
	size_t linecap = 0, lineno = 0;
	ssize_t got;
	int rc = EXIT_OK;
	while (rc == EXIT_OK && (got = getline(&line, &linecap, in)) != -1) {
		lineno++;
		size_t len = (size_t)got, i = 0;
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
				rc = stream_failed(t, e, src, &err);
		}
		if (rc == EXIT_OK && s->flush_lines) {
			seqpack_error err = { 0 };
			int src = seqpack_client_stream_flush(s->cs, &err);
			if (src != SEQPACK_OK)
				rc = stream_failed(t, e, src, &err);
		}
		ctx.base_index += line_lengths.n;
	}
	if (rc == EXIT_OK && ferror(in)) {
		tool_error(t, "%s: read error: %s", name, strerror(errno));
		rc = EXIT_IO;
	}
	free(line);
	lengths_free(&line_lengths);
	return rc;
}

static int run(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		{ "algorithm", required_argument, NULL, 'a' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "max-open", required_argument, NULL, 'n' },
		{ "max-items", required_argument, NULL, 'm' },
		{ "k", required_argument, NULL, 'k' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_STREAM_ALGORITHM);
	int c;
	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS "a:c:n:m:k:",
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

	seqpack_registry *reg = NULL;
	seqpack_client *cl = NULL;
	const seqpack_plugin_info *p = NULL;
	char list[512];
	if (t->socket) {
		int st = remote_open(t, po.algorithm, 1, &cl);
		if (st)
			return st;
	} else if (!(reg = tool_registry(t))) {
		return EXIT_PACK;
	} else if (!(p = seqpack_registry_find(reg, po.algorithm))) {
		tool_error(t, "unknown algorithm '%s' (available: %s)", po.algorithm,
			   tool_algorithm_list(reg, 0, list, sizeof(list)));
		if (!t->verbose)
			tool_print_diagnostics(reg);
		return EXIT_USAGE;
	}
	if (p && !(p->flags & SEQPACK_FLAG_STREAMING)) {
		tool_error(t, "algorithm '%s' is offline and cannot stream (streaming algorithms: %s)",
			   po.algorithm,
			   tool_algorithm_list(reg, SEQPACK_FLAG_STREAMING, list,
					       sizeof(list)));
		return EXIT_USAGE;
	}

	int use_stdin = !file || strcmp(file, "-") == 0;
	const char *name = use_stdin ? "<stdin>" : file;
	FILE *in = use_stdin ? stdin : fopen(file, "r");
	if (!in) {
		tool_error(t, "cannot open %s: %s", file, strerror(errno));
		seqpack_client_close(cl);
		return EXIT_IO;
	}

	struct emitter e = { .write_errno = 0 };
	sb_init(&e.sb);
	struct sink k = { NULL, NULL, 0 };
	seqpack_error err = { 0 };
	int rc;
	if (cl) {
		struct stat st;
		k.flush_lines = fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode);
		rc = seqpack_client_stream_open(cl, po.algorithm, &po.params, emit, &e,
						&k.cs, &err);
	} else {
		rc = seqpack_stream_open(reg, po.algorithm, &po.params, emit, &e, &k.s,
					 &err);
	}
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		rc = cl ? remote_exit_for_status(rc) : tool_exit_for_status(rc);
	} else {
		rc = pump(t, &k, &e, in, name, po.params.capacity);
		if (rc == EXIT_OK) {
			int src = k.cs ? seqpack_client_stream_finish(k.cs, &err)
				       : seqpack_stream_finish(k.s, &err);
			if (src != SEQPACK_OK)
				rc = stream_failed(t, &e, src, &err);
		}
	}
	seqpack_client_stream_free(k.cs);
	seqpack_client_close(cl);
	seqpack_stream_free(k.s);
	sb_free(&e.sb);
	if (!use_stdin)
		fclose(in);
	return rc;
}

const struct command cmd_stream = {
	.name = "stream",
	.summary = "pack lengths as they arrive, one JSON line per closed pack",
	.run = run,
};
