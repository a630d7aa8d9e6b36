/* bench-plan: the figures of docs/performance.md "Step plans".  For each
 * length file (clamped to [1, C] as the benchmarks do) and capacity, pack
 * with obfd, then for each cost model and M compare seqpack_plan_new()
 * (W ranks, pad) with three ways of dealing the same packs without it:
 *   shuffled  packs in a seeded random order, W*M per step;
 *   lbp       LightBinPack-style: consecutive bins of the BFD order, W*M
 *             per step, dealt to the ranks in turn;
 *   glue      packs sorted by cost, W*M per step, dealt in turn (the few
 *             lines of glue a trainer would write).
 * The baselines drop the remainder (nbins mod W*M).  Times are the
 * thread CPU time, fastest of -r runs, of seqpack_plan_new() and of
 * seqpack_pack(obfd) on the same input (both verify).  Not installed; run from a build directory:
 *   SEQPACK_PLUGIN_PATH=$PWD/plugins tools/bench-plan -w 8 -c 4096,8192 FILE...
 * Prints one Markdown table row per (file, C, cost, M), with "bound", a
 * lower bound on the overhead of any plan of the unsplit packs.  Plans
 * allow empty slots (only where pad runs out of sequences: sotu). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/plan.h>
#include <seqpack/seqpack.h>

#include <time.h>

/* CPU time of this thread: the machine is shared, and wall time under a
 * load of 6 on 2 cores measured the neighbours (obfd 7.8 to 15 ms from
 * one run to the next). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stepfig {
	double overhead, worst, mean;
};

/* Step figures of nsteps * w * m slots (bin numbers) under cost[]. */
static struct stepfig figures(const uint32_t *slots, size_t nsteps,
			      uint32_t w, uint32_t m, const double *cost)
{
	double smax = 0, smean = 0, sratio = 0, worst = 1;
	for (size_t s = 0; s < nsteps; s++) {
		double max = 0, sum = 0;
		for (uint32_t r = 0; r < w; r++) {
			double c = 0;
			for (uint32_t j = 0; j < m; j++) {
				uint32_t b = slots[(s * w + r) * m + j];
				if (b != SEQPACK_PLAN_EMPTY)
					c += cost[b];
			}
			max = c > max ? c : max;
			sum += c;
		}
		double mean = sum / w, ratio = mean > 0 ? max / mean : 1;
		smax += max;
		smean += mean;
		sratio += ratio;
		worst = ratio > worst ? ratio : worst;
	}
	struct stepfig f = {smean > 0 ? smax / smean - 1 : 0, worst,
			    nsteps ? sratio / nsteps : 1};
	return f;
}

/* Deal order[0 .. nsteps*w*m) to slots: unit j of a step to rank j % w. */
static void deal(const uint32_t *order, size_t nsteps, uint32_t w, uint32_t m,
		 uint32_t *slots)
{
	size_t per = (size_t)w * m;
	for (size_t s = 0; s < nsteps; s++)
		for (size_t j = 0; j < per; j++)
			slots[(s * w + j % w) * m + j / w] = order[s * per + j];
}

static uint64_t sm64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const double *sort_cost;
static int by_cost_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_cost[x] != sort_cost[y])
		return sort_cost[x] < sort_cost[y] ? 1 : -1;
	return x < y ? -1 : x > y;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t *read_lengths(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return NULL;
	}
	size_t cap = 1 << 16, k = 0;
	uint32_t *v = malloc(cap * sizeof(*v));
	unsigned long long x;
	while (v && fscanf(f, "%llu", &x) == 1) {
		if (k == cap) {
			uint32_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv) {
				free(v);
				v = NULL;
				break;
			}
			v = nv;
		}
		v[k++] = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
	}
	fclose(f);
	*n = k;
	return v;
}

/* The fastest of the runs: on a shared machine the others measure the
 * neighbours as much as the code. */
static uint64_t fastest(uint64_t *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), by_u64);
	return t[0];
}

