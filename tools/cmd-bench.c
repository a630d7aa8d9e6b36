/* seqpack bench: time packing algorithms against the floor of one
 * counting-sort pass, over algorithms x capacities x length files.
 *
 * Each cell clamps the file's lengths to [1, C] (the convention of the
 * public packing benchmarks), times the floor on those lengths, then times
 * the algorithm: a first call on a fresh workspace (allocation and page
 * faults included), one verification of that answer, then R calls on the
 * same workspace, where R adapts so that a cell costs about --budget
 * seconds.  Timing brackets seqpack_workspace_pack() alone, with
 * SEQPACK_PARAM_VERIFY off. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench-target.h"
#include "tool.h"
#include "util/cleanup-internal.h"
#include "util/clock-internal.h"

#define MAX_LIST 64

enum { OPT_BUDGET = OPT_LOCAL };

struct bench_opts {
	const char *algs[MAX_LIST];
	size_t nalgs;
	uint32_t caps[MAX_LIST];
	size_t ncaps;
	struct bench_budget budget;
	enum bench_format fmt;
	uint32_t threads;
	const char *socket;
	bool quiet;
};

static void usage(void)
{
	printf("Usage: seqpack bench [OPTION]... FILE...\n"
	       "Time packing algorithms on length files against the floor: one\n"
	       "counting-sort pass over the same lengths, in the same process.\n"
	       "\n"
	       "Every cell (algorithm x capacity x file) clamps the lengths to [1, C],\n"
	       "times one counting-sort pass, then the algorithm: a first call on a fresh\n"
	       "workspace, then R calls reusing it.  FILEs hold integers separated by\n"
	       "whitespace.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --algorithm A[,B..] algorithms (default: every loaded one)\n"
	       "  -c, --capacity C[,C..]  bin capacities (default 2048; 4k = 4096)\n"
	       "  -r, --repeat R          exactly R timed calls per cell (default: as\n"
	       "                          many as fit in the budget, 5 to 200)\n"
	       "      --budget SECONDS    time per cell when adaptive (default 0.3)\n"
	       "  -t, --threads T         workers of parallel algorithms, 0 = one per\n"
	       "                          CPU (default 0)\n"
	       "      --socket PATH       pack through the daemon at PATH (round trip\n"
	       "                          included)\n"
	       "  -j, --json              a JSON array, one object per cell\n"
	       "  -q, --quiet             no progress line on a terminal\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "Columns: bins and lb (lower bound ceil(sum/C)), eff%% (efficiency),\n"
	       "first_us (first call on a fresh workspace), median_us and min_us (the\n"
	       "later calls), ns/seq (median per sequence), floor_us (median of the\n"
	       "counting-sort pass), x_floor (median_us / floor_us), call_MiB (peak RSS\n"
	       "growth during the first call), rss_MiB (peak RSS of the process).\n"
	       "Exit status: 0 ok, 1 bad input data, 2 bad command line, 3 I/O error,\n"
	       "4 packing failed, 5 cannot talk to the daemon.\n");
}

static char *split_next(char **s)
{
	char *tok;
	while ((tok = strsep(s, ",")) && !*tok)
		;
	return tok;
}

static int parse_caps(struct tool *t, char *arg, struct bench_opts *o)
{
	char *s = arg, *tok;
	while ((tok = split_next(&s))) {
		if (o->ncaps == MAX_LIST) {
			tool_usage_error(t, "more than %d capacities", MAX_LIST);
			return -1;
		}
		if (parse_size_u32_opt(t, "--capacity", tok, 1,
				       SEQPACK_MAX_CAPACITY, &o->caps[o->ncaps]))
			return -1;
		o->ncaps++;
	}
	return 0;
}

static int parse_algs(struct tool *t, char *arg, struct bench_opts *o)
{
	char *s = arg, *tok;
	while ((tok = split_next(&s))) {
		if (o->nalgs == MAX_LIST) {
			tool_usage_error(t, "more than %d algorithms", MAX_LIST);
			return -1;
		}
		o->algs[o->nalgs++] = tok;
	}
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_opts(struct tool *t, int argc, char **argv,
		      struct bench_opts *o)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		TOOL_SOCKET_LONGOPT,
		{"algorithm", required_argument, NULL, 'a'},
		{"capacity", required_argument, NULL, 'c'},
		{"repeat", required_argument, NULL, 'r'},
		{"budget", required_argument, NULL, OPT_BUDGET},
		{"threads", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0}};
	int ch, status = EXIT_OK;
	while ((ch = tool_next_option(t, argc, argv,
				      TOOL_COMMON_SHORTOPTS "a:c:r:t:jq",
				      longopts, usage, &status)) >= 0) {
		switch (ch) {
		case 'a':
			if (parse_algs(t, optarg, o) != 0)
				return EXIT_USAGE;
			break;
		case 'c':
			if (parse_caps(t, optarg, o) != 0)
				return EXIT_USAGE;
			break;
		case 'r':
			if (parse_u32_opt(t, "--repeat", optarg, 1, 1000000,
					  &o->budget.fixed))
				return EXIT_USAGE;
			break;
		case OPT_BUDGET: {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0 && v <= 3600))
				return tool_usage_error(
					t, "--budget: '%s' is not a number of seconds in (0, 3600]",
					optarg);
			o->budget.seconds = v;
			break;
		}
		case 't':
			if (parse_u32_opt(t, "--threads", optarg, 0, 4096,
					  &o->threads))
				return EXIT_USAGE;
			break;
		case 'j':
			o->fmt = BENCH_JSON;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			return tool_usage_error(t, "unhandled option");
		}
	}
	if (ch == TOOL_OPT_STOP)
		return status;
	if (optind >= argc)
		return tool_usage_error(t, "no length file given");
	if (o->ncaps == 0)
		o->caps[o->ncaps++] = 2048;
	return -1;
}

/* The progress line: only on a terminal, only once a run has lasted a
 * second, so short runs and redirected runs stay silent. */
