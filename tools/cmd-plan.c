/* seqpack plan: pack lengths as `seqpack pack` does, then plan the
 * packing for data-parallel training (include/seqpack/plan.h): steps of
 * W ranks x M packs, and the plan's figures. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plan.h>

#include "backend.h"
#include "input.h"
#include "output.h"
#include "param-opts.h"
#include "tool.h"
#include "util/cleanup-seqpack-internal.h"

enum {
	OPT_NO_VERIFY = OPT_LOCAL,
	OPT_NO_TIMING,
	OPT_WORLD_SIZE,
	OPT_PACKS_PER_RANK,
	OPT_COST,
	OPT_COST_A,
	OPT_COST_B,
	OPT_EPOCH,
	OPT_DROP_LAST,
	OPT_PAD,
	OPT_ALLOW_EMPTY,
	OPT_RANK_CAPACITIES,
	OPT_RANK_SPEEDS,
	OPT_SAVE,
	OPT_LOAD,
};

static const char *const cost_names[SEQPACK_COST_COUNT_] = {
	[SEQPACK_COST_AFFINE] = "affine",
	[SEQPACK_COST_LINEAR] = "linear",
	[SEQPACK_COST_ATTENTION] = "attention",
};

static void usage(void)
{
	printf("Usage: seqpack plan [OPTION]... --capacity C --world-size W [FILE]...\n"
	       "  or:  seqpack plan [-o FORMAT] [--no-timing] --load PLANFILE\n"
	       "Pack the sequence lengths in the FILEs as 'seqpack pack' does, then plan\n"
	       "the packs for data-parallel training: steps in which each of W ranks gets\n"
	       "M packs, packs of similar cost in the same step, each step balanced over\n"
	       "the ranks, the step order seeded from --seed and --epoch.\n"
	       "\n"
	       "Plan options:\n"
	       "  -w, --world-size W     data-parallel ranks, 1 to %u (required)\n"
	       "      --packs-per-rank M packs per rank per step (gradient accumulation),\n"
	       "                         1 to %u (default 1)\n"
	       "      --cost MODEL       cost of a pack: linear (C tokens), attention\n"
	       "                         (sum of squared lengths) or affine (default:\n"
	       "                         A * C + B * sum of squared lengths)\n"
	       "      --cost-a A         affine weight of tokens (default %g)\n"
	       "      --cost-b B         affine weight of squared lengths (default %g)\n"
	       "      --epoch E          epoch; with --seed it seeds the order (default 0)\n"
	       "      --pad              when the pack count is not a multiple of W * M,\n"
	       "                         split the costliest packs until it is (default)\n"
	       "      --drop-last        leave the remainder out instead (listed in\n"
	       "                         plan.dropped), chosen at random from seed and epoch\n"
	       "      --allow-empty      with --pad, fill what splitting cannot with empty\n"
	       "                         slots (null in steps) instead of failing\n"
	       "      --rank-capacities C0,C1,...\n"
	       "                         W capacities in tokens: rank r gets only packs\n"
	       "                         of at most Cr tokens (K, M, G suffixes)\n"
	       "      --rank-speeds S0,S1,...\n"
	       "                         W relative speeds > 0: rank r's time is cost / Sr\n"
	       "      --save PLANFILE    also write the plan and the parameters that made it\n"
	       "                         to PLANFILE (binary, checksummed; docs/plans.md)\n"
	       "      --load PLANFILE    print the plan saved in PLANFILE, as the run that\n"
	       "                         saved it printed it; no input FILEs, no packing or\n"
	       "                         plan options\n"
	       "\n"
	       "Packing options (as for 'seqpack pack'):\n"
	       "  -a, --algorithm NAME   packing algorithm (default %s)\n"
	       "  -c, --capacity C       bin capacity in tokens, 1 to 2147483647 (required)\n"
	       "  -s, --seed S           seed of randomised algorithms and of the plan\n"
	       "                         (default %llu)\n"
	       "  -t, --threads T        workers of parallel algorithms, 0 = one per CPU\n"
	       "  -k, --k K              size classes of Harmonic-K (default %u)\n"
	       "  -m, --max-items M      at most M sequences per bin, 0 = unlimited\n"
	       "  -o, --output FORMAT    json (default) or text\n"
	       "      --no-verify        do not verify the algorithm's answer\n"
	       "      --no-timing        leave elapsed_ns out, so the output is the same\n"
	       "                         on every run\n"
	       "      --socket PATH      pack through the seqpackd daemon at PATH (the\n"
	       "                         plan is made here)\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "JSON output: the keys of 'seqpack pack' (bins numbered from 0, after any\n"
	       "split), plus \"steps\": [[[bin,..M],..W],..] and \"plan\": {\"step_overhead\",\n"
	       "\"worst_step\", \"mean_step\", per-rank totals, ...}.\n"
	       "Exit status: 0 ok, 1 bad input data, 2 bad command line (also a plan the\n"
	       "packing cannot fill), 3 I/O error, 4 packing failed (see 'seqpack --help').\n",
	       SEQPACK_PLAN_MAX_WORLD, SEQPACK_PLAN_MAX_PACKS_PER_RANK,
	       SEQPACK_PLAN_DEFAULT_COST_A, SEQPACK_PLAN_DEFAULT_COST_B,
	       DEFAULT_ALGORITHM, (unsigned long long)SEQPACK_DEFAULT_SEED,
	       SEQPACK_DEFAULT_K);
}

static int parse_weight(const struct tool *t, const char *opt,
			const char *arg, double *ret)
{
	errno = 0;
	char *end = NULL;
	double v = strtod(arg, &end);
	if (!*arg || *end || errno || isnan(v) || isinf(v) || v < 0)
		return tool_usage_error(t, "%s: '%s' is not a finite number >= 0",
					opt, arg);
	*ret = v;
	return 0;
}

/* --rank-capacities and --rank-speeds: one entry per rank. */
struct rank_lists {
	uint32_t *caps;
	size_t ncaps;
	double *speeds;
	size_t nspeeds;
};

