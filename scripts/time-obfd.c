/* Time obfd (and optionally other algorithms) through
 * seqpack_workspace_pack against the "floor": one counting-sort pass over
 * the same lengths (zero a C+1 histogram, count, prefix-sum, scatter the
 * indices into a preallocated array), median of repeated runs, as issue 5
 * defines it.  Not part of the build; compile by hand:
 *
 *   gcc -O2 -I include scripts/time-obfd.c -o /tmp/time-obfd \
 *       -L BUILD/lib/.libs -lseqpack -Wl,-rpath,BUILD/lib/.libs
 *   /tmp/time-obfd BUILD/plugins /work/shared/data/synthetic [alg ...]
 *
 * Prints one line per (file, capacity, algorithm): n, C, bins, median and
 * min microseconds of the whole workspace call (the core's length check
 * and metrics included), the median of the plugin's own time
 * (metrics.elapsed_ns), the floor's median, both ratios, and the time of
 * the first call on a fresh workspace (page faults included).  SIZES=10k
 * or SIZES=1m restricts the files; THREADS sets params.threads; CLOCK=cpu
 * times with process CPU time (plugin_us stays wall time). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seqpack/seqpack.h>

/* CLOCK=cpu measures process CPU time instead of wall time: on an
 * oversubscribed VM it leaves out the time the process sat descheduled
 * (both the algorithm and the floor are measured the same way; useless
 * for parallel speed-up, which needs wall time). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint32_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1024, k = 0;
	uint32_t *v = malloc(cap * sizeof(*v));
	unsigned long x;
	while (v && fscanf(f, "%lu", &x) == 1) {
		if (k == cap) {
			uint32_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv) {
				free(v);
				v = NULL;
				break;
			}
			v = nv;
		}
		v[k++] = (uint32_t)x;
	}
	fclose(f);
	*n = k;
	return v;
}

/* The floor of issue 5: one counting-sort pass. */
static void floor_pass(const uint32_t *len, size_t n, uint32_t cap,
		       uint32_t *hist, uint32_t *out)
{
	memset(hist, 0, ((size_t)cap + 2) * sizeof(*hist));
	for (size_t i = 0; i < n; i++)
		hist[len[i] + 1]++;
	for (size_t c = 1; c <= (size_t)cap + 1; c++)
		hist[c] += hist[c - 1];
	for (size_t i = 0; i < n; i++)
		out[hist[len[i]]++] = (uint32_t)i;
}

static volatile uint32_t sink;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PLUGINDIR DATADIR [ALG...]\n", argv[0]);
		return 2;
	}
	static const char *defalgs[] = {"obfd"};
	const char **algs = argc > 3 ? (const char **)argv + 3 : defalgs;
	int nalg = argc > 3 ? argc - 3 : 1;
	static const uint32_t caps[] = {512, 1024, 2048, 4096, 8192};
	const char *sizes[] = {"_10000.txt", "_1000000.txt"};
	const char *sets[] = {"uniform", "exponential", "lognormal", "bimodal"};
	const char *thr = getenv("THREADS");
	if (getenv("CLOCK") && !strcmp(getenv("CLOCK"), "cpu"))
		clock_id = CLOCK_PROCESS_CPUTIME_ID;
	seqpack_registry *reg;
	seqpack_error err;
	if (seqpack_registry_open(argv[1], &reg, &err)) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	printf("%-12s %8s %5s %-6s %8s %10s %10s %10s %10s %7s %7s %10s %10s\n",
	       "set", "n", "C", "alg", "bins", "median_us", "min_us",
	       "plugin_us", "floor_us", "ratio", "pratio", "first_us",
	       "first_plugin_us");
	const char *only = getenv("SIZES");
	for (int z = 0; z < 2; z++)
		for (int st = 0; st < 4; st++) {
			if (only && strcmp(only, z ? "1m" : "10k"))
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s%s", argv[2], sets[st],
				 sizes[z]);
			size_t n;
			uint32_t *raw = read_file(path, &n);
			if (!raw || !n) {
				fprintf(stderr, "cannot read %s\n", path);
				free(raw);
				continue;
			}
			uint32_t *len = malloc(n * sizeof(*len));
			uint32_t *fout = malloc(n * sizeof(*fout));
			uint32_t *hist = malloc((8192 + 2) * sizeof(*hist));
			int reps = n > 100000 ? 21 : 301;
			double *t = malloc(reps * sizeof(*t));
			double *tp = malloc(reps * sizeof(*tp));
			for (size_t c = 0; c < sizeof(caps) / sizeof(*caps); c++) {
				uint32_t cap = caps[c];
				for (size_t i = 0; i < n; i++)
					len[i] = raw[i] < 1 ? 1 : raw[i] > cap ? cap : raw[i];
				for (int r = 0; r < reps; r++) {
					double t0 = now_us();
					floor_pass(len, n, cap, hist, fout);
					t[r] = now_us() - t0;
					sink = fout[n / 2];
				}
				qsort(t, reps, sizeof(*t), cmp_d);
				double fl = t[reps / 2];
				for (int a = 0; a < nalg; a++) {
					seqpack_workspace *ws;
					seqpack_workspace_new(reg, &ws, &err);
					seqpack_params p;
					seqpack_params_init(&p);
					p.capacity = cap;
					p.flags = 0; /* time the algorithm, not the verifier */
					p.threads = thr ? (uint32_t)atoi(thr) : 0;
					const seqpack_result *res;
					double first = 0, firstp = 0;
					for (int r = -1; r < reps; r++) {
						double t0 = now_us();
						if (seqpack_workspace_pack(ws, algs[a], len, n, &p, &res, &err)) {
							fprintf(stderr, "%s: %s\n", algs[a], err.message);
							return 1;
						}
						double d = now_us() - t0;
						if (r < 0) {
							first = d;
							firstp = res->metrics.elapsed_ns / 1e3;
						} else {
							t[r] = d;
							tp[r] = res->metrics.elapsed_ns / 1e3;
						}
					}
					qsort(t, reps, sizeof(*t), cmp_d);
					qsort(tp, reps, sizeof(*tp), cmp_d);
					printf("%-12s %8zu %5u %-6s %8zu %10.1f %10.1f %10.1f %10.1f %7.2f %7.2f %10.1f %10.1f\n",
					       sets[st], n, cap, algs[a], res->nbins,
					       t[reps / 2], t[0], tp[reps / 2], fl,
					       t[reps / 2] / fl, tp[reps / 2] / fl, first,
					       firstp);
					fflush(stdout);
					seqpack_workspace_free(ws);
				}
			}
			free(raw);
			free(len);
			free(fout);
			free(hist);
			free(t);
			free(tp);
		}
	seqpack_registry_unref(reg);
	return 0;
}