static void bench_one(seqpack_registry *reg, const char *name,
		      const uint32_t *raw, size_t n, uint32_t cap, uint32_t w,
		      int repeat)
{
	uint32_t *len = malloc(n * sizeof(*len));
	for (size_t i = 0; i < n; i++)
		len[i] = raw[i] < 1 ? 1 : raw[i] > cap ? cap : raw[i];
	seqpack_params pp;
	seqpack_params_init(&pp);
	pp.capacity = cap;
	seqpack_error err;
	seqpack_result *r = NULL;
	uint64_t tp[64];
	for (int k = 0; k < repeat; k++) {
		seqpack_result_free(r);
		uint64_t t0 = cpu_ns();
		if (seqpack_pack(reg, "obfd", len, n, &pp, &r, &err)) {
			fprintf(stderr, "%s: %s\n", name, err.message);
			exit(1);
		}
		tp[k] = cpu_ns() - t0;
	}
	uint64_t t_pack = fastest(tp, repeat);
	static const uint32_t costs[] = {SEQPACK_COST_ATTENTION,
					 SEQPACK_COST_AFFINE};
	static const uint32_t ms[] = {1, 4};
	for (size_t ci = 0; ci < 2; ci++)
		for (size_t mi = 0; mi < 2; mi++) {
			seqpack_plan_params p;
			seqpack_plan_params_init(&p);
			p.world_size = w;
			p.packs_per_rank = ms[mi];
			p.cost = costs[ci];
			/* sotu (233 speeches) has fewer than 8 * 4 * 8 packs'
			 * worth of sequences to split into. */
			p.flags = SEQPACK_PLAN_ALLOW_EMPTY;
			seqpack_plan *plan = NULL;
			for (int k = 0; k < repeat; k++) {
				plan = seqpack_plan_free(plan);
				uint64_t t0 = cpu_ns();
				if (seqpack_plan_new(r, len, &p, &plan, &err)) {
					fprintf(stderr, "%s: plan: %s\n", name,
						err.message);
					exit(1);
				}
				tp[k] = cpu_ns() - t0;
			}
			uint64_t t_plan = fastest(tp, repeat);
			/* Baselines on the unsplit packing, remainder dropped;
			 * costs from a drop_last plan of the same packing. */
			seqpack_plan_params q = p;
			q.remainder = SEQPACK_PLAN_DROP_LAST;
			seqpack_plan *dp = NULL;
			if (seqpack_plan_new(r, len, &q, &dp, &err)) {
				fprintf(stderr, "%s: %s\n", name, err.message);
				exit(1);
			}
			size_t nb = r->nbins, per = (size_t)w * ms[mi];
			size_t nsteps = nb / per;
			uint32_t *order = malloc(nb * sizeof(*order));
			uint32_t *slots = malloc(nb * sizeof(*slots));
			for (size_t i = 0; i < nb; i++)
				order[i] = (uint32_t)i;
			deal(order, nsteps, w, ms[mi], slots);
			struct stepfig lbp = figures(slots, nsteps, w, ms[mi],
						     dp->cost);
			uint64_t x = 42;
			for (size_t i = nb; i > 1; i--) {
				size_t j = sm64(&x) % i;
				uint32_t t = order[i - 1];
				order[i - 1] = order[j];
				order[j] = t;
			}
			deal(order, nsteps, w, ms[mi], slots);
			struct stepfig shuf = figures(slots, nsteps, w, ms[mi],
						      dp->cost);
			sort_cost = dp->cost;
			qsort(order, nb, sizeof(*order), by_cost_desc);
			deal(order, nsteps, w, ms[mi], slots);
			struct stepfig glue = figures(slots, nsteps, w, ms[mi],
						      dp->cost);
			/* A lower bound on any plan's overhead for these packs:
			 * a step's max is at least its largest pack, and the
			 * steps' largest packs are at best the 1st, the
			 * (W*M+1)-th, ... largest. */
			double top = 0, all = 0;
			for (size_t i = 0; i < nb; i++)
				all += dp->cost[i];
			for (size_t s = 0; s < nsteps; s++)
				top += dp->cost[order[s * per]];
			double bound = top / (all / w) - 1;
			bound = bound > 0 ? bound : 0;
			printf("| %s | %u | %s | %u | %zu | %.4f%% | %.4f%% | %.4f | %.6f | %.4f%% / %.4f | %.4f%% / %.4f | %.4f%% / %.4f | %.2f | %.2f | %.2f |\n",
			       name, cap, ci ? "affine" : "attention", ms[mi],
			       plan->packing->nbins, plan->step_overhead * 100,
			       bound * 100,
			       plan->worst_step, plan->mean_step,
			       shuf.overhead * 100, shuf.worst,
			       lbp.overhead * 100, lbp.worst,
			       glue.overhead * 100, glue.worst,
			       t_plan / 1e6, t_pack / 1e6,
			       (double)t_plan / (double)t_pack);
			fflush(stdout);
			free(order);
			free(slots);
			seqpack_plan_free(dp);
			seqpack_plan_free(plan);
		}
	seqpack_result_free(r);
	free(len);
}

int main(int argc, char **argv)
{
	uint32_t w = 8, caps[8] = {4096, 8192};
	size_t ncaps = 2;
	int repeat = 5, c;
	while ((c = getopt(argc, argv, "w:c:r:")) != -1) {
		switch (c) {
		case 'w': w = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': repeat = atoi(optarg); break;
		case 'c':
			ncaps = 0;
			for (char *s = strtok(optarg, ","); s && ncaps < 8;
			     s = strtok(NULL, ","))
				caps[ncaps++] = (uint32_t)strtoul(s, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench-plan [-w W] [-c C,...] [-r REPEAT] FILE...\n");
			return 2;
		}
	}
	if (repeat < 1 || repeat > 63 || optind >= argc) {
		fprintf(stderr, "usage: bench-plan [-w W] [-c C,...] [-r 1..63] FILE...\n");
		return 2;
	}
	seqpack_registry *reg = NULL;
	seqpack_error err;
	if (seqpack_registry_open(NULL, &reg, &err)) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	printf("| file | C | cost | M | packs | overhead | bound | worst | mean step | shuffled (overhead / worst) | lbp | glue | plan ms | obfd ms | plan / obfd |\n"
	       "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int i = optind; i < argc; i++) {
		size_t n;
		uint32_t *raw = read_lengths(argv[i], &n);
		if (!raw)
			return 1;
		const char *base = strrchr(argv[i], '/');
		for (size_t k = 0; k < ncaps; k++)
			bench_one(reg, base ? base + 1 : argv[i], raw, n, caps[k],
				  w, repeat);
		free(raw);
	}
	seqpack_registry_unref(reg);
	return 0;
}