static void rank_lists_free(struct rank_lists *l)
{
	free(l->caps);
	free(l->speeds);
}

static int parse_list(const struct tool *t, const char *opt, const char *arg,
		      int speeds, struct rank_lists *l)
{
	size_t n = 1;
	for (const char *p = arg; *p; p++)
		n += *p == ',';
	_cleanup_free_ char *copy = strdup(arg);
	_cleanup_free_ uint32_t *caps = speeds ? NULL : calloc(n, sizeof(*caps));
	_cleanup_free_ double *sp = speeds ? calloc(n, sizeof(*sp)) : NULL;
	if (!copy || (!caps && !sp)) {
		tool_error(t, "out of memory");
		return EXIT_PACK;
	}
	char *s = copy;
	for (size_t i = 0; i < n; i++) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		char what[64];
		snprintf(what, sizeof(what), "%s (rank %zu)", opt, i);
		if (!*s)
			return tool_usage_error(t, "%s: an empty entry", what);
		if (speeds) {
			char *end = NULL;
			errno = 0;
			double v = strtod(s, &end);
			if (*end || errno || isnan(v) || isinf(v) || v <= 0)
				return tool_usage_error(t, "%s: '%s' is not a finite number > 0",
							what, s);
			sp[i] = v;
		} else if (parse_size_u32_opt(t, what, s, 1,
					      SEQPACK_MAX_CAPACITY, &caps[i])) {
			return EXIT_USAGE;
		}
		s = comma ? comma + 1 : s + strlen(s);
	}
	if (speeds) {
		free(l->speeds);
		l->speeds = TAKE_PTR(sp);
		l->nspeeds = n;
	} else {
		free(l->caps);
		l->caps = TAKE_PTR(caps);
		l->ncaps = n;
	}
	return 0;
}

static void json_slot(struct sbuf *sb, uint32_t b)
{
	if (b == SEQPACK_PLAN_EMPTY)
		sb_puts(sb, "null");
	else
		sb_u64(sb, b);
}

static void json_doubles(struct sbuf *sb, const double *v, size_t n)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_double(sb, v[i]);
	}
	sb_putc(sb, ']');
}

static void json_u64s(struct sbuf *sb, const uint64_t *v, size_t n)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_u64(sb, v[i]);
	}
	sb_putc(sb, ']');
}

/* "steps" and "plan", appended to the packing's object (its closing
 * brace taken off). */
