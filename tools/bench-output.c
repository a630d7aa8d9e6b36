/* seqpack bench output: an aligned table for people, JSON for scripts. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define NCOLS 15
#define CELLW 32

static const char *const heads[NCOLS] = {
	"algorithm", "file",     "n",      "cap",      "bins",
	"lb",        "eff%",     "first_us", "median_us", "min_us",
	"ns/seq",    "floor_us", "x_floor", "call_MiB", "rss_MiB"};

static void kib_col(char *dst, long kib)
{
	if (kib < 0)
		snprintf(dst, CELLW, "-");
	else
		snprintf(dst, CELLW, "%.1f", (double)kib / 1024.0);
}

static void row(const struct bench_cell *c, char col[NCOLS][CELLW])
{
	snprintf(col[0], CELLW, "%s%s", c->algorithm, c->socket ? "@d" : "");
	snprintf(col[1], CELLW, "%s", c->file);
	snprintf(col[2], CELLW, "%zu", c->n);
	snprintf(col[3], CELLW, "%u", c->capacity);
	snprintf(col[4], CELLW, "%llu", (unsigned long long)c->bins);
	snprintf(col[5], CELLW, "%llu", (unsigned long long)c->lower_bound);
	snprintf(col[6], CELLW, "%.2f", 100.0 * c->efficiency);
	snprintf(col[7], CELLW, "%.1f", c->first_us);
	snprintf(col[8], CELLW, "%.1f", c->median_us);
	snprintf(col[9], CELLW, "%.1f", c->min_us);
	snprintf(col[10], CELLW, "%.1f",
		 c->n ? 1000.0 * c->median_us / (double)c->n : 0.0);
	snprintf(col[11], CELLW, "%.1f", c->floor_us);
	snprintf(col[12], CELLW, "%.1f",
		 c->floor_us > 0 ? c->median_us / c->floor_us : 0.0);
	kib_col(col[13], c->call_peak_kib);
	kib_col(col[14], c->maxrss_kib);
}

static void print_table(FILE *fp, const struct bench_cell *cells,
			size_t ncells)
{
	int w[NCOLS];
	char col[NCOLS][CELLW];
	for (int j = 0; j < NCOLS; j++)
		w[j] = (int)strlen(heads[j]);
	for (size_t i = 0; i < ncells; i++) {
		row(&cells[i], col);
		for (int j = 0; j < NCOLS; j++)
			if ((int)strlen(col[j]) > w[j])
				w[j] = (int)strlen(col[j]);
	}
	/* Text columns align left, numbers right. */
	for (int j = 0; j < NCOLS; j++)
		fprintf(fp, "%s%*s", j ? "  " : "", j < 2 ? -w[j] : w[j],
			heads[j]);
	fputc('\n', fp);
	for (size_t i = 0; i < ncells; i++) {
		row(&cells[i], col);
		for (int j = 0; j < NCOLS; j++)
			fprintf(fp, "%s%*s", j ? "  " : "",
				j < 2 ? -w[j] : w[j], col[j]);
		fputc('\n', fp);
	}
}

static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static void print_json(FILE *fp, const struct bench_cell *cells,
		       size_t ncells)
{
	fputs("[\n", fp);
	for (size_t i = 0; i < ncells; i++) {
		const struct bench_cell *c = &cells[i];
		fputs("  {\"algorithm\": ", fp);
		json_str(fp, c->algorithm);
		fputs(", \"file\": ", fp);
		json_str(fp, c->file);
		fputs(", \"path\": ", fp);
		json_str(fp, c->path);
		fprintf(fp,
			", \"n\": %zu, \"capacity\": %u, \"threads\": %u"
			", \"socket\": %s, \"bins\": %llu"
			", \"lower_bound\": %llu, \"efficiency\": %.6f"
			", \"first_us\": %.3f, \"first_cpu_us\": %.3f"
			", \"first_faults\": %ld, \"median_us\": %.3f"
			", \"min_us\": %.3f, \"plugin_us\": %.3f"
			", \"ns_per_seq\": %.3f, \"floor_us\": %.3f"
			", \"floor_min_us\": %.3f, \"ratio\": %.3f"
			", \"repeats\": %u, \"floor_repeats\": %u"
			", \"call_peak_kib\": %ld, \"retained_kib\": %ld"
			", \"maxrss_kib\": %ld}%s\n",
			c->n, c->capacity, c->threads,
			c->socket ? "true" : "false",
			(unsigned long long)c->bins,
			(unsigned long long)c->lower_bound, c->efficiency,
			c->first_us, c->first_cpu_us, c->first_faults,
			c->median_us, c->min_us, c->plugin_us,
			c->n ? 1000.0 * c->median_us / (double)c->n : 0.0,
			c->floor_us, c->floor_min_us,
			c->floor_us > 0 ? c->median_us / c->floor_us : 0.0,
			c->repeats, c->floor_repeats, c->call_peak_kib,
			c->retained_kib, c->maxrss_kib,
			i + 1 < ncells ? "," : "");
	}
	fputs("]\n", fp);
}

void bench_print(FILE *fp, enum bench_format fmt,
		 const struct bench_cell *cells, size_t ncells)
{
	if (fmt == BENCH_JSON)
		print_json(fp, cells, ncells);
	else
		print_table(fp, cells, ncells);
}