struct progress {
	bool on;
	bool shown;
	uint64_t start;
	size_t total;
};

static void progress_show(struct progress *p, size_t done,
			  const char *alg, const char *file, uint32_t cap)
{
	if (!p->on || util_now_ns() - p->start < 1000000000u)
		return;
	fprintf(stderr, "\r\033[Kbench: %zu/%zu %s %s cap %u", done + 1,
		p->total, alg, file, cap);
	p->shown = true;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
}


/* A target's open context, closed by scope. */
struct session {
	const struct bench_target *tg;
	void *ctx;
};

static void session_close(struct session *se)
{
	if (se->ctx)
		se->tg->close(se->ctx);
}

/* A bench_map() array with its size, unmapped by scope. */
struct mapping {
	void *p;
	size_t len;
};

static void mapping_free(struct mapping *m)
{
	bench_unmap(m->p, m->len);
}

/* The loaded length files, freed by scope. */
struct files {
	struct bench_file *v;
	size_t n;
};

static void files_free(struct files *fs)
{
	for (size_t f = 0; fs->v && f < fs->n; f++)
		bench_file_free(&fs->v[f]);
	free(fs->v);
}

/* Time budget->min..max floor passes; fills floor fields of c. */
static int time_floor(const uint32_t *len, size_t n, uint32_t cap,
		      const struct bench_budget *b, uint64_t *times,
		      struct bench_cell *c)
{
	struct bench_floor fl;
	if (bench_floor_init(&fl, n, cap) != 0)
		return -1;
	volatile uint32_t sink = bench_floor_run(&fl, len, n, cap);
	unsigned limit = b->fixed ? b->fixed : b->max, r = 0;
	uint64_t spent = 0, budget = (uint64_t)(b->seconds * 1e9);
	while (r < limit && (b->fixed || r < b->min || spent < budget)) {
		uint64_t t0 = util_now_ns();
		sink ^= bench_floor_run(&fl, len, n, cap);
		uint64_t dt = util_now_ns() - t0;
		times[r++] = dt;
		spent += dt;
	}
	(void)sink;
	bench_floor_fini(&fl);
	uint64_t med = bench_median(times, r);
	c->floor_us = (double)med / 1e3;
	c->floor_min_us = (double)times[0] / 1e3;
	c->floor_repeats = r;
	return 0;
}

