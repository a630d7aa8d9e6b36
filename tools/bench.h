/* seqpack bench: the pieces shared by tools/cmd-bench.c and bench-*.c. */
#ifndef SEQPACK_TOOLS_BENCH_H
#define SEQPACK_TOOLS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seqpack/seqpack.h>

/* A length file read once, kept unclamped: each capacity clamps a copy. */
struct bench_file {
	char *path;
	const char *name; /* basename of path, the "file" column */
	uint32_t *lengths;
	size_t n;
};

/* Read a file of unsigned integers separated by white space.  Returns 0,
 * or BENCH_LOAD_IO / BENCH_LOAD_DATA with a message in msg. */
enum { BENCH_LOAD_IO = -1, BENCH_LOAD_DATA = -2 };
int bench_file_load(const char *path, struct bench_file *f, char *msg,
		    size_t msglen);
void bench_file_free(struct bench_file *f);

/* Memory the bench takes for itself comes straight from mmap, so that its
 * own buffers never change the malloc state (brk heap, dynamic mmap
 * threshold) the measured library sees. */
void *bench_map(size_t bytes);
void bench_unmap(void *p, size_t bytes);

/* The floor: one counting-sort pass over n lengths <= cap. */
struct bench_floor {
	uint32_t *hist; /* cap + 1 entries */
	uint32_t *out;  /* n entries */
	size_t hist_bytes, out_bytes;
};
int bench_floor_init(struct bench_floor *fl, size_t n, uint32_t cap);
/* Returns a checksum so the pass cannot be optimised away. */
uint32_t bench_floor_run(struct bench_floor *fl, const uint32_t *lengths,
			 size_t n, uint32_t cap);
void bench_floor_fini(struct bench_floor *fl);

/* Statistics and memory probes (the clocks are util/clock-internal.h). */
int bench_cmp_u64(const void *a, const void *b);
/* Median of v (sorts it). */
uint64_t bench_median(uint64_t *v, size_t n);
/* Minor + major page faults of the process so far. */
long bench_faults(void);
/* Process peak RSS in KiB (getrusage). */
long bench_maxrss_kib(void);
/* Reset the kernel's peak-RSS mark (VmHWM); returns 0 when supported. */
int bench_hwm_reset(void);
/* VmRSS / VmHWM from /proc/self/status in KiB, -1 when unknown. */
long bench_status_kib(const char *field);
/* Bytes malloc has handed out (main arena + mmapped chunks). */
size_t bench_malloc_in_use(void);

/* How many timed repetitions a cell gets. */
struct bench_budget {
	uint32_t fixed;  /* --repeat: exactly this many, 0 = adaptive */
	unsigned min, max;
	double seconds;  /* adaptive: stop after this much timed work */
};

/* One measured cell. */
struct bench_cell {
	const char *algorithm;
	const char *file;
	const char *path;
	size_t n;
	uint32_t capacity;
	uint32_t threads;
	int socket;       /* measured through the daemon */
	uint64_t bins, lower_bound;
	double efficiency;
	double first_us, median_us, min_us, plugin_us;
	double first_cpu_us;   /* CPU time of the first call, all threads */
	long first_faults;     /* page faults during the first call */
	double floor_us, floor_min_us;
	unsigned repeats, floor_repeats;
	long call_peak_kib;    /* VmHWM rise during the first call, -1 = n/a */
	long retained_kib;     /* malloc'd bytes still held after the first call */
	long maxrss_kib;       /* process peak RSS after the cell */
};

enum bench_format { BENCH_TABLE, BENCH_JSON };


void bench_print(FILE *fp, enum bench_format fmt,
		 const struct bench_cell *cells, size_t ncells);

#endif
