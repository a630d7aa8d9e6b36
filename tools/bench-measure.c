/* Statistics, memory probes and the floor of seqpack bench. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

long bench_faults(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_minflt + ru.ru_majflt;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

uint64_t bench_median(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

long bench_maxrss_kib(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

int bench_hwm_reset(void)
{
	/* Writing 5 to clear_refs resets VmHWM to the current RSS (Linux
	 * 4.0+), which turns VmHWM into the peak of the next call alone. */
	FILE *fp = fopen("/proc/self/clear_refs", "w");
	if (!fp)
		return -1;
	int ok = fputs("5", fp) >= 0;
	ok = (fclose(fp) == 0) && ok;
	return ok ? 0 : -1;
}

long bench_status_kib(const char *field)
{
	FILE *fp = fopen("/proc/self/status", "r");
	if (!fp)
		return -1;
	char line[256];
	size_t flen = strlen(field);
	long v = -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

size_t bench_malloc_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int bench_floor_init(struct bench_floor *fl, size_t n, uint32_t cap)
{
	fl->hist_bytes = ((size_t)cap + 1) * sizeof(uint32_t);
	fl->out_bytes = n * sizeof(uint32_t);
	fl->hist = bench_map(fl->hist_bytes);
	fl->out = bench_map(fl->out_bytes);
	if (!fl->hist || !fl->out) {
		bench_floor_fini(fl);
		return -1;
	}
	return 0;
}

uint32_t bench_floor_run(struct bench_floor *fl, const uint32_t *lengths,
			 size_t n, uint32_t cap)
{
	uint32_t *restrict hist = fl->hist;
	uint32_t *restrict out = fl->out;
	memset(hist, 0, ((size_t)cap + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		hist[lengths[i]]++;
	uint32_t sum = 0;
	for (size_t v = 0; v <= cap; v++) {
		uint32_t c = hist[v];
		hist[v] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		out[hist[lengths[i]]++] = (uint32_t)i;
	return n ? out[0] ^ out[n - 1] : 0;
}

void bench_floor_fini(struct bench_floor *fl)
{
	bench_unmap(fl->hist, fl->hist_bytes);
	bench_unmap(fl->out, fl->out_bytes);
	memset(fl, 0, sizeof(*fl));
}