static int time_algorithm(const struct bench_target *tg, const char *alg,
			  const uint32_t *len, size_t n,
			  const seqpack_params *params,
			  const struct bench_budget *b, uint64_t *times,
			  uint64_t *plugin_times, struct bench_cell *c,
			  seqpack_error *err)
{
	_cleanup_(session_close) struct session se = {tg, NULL};
	int rc = tg->open(tg, &se.ctx, err);
	if (rc != SEQPACK_OK)
		return rc;
	void *ctx = se.ctx;
	int hwm = bench_hwm_reset() == 0;
	long rss0 = bench_status_kib("VmRSS");
	size_t in0 = bench_malloc_in_use();
	const seqpack_result *r;
	long f0 = bench_faults();
	uint64_t c0 = util_cpu_ns();
	uint64_t t0 = util_now_ns();
	rc = tg->pack(ctx, alg, len, n, params, &r, err);
	uint64_t t1 = util_now_ns();
	uint64_t c1 = util_cpu_ns();
	long f1 = bench_faults();
	if (rc != SEQPACK_OK)
		return rc;
	/* On a loaded machine one wall-clock sample may include time spent
	 * descheduled; CPU time and the fault count say what the call cost. */
	c->first_cpu_us = (double)(c1 - c0) / 1e3;
	c->first_faults = f0 >= 0 && f1 >= f0 ? f1 - f0 : -1;
	long hwm1 = bench_status_kib("VmHWM");
	c->call_peak_kib = hwm && rss0 >= 0 && hwm1 >= rss0 ? hwm1 - rss0 : -1;
	size_t in1 = bench_malloc_in_use();
	c->retained_kib = in1 > in0 ? (long)((in1 - in0) / 1024) : 0;
	c->first_us = (double)(t1 - t0) / 1e3;

	seqpack_params vp = *params;
	vp.flags |= SEQPACK_PARAM_VERIFY;
	rc = seqpack_verify(len, n, &vp, r, err);
	if (rc != SEQPACK_OK)
		return rc;
	c->bins = r->metrics.bins;
	c->lower_bound = r->metrics.lower_bound;
	c->efficiency = r->metrics.efficiency;

	unsigned limit = b->fixed ? b->fixed : b->max, k = 0;
	uint64_t spent = 0, budget = (uint64_t)(b->seconds * 1e9);
	while (k < limit && (b->fixed || k < b->min || spent < budget)) {
		t0 = util_now_ns();
		rc = tg->pack(ctx, alg, len, n, params, &r, err);
		t1 = util_now_ns();
		if (rc != SEQPACK_OK)
			return rc;
		times[k] = t1 - t0;
		plugin_times[k] = r->metrics.elapsed_ns;
		spent += t1 - t0;
		k++;
	}
	c->repeats = k;
	c->median_us = (double)bench_median(times, k) / 1e3;
	c->min_us = (double)times[0] / 1e3;
	c->plugin_us = (double)bench_median(plugin_times, k) / 1e3;
	return SEQPACK_OK;
}

/* Through the daemon, a socket failure is the daemon's (exit 5), not a
 * file's. */
static int exit_for(const struct bench_opts *o, int status)
{
	if (o->socket && status == SEQPACK_ERR_IO)
		return EXIT_DAEMON;
	return tool_exit_for_status(status);
}