static void output_plan_json(struct sbuf *sb, const seqpack_plan *plan,
			     const seqpack_plan_params *p, int timing)
{
	uint32_t w = plan->world_size, m = plan->packs_per_rank;
	sb_puts(sb, ",\"steps\":[");
	for (size_t s = 0; s < plan->nsteps; s++) {
		sb_puts(sb, s ? ",[" : "[");
		for (uint32_t r = 0; r < w; r++) {
			sb_puts(sb, r ? ",[" : "[");
			for (uint32_t j = 0; j < m; j++) {
				if (j)
					sb_putc(sb, ',');
				json_slot(sb, plan->slots[(s * w + r) * m + j]);
			}
			sb_putc(sb, ']');
		}
		sb_putc(sb, ']');
	}
	sb_puts(sb, "],\"plan\":{\"world_size\":");
	sb_u64(sb, w);
	sb_puts(sb, ",\"packs_per_rank\":");
	sb_u64(sb, m);
	sb_puts(sb, ",\"cost\":");
	sb_json_string(sb, cost_names[p->cost]);
	if (p->cost == SEQPACK_COST_AFFINE) {
		sb_puts(sb, ",\"cost_a\":");
		sb_double(sb, p->cost_a);
		sb_puts(sb, ",\"cost_b\":");
		sb_double(sb, p->cost_b);
	}
	sb_puts(sb, ",\"seed\":");
	sb_u64(sb, p->seed);
	sb_puts(sb, ",\"epoch\":");
	sb_u64(sb, p->epoch);
	sb_puts(sb, ",\"remainder\":");
	sb_json_string(sb, p->remainder == SEQPACK_PLAN_DROP_LAST ? "drop_last"
								  : "pad");
	sb_puts(sb, ",\"steps\":");
	sb_u64(sb, plan->nsteps);
	sb_puts(sb, ",\"split\":");
	sb_u64(sb, plan->nsplit);
	sb_puts(sb, ",\"empty\":");
	sb_u64(sb, plan->nempty);
	sb_puts(sb, ",\"dropped\":[");
	for (size_t d = 0; d < plan->ndropped; d++) {
		if (d)
			sb_putc(sb, ',');
		sb_u64(sb, plan->dropped[d]);
	}
	sb_puts(sb, "],\"step_overhead\":");
	sb_double(sb, plan->step_overhead);
	sb_puts(sb, ",\"worst_step\":");
	sb_double(sb, plan->worst_step);
	sb_puts(sb, ",\"worst_step_index\":");
	sb_u64(sb, plan->worst_step_index);
	sb_puts(sb, ",\"mean_step\":");
	sb_double(sb, plan->mean_step);
	sb_puts(sb, ",\"rank_cost\":");
	json_doubles(sb, plan->rank_cost, w);
	sb_puts(sb, ",\"rank_time\":");
	json_doubles(sb, plan->rank_time, w);
	sb_puts(sb, ",\"rank_tokens\":");
	json_u64s(sb, plan->rank_tokens, w);
	sb_puts(sb, ",\"rank_packs\":");
	json_u64s(sb, plan->rank_packs, w);
	if (timing) {
		sb_puts(sb, ",\"elapsed_ns\":");
		sb_u64(sb, plan->elapsed_ns);
	}
	sb_puts(sb, "}}\n");
}

static void output_plan_text(struct sbuf *sb, const seqpack_plan *plan,
			     const seqpack_plan_params *p)
{
	uint32_t w = plan->world_size, m = plan->packs_per_rank;
	sb_printf(sb, "plan:         %zu steps of %u ranks x %u packs, cost %s\n",
		  plan->nsteps, w, m, cost_names[p->cost]);
	sb_printf(sb, "remainder:    %s: %zu split, %zu dropped, %zu empty\n",
		  p->remainder == SEQPACK_PLAN_DROP_LAST ? "drop_last" : "pad",
		  plan->nsplit, plan->ndropped, plan->nempty);
	sb_printf(sb, "overhead:     %.6f%% (worst step %.6f, mean step %.6f)\n",
		  plan->step_overhead * 100.0, plan->worst_step,
		  plan->mean_step);
	for (uint32_t r = 0; r < w; r++)
		sb_printf(sb, "rank %u:       %llu packs, %llu tokens, cost %.17g\n",
			  r, (unsigned long long)plan->rank_packs[r],
			  (unsigned long long)plan->rank_tokens[r],
			  plan->rank_cost[r]);
	for (size_t s = 0; s < plan->nsteps; s++) {
		sb_printf(sb, "step %zu:", s);
		for (uint32_t r = 0; r < w; r++) {
			sb_puts(sb, r ? " |" : "");
			for (uint32_t j = 0; j < m; j++) {
				uint32_t b = plan->slots[(s * w + r) * m + j];
				sb_putc(sb, ' ');
				if (b == SEQPACK_PLAN_EMPTY)
					sb_putc(sb, '-');
				else
					sb_u64(sb, b);
			}
		}
		sb_putc(sb, '\n');
	}
}

