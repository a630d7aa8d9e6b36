/* What each request packs, from the seed alone: its number of lengths
 * (log-uniform between --sizes MIN and MAX, so that small requests on
 * the socket and large ones through shared memory both occur) and the
 * lengths themselves (drawn from --lengths-file, or from one of four
 * shapes).  The same seed gives the same requests on every run. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "plugins/common/rng.h"
#include "util/cleanup-internal.h"

void load_workload_client_rng(const struct load_workload *w, unsigned c,
			      struct rng *r)
{
	/* rng_seed() runs the seed through splitmix64, so neighbouring
	 * seeds still give unrelated streams. */
	rng_seed(r, w->seed * 0x9e3779b97f4a7c15ull + c);
}

static uint32_t draw_size(const struct load_workload *w, struct rng *r)
{
	if (w->size_min == w->size_max)
		return w->size_min;
	/* 53 random bits into [0, 1) */
	double u = (double)(rng_next(r) >> 11) * 0x1p-53;
	double v = exp(log((double)w->size_min) +
		       u * (log((double)w->size_max + 1) -
			    log((double)w->size_min)));
	uint32_t n = (uint32_t)v;
	return n < w->size_min ? w->size_min
			       : n > w->size_max ? w->size_max : n;
}

/* Uniform in lo..hi, 1 <= lo <= hi. */
static uint32_t between(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

size_t load_workload_draw(const struct load_workload *w, struct rng *r,
			  unsigned shape, uint32_t *lengths)
{
	size_t n = draw_size(w, r);
	uint32_t c = w->capacity;
	if (w->file_lengths) {
		for (size_t i = 0; i < n; i++)
			lengths[i] = w->file_lengths[rng_below(
				r, (uint32_t)w->file_n)];
		return n;
	}
	uint32_t eighth = c / 8 ? c / 8 : 1, half = c / 2 ? c / 2 : 1;
	for (size_t i = 0; i < n; i++) {
		switch (shape % 4) {
		case 0: /* uniform over the capacity */
			lengths[i] = between(r, 1, c);
			break;
		case 1: /* mostly short, as instruction data */
			lengths[i] = between(r, 1, between(r, 1, eighth));
			break;
		case 2: /* long: at most one per bin */
			lengths[i] = between(r, half, c);
			break;
		default: /* bimodal: short ones to fill long ones' gaps */
			lengths[i] = rng_below(r, 4) ? between(r, 1, eighth)
						     : between(r, half, c);
		}
	}
	return n;
}

static int add_length(struct load_workload *w, size_t *cap, uint32_t v)
{
	if (w->file_n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 1024;
		uint32_t *p = realloc(w->file_lengths, ncap * sizeof(*p));
		if (!p)
			return -1;
		w->file_lengths = p;
		*cap = ncap;
	}
	w->file_lengths[w->file_n++] = v;
	return 0;
}

/* The integers of one line; -1 after a message. */
static int read_line(struct load_workload *w, size_t *cap, const char *path,
		     unsigned long lineno, char *line)
{
	char *p = line;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		char *end = p;
		unsigned long long v = 0;
		errno = 0;
		if (isdigit((unsigned char)*p))
			v = strtoull(p, &end, 10);
		if (end == p || (*end && !isspace((unsigned char)*end))) {
			size_t len = strcspn(p, " \t\r\n");
			load_error("%s:%lu: '%.*s' is not a length", path,
				   lineno, (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		if (errno || v == 0 || v > w->capacity) {
			load_error("%s:%lu: length %.*s is not in 1..%u (--capacity)",
				   path, lineno, (int)(end - p > 40 ? 40 : end - p),
				   p, w->capacity);
			return -1;
		}
		if (add_length(w, cap, (uint32_t)v) != 0) {
			load_error("%s: out of memory", path);
			return -1;
		}
		p = end;
	}
}

int load_workload_read_file(struct load_workload *w, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		load_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	_cleanup_free_ char *line = NULL;
	size_t linecap = 0, cap = 0;
	unsigned long lineno = 0;
	while (getline(&line, &linecap, f) >= 0)
		if (read_line(w, &cap, path, ++lineno, line) != 0)
			return -1;
	if (ferror(f)) {
		load_error("cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (w->file_n == 0) {
		load_error("%s: no lengths", path);
		return -1;
	}
	if (w->file_n > UINT32_MAX) {
		load_error("%s: more than %u lengths", path, UINT32_MAX);
		return -1;
	}
	return 0;
}

void load_workload_free(struct load_workload *w)
{
	free(w->file_lengths);
	w->file_lengths = NULL;
	w->file_n = 0;
}