static int run(struct tool *t, const struct bench_opts *o,
	       const struct bench_target *tg, struct bench_file *files,
	       size_t nfiles, struct bench_cell *cells)
{
	size_t maxn = 0;
	for (size_t f = 0; f < nfiles; f++)
		if (files[f].n > maxn)
			maxn = files[f].n;
	unsigned maxr = o->budget.fixed ? o->budget.fixed : o->budget.max;
	size_t clamp_bytes = maxn * sizeof(uint32_t);
	size_t times_bytes = (size_t)maxr * sizeof(uint64_t);
	_cleanup_(mapping_free) struct mapping mc = {bench_map(clamp_bytes),
						      clamp_bytes};
	_cleanup_(mapping_free) struct mapping mt = {bench_map(times_bytes),
						      times_bytes};
	_cleanup_(mapping_free) struct mapping mp = {bench_map(times_bytes),
						      times_bytes};
	uint32_t *clamped = mc.p;
	uint64_t *times = mt.p, *ptimes = mp.p;
	struct progress pr = {.on = !o->quiet && isatty(STDERR_FILENO),
			      .start = util_now_ns(),
			      .total = o->nalgs * nfiles * o->ncaps};
	if (!clamped || !times || !ptimes) {
		tool_error(t, "out of memory");
		return EXIT_PACK;
	}
	size_t k = 0;
	for (size_t a = 0; a < o->nalgs; a++)
		for (size_t f = 0; f < nfiles; f++)
			for (size_t ci = 0; ci < o->ncaps; ci++, k++) {
				uint32_t cap = o->caps[ci];
				const struct bench_file *bf = &files[f];
				struct bench_cell *c = &cells[k];
				progress_show(&pr, k, o->algs[a], bf->name,
					      cap);
				for (size_t i = 0; i < bf->n; i++) {
					uint32_t v = bf->lengths[i];
					clamped[i] = v < 1 ? 1 : v > cap ? cap : v;
				}
				*c = (struct bench_cell){
					.algorithm = o->algs[a],
					.file = bf->name,
					.path = bf->path,
					.n = bf->n,
					.capacity = cap,
					.threads = o->threads,
					.socket = o->socket != NULL,
					.call_peak_kib = -1};
				if (time_floor(clamped, bf->n, cap, &o->budget,
					       times, c) != 0) {
					progress_end(&pr);
					tool_error(t, "out of memory");
					return EXIT_PACK;
				}
				seqpack_params p;
				seqpack_params_init(&p);
				p.capacity = cap;
				p.threads = o->threads;
				p.flags &= ~SEQPACK_PARAM_VERIFY;
				seqpack_error err = {0};
				int prc = time_algorithm(tg, o->algs[a], clamped,
							 bf->n, &p, &o->budget,
							 times, ptimes, c, &err);
				if (prc != SEQPACK_OK) {
					progress_end(&pr);
					tool_error(t, "%s on %s at capacity %u: %s",
						   o->algs[a], bf->name, cap,
						   err.message);
					return exit_for(o, prc);
				}
				c->maxrss_kib = bench_maxrss_kib();
			}
	progress_end(&pr);
	return EXIT_OK;
}

static int bench_main(struct tool *t, int argc, char **argv)
{
	struct bench_opts o = {
		.budget = {.fixed = 0, .min = 5, .max = 200, .seconds = 0.3},
		.fmt = BENCH_TABLE};
	int rc = parse_opts(t, argc, argv, &o);
	if (rc >= 0)
		return rc;
	o.socket = t->socket;

	/* Unknown algorithms fail before 1M-line files are read. */
	_cleanup_(bench_target_fini) struct bench_target tg = {0};
	seqpack_error err = {0};
	seqpack_registry *reg = NULL;
	if (!o.socket && !(reg = tool_registry(t)))
		return EXIT_PACK;
	rc = bench_target_init(&tg, reg, o.socket, &err);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return exit_for(&o, rc);
	}
	size_t nfiles = (size_t)(argc - optind);
	_cleanup_(files_free) struct files fs = {
		calloc(nfiles, sizeof(struct bench_file)), nfiles};
	struct bench_file *files = fs.v;
	if (!files) {
		tool_error(t, "out of memory");
		return EXIT_PACK;
	}
	if (o.nalgs == 0) {
		rc = bench_target_all(&tg, o.algs, MAX_LIST, &o.nalgs, &err);
		if (rc != SEQPACK_OK) {
			tool_error(t, "%s", err.message);
			return exit_for(&o, rc);
		}
	}
	for (size_t a = 0; a < o.nalgs; a++)
		if (bench_target_check(&tg, o.algs[a], &err) != SEQPACK_OK) {
			tool_error(t, "%s", err.message);
			return EXIT_USAGE;
		}
	for (size_t f = 0; f < nfiles; f++) {
		char msg[512];
		int lrc = bench_file_load(argv[optind + (int)f], &files[f],
					  msg, sizeof(msg));
		if (lrc != 0) {
			tool_error(t, "%s", msg);
			return lrc == BENCH_LOAD_DATA ? EXIT_DATA : EXIT_IO;
		}
	}
	size_t ncells = o.nalgs * nfiles * o.ncaps;
	_cleanup_free_ struct bench_cell *cells =
		calloc(ncells ? ncells : 1, sizeof(*cells));
	if (!cells) {
		tool_error(t, "out of memory");
		return EXIT_PACK;
	}
	rc = run(t, &o, &tg, files, nfiles, cells);
	if (rc == EXIT_OK)
		bench_print(stdout, o.fmt, cells, ncells);
	return rc;
}

const struct command cmd_bench = {
	.name = "bench",
	.summary = "time algorithms against a counting-sort floor",
	.run = bench_main,
};