/* Plan options into pp; 1 when c was one, 0 when not, -1 after an error
 * message. */
static int plan_option(struct tool *t, int c, const char *arg,
		       seqpack_plan_params *pp, struct rank_lists *rl)
{
	switch (c) {
	case 'w':
	case OPT_WORLD_SIZE:
		return parse_u32_opt(t, "--world-size", arg, 1,
				     SEQPACK_PLAN_MAX_WORLD, &pp->world_size)
			       ? -1 : 1;
	case OPT_PACKS_PER_RANK:
		return parse_u32_opt(t, "--packs-per-rank", arg, 1,
				     SEQPACK_PLAN_MAX_PACKS_PER_RANK,
				     &pp->packs_per_rank)
			       ? -1 : 1;
	case OPT_COST:
		for (uint32_t k = 0; k < SEQPACK_COST_COUNT_; k++)
			if (strcmp(arg, cost_names[k]) == 0) {
				pp->cost = k;
				return 1;
			}
		tool_usage_error(t, "--cost: '%s' is not linear, attention or affine",
				 arg);
		return -1;
	case OPT_COST_A:
		return parse_weight(t, "--cost-a", arg, &pp->cost_a) ? -1 : 1;
	case OPT_COST_B:
		return parse_weight(t, "--cost-b", arg, &pp->cost_b) ? -1 : 1;
	case OPT_EPOCH:
		return parse_u64_opt(t, "--epoch", arg, &pp->epoch) ? -1 : 1;
	case OPT_DROP_LAST:
		pp->remainder = SEQPACK_PLAN_DROP_LAST;
		return 1;
	case OPT_PAD:
		pp->remainder = SEQPACK_PLAN_PAD;
		return 1;
	case OPT_ALLOW_EMPTY:
		pp->flags |= SEQPACK_PLAN_ALLOW_EMPTY;
		return 1;
	case OPT_RANK_CAPACITIES:
		return parse_list(t, "--rank-capacities", arg, 0, rl) ? -1 : 1;
	case OPT_RANK_SPEEDS:
		return parse_list(t, "--rank-speeds", arg, 1, rl) ? -1 : 1;
	default:
		return 0;
	}
}

/* What the options must agree on, before any input is read. */
static int check_plan_options(struct tool *t, seqpack_plan_params *pp,
			      const struct rank_lists *rl)
{
	if (!pp->world_size)
		return tool_usage_error(t, "missing --world-size (the number of data-parallel ranks)");
	if (rl->caps && rl->ncaps != pp->world_size)
		return tool_usage_error(t, "--rank-capacities: %zu entries for --world-size %u",
					rl->ncaps, pp->world_size);
	if (rl->speeds && rl->nspeeds != pp->world_size)
		return tool_usage_error(t, "--rank-speeds: %zu entries for --world-size %u",
					rl->nspeeds, pp->world_size);
	pp->rank_capacities = rl->caps;
	pp->rank_speeds = rl->speeds;
	seqpack_error err = { 0 };
	if (seqpack_plan_params_check(pp, &err) != SEQPACK_OK)
		return tool_usage_error(t, "%s", err.message);
	return EXIT_OK;
}

static int read_files(const struct tool *t, char **files, size_t nfiles,
		      uint32_t capacity, struct lengths *in)
{
	if (nfiles == 0)
		return input_read(t, NULL, capacity, in);
	for (size_t i = 0; i < nfiles; i++) {
		int rc = input_read(t, files[i], capacity, in);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

/* Print the plan; with save, then write it to that file. */
static int output_plan(struct tool *t, const seqpack_plan *plan,
		       const seqpack_plan_params *pp,
		       const struct output_opts *oo, const char *save)
{
	_cleanup_(sb_free) struct sbuf sb = { 0 };
	output_result(&sb, plan->packing, oo);
	if (oo->format == OUTPUT_JSON) {
		/* The packing's object ends in "}\n": reopen it. */
		if (sb.len >= 2 && !sb_failed(&sb))
			sb.len -= 2;
		output_plan_json(&sb, plan, pp, oo->timing);
	} else {
		output_plan_text(&sb, plan, pp);
	}
	int rc = output_write(t, &sb);
	if (rc || !save)
		return rc;
	seqpack_error err = { 0 };
	rc = seqpack_plan_save(plan, pp, save, &err);
	if (rc != SEQPACK_OK) {
		tool_error(t, "--save: %s", err.message);
		return rc == SEQPACK_ERR_IO ? EXIT_IO : EXIT_PACK;
	}
	return EXIT_OK;
}

/* --load: the saved plan, printed from what the file holds; the options
 * that would make another plan are refused rather than ignored. */
static int run_load(struct tool *t, const char *load, int plan_opt,
		    int argc, char **argv, const char *save,
		    const struct output_opts *oo)
{
	if (plan_opt)
		return tool_usage_error(t, "--load takes no packing or plan options: the file holds the plan and the parameters that made it");
	if (optind < argc)
		return tool_usage_error(t, "--load: '%s': no input files are taken with it",
					argv[optind]);
	if (t->socket)
		return tool_usage_error(t, "--load: --socket is not taken with it");
	seqpack_plan *plan = NULL;
	seqpack_plan_params pp;
	seqpack_error err = { 0 };
	int rc = seqpack_plan_load(load, &plan, &pp, &err);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return rc == SEQPACK_ERR_IO ? EXIT_IO
		       : rc == SEQPACK_ERR_NOMEM ? EXIT_PACK
						 : EXIT_DATA;
	}
	rc = output_plan(t, plan, &pp, oo, save);
	seqpack_plan_free(plan);
	return rc;
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
		{ "world-size", required_argument, NULL, 'w' },
		{ "packs-per-rank", required_argument, NULL, OPT_PACKS_PER_RANK },
		{ "cost", required_argument, NULL, OPT_COST },
		{ "cost-a", required_argument, NULL, OPT_COST_A },
		{ "cost-b", required_argument, NULL, OPT_COST_B },
		{ "epoch", required_argument, NULL, OPT_EPOCH },
		{ "drop-last", no_argument, NULL, OPT_DROP_LAST },
		{ "pad", no_argument, NULL, OPT_PAD },
		{ "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY },
		{ "rank-capacities", required_argument, NULL, OPT_RANK_CAPACITIES },
		{ "rank-speeds", required_argument, NULL, OPT_RANK_SPEEDS },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ NULL, 0, NULL, 0 },
	};
	struct param_opts po;
	param_opts_init(&po, DEFAULT_ALGORITHM);
	seqpack_plan_params pp;
	seqpack_plan_params_init(&pp);
	_cleanup_(rank_lists_free) struct rank_lists rl = { 0 };
	struct output_opts oo = { .format = OUTPUT_JSON, .timing = 1 };
	int c, status = EXIT_OK;
	const char *save = NULL, *load = NULL;
	int plan_opt = 0; /* a packing or plan option was given (--load) */
	while ((c = tool_next_option(t, argc, argv,
				     TOOL_COMMON_SHORTOPTS "a:c:s:t:k:m:o:w:",
				     longopts, usage, &status)) >= 0) {
		int taken = param_option(t, c, optarg, &po);
		if (!taken)
			taken = plan_option(t, c, optarg, &pp, &rl);
		if (taken < 0)
			return EXIT_USAGE;
		if (taken) {
			plan_opt = 1;
			continue;
		}
		switch (c) {
		case OPT_SAVE:
			save = optarg;
			break;
		case OPT_LOAD:
			load = optarg;
			break;
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
	if (load)
		return run_load(t, load, plan_opt, argc, argv, save, &oo);
	pp.seed = po.params.seed;
	int rc = check_plan_options(t, &pp, &rl);
	if (rc)
		return rc;
	const char *file;
	_cleanup_(backend_close) struct backend b = { NULL, NULL };
	rc = backend_open_for(t, &po, argc, argv, 0, &file, &b);
	if (rc)
		return rc;
	_cleanup_(lengths_free) struct lengths in = { 0 };
	rc = read_files(t, argv + optind, (size_t)(argc - optind),
			po.params.capacity, &in);
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
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return backend_exit_for_status(&b, rc);
	}
	backend_close(&b);
	seqpack_plan *plan = NULL;
	rc = seqpack_plan_new(res, in.v, &pp, &plan, &err);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		/* A plan the packing cannot fill (too few packs for drop_last,
		 * too few sequences to pad, rank capacities too small) is a
		 * bad choice of options for this input. */
		return rc == SEQPACK_ERR_NOMEM || rc == SEQPACK_ERR_VERIFY
			       ? EXIT_PACK
			       : EXIT_USAGE;
	}
	rc = output_plan(t, plan, &pp, &oo, save);
	seqpack_plan_free(plan);
	return rc;
}

const struct command cmd_plan = {
	.name = "plan",
	.summary = "pack lengths and plan the packs over data-parallel ranks",
	.run = run,
};
