/* The report of a run: counts, throughput over the run's wall time,
 * latency percentiles (nearest rank) of the answered requests, overall
 * and per algorithm, and the daemon's memory and descriptors; as text
 * or as one JSON object.  The exit status comes from the counts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "util/cleanup-internal.h"

struct tally {
	uint64_t requests, ok, mismatches, errors, lengths;
	uint64_t p50_ns, p99_ns, max_ns;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest latency with at least pct% at or below. */
static uint64_t rank(const uint64_t *v, size_t n, unsigned pct)
{
	if (n == 0)
		return 0;
	size_t r = (n * pct + 99) / 100;
	return v[r ? r - 1 : 0];
}

/* The tally of the records of algorithm alg (all when alg < 0); lat has
 * room for every record.  Latencies count the answered requests: an
 * error may not have reached the daemon at all. */
static void tally(const struct load_result *res, long alg, uint64_t *lat,
		  struct tally *t)
{
	memset(t, 0, sizeof(*t));
	size_t n = 0;
	for (size_t i = 0; i < res->nrecs; i++) {
		const struct load_rec *r = &res->recs[i];
		if (alg >= 0 && r->algorithm != alg)
			continue;
		t->requests++;
		if (r->kind == LOAD_ERROR) {
			t->errors++;
			continue;
		}
		if (r->kind == LOAD_OK)
			t->ok++;
		else
			t->mismatches++;
		t->lengths += r->nlengths;
		lat[n++] = r->latency_ns;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	t->p50_ns = rank(lat, n, 50);
	t->p99_ns = rank(lat, n, 99);
	t->max_ns = n ? lat[n - 1] : 0;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double per_s(uint64_t count, uint64_t ns)
{
	return ns ? (double)count * 1e9 / (double)ns : 0.0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_tally(const struct tally *t)
{
	printf("\"requests\":%" PRIu64 ",\"ok\":%" PRIu64
	       ",\"mismatches\":%" PRIu64 ",\"errors\":%" PRIu64
	       ",\"lengths\":%" PRIu64 ",\"latency_ns\":{\"p50\":%" PRIu64
	       ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}",
	       t->requests, t->ok, t->mismatches, t->errors, t->lengths,
	       t->p50_ns, t->p99_ns, t->max_ns);
}

static void json_proc(const char *name, const struct load_proc *p)
{
	printf(",\"%s\":{\"rss_kb\":%lu,\"hwm_kb\":%lu,\"fds\":%u}", name,
	       p->rss_kb, p->hwm_kb, p->fds);
}

static void print_json(const struct load_run *run,
		       const struct load_result *res, const struct tally *all,
		       uint64_t *lat)
{
	const struct load_opts *o = run->o;
	printf("{");
	json_tally(all);
	printf(",\"clients\":%u,\"requests_per_client\":%u,\"failed_clients\":%u"
	       ",\"sizes\":[%u,%u],\"capacity\":%u,\"threads\":%u,\"seed\":%" PRIu64
	       ",\"wall_ns\":%" PRIu64 ",\"requests_per_s\":%.1f,\"lengths_per_s\":%.0f",
	       o->clients, o->requests, res->failed_clients, o->size_min,
	       o->size_max, o->capacity, o->threads, o->seed, res->wall_ns,
	       per_s(all->ok + all->mismatches, res->wall_ns),
	       per_s(all->lengths, res->wall_ns));
	printf(",\"daemon\":{\"pid\":%d,\"samples\":%u", (int)res->daemon_pid,
	       res->samples);
	/* null: the daemon did not answer STATS after the run */
	if (res->daemon_errors_known)
		printf(",\"errors\":%" PRIu64, res->daemon_errors);
	else
		printf(",\"errors\":null");
	json_proc("start", &res->start);
	json_proc("peak", &res->peak);
	json_proc("end", &res->end);
	printf("},\"algorithms\":[");
	for (size_t a = 0; a < run->nalg; a++) {
		struct tally t;
		tally(res, (long)a, lat, &t);
		printf("%s{\"name\":", a ? "," : "");
		json_str(run->algorithms[a]);
		putchar(',');
		json_tally(&t);
		putchar('}');
	}
	printf("]}\n");
}

static void print_text(const struct load_run *run,
		       const struct load_result *res, const struct tally *all,
		       uint64_t *lat)
{
	const struct load_opts *o = run->o;
	printf("seqpack-load: %u clients x %u requests, %u..%u lengths a request%s, capacity %u, threads %u, seed %" PRIu64 "\n",
	       o->clients, o->requests, o->size_min, o->size_max,
	       o->lengths_file ? " (from the file)" : "", o->capacity,
	       o->threads, o->seed);
	printf("requests    %" PRIu64 ": %" PRIu64 " ok, %" PRIu64
	       " mismatches, %" PRIu64 " errors, %u failed clients\n",
	       all->requests, all->ok, all->mismatches, all->errors,
	       res->failed_clients);
	printf("lengths     %" PRIu64 " in %.3f s\n", all->lengths,
	       (double)res->wall_ns / 1e9);
	printf("throughput  %.1f requests/s, %.0f lengths/s\n",
	       per_s(all->ok + all->mismatches, res->wall_ns),
	       per_s(all->lengths, res->wall_ns));
	printf("latency     p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
	       ms(all->p50_ns), ms(all->p99_ns), ms(all->max_ns));
	if (res->daemon_pid || res->samples) {
		printf("daemon RSS  %lu kB with the clients connected, peak %lu kB, end %lu kB; VmHWM %lu kB\n",
		       res->start.rss_kb, res->peak.rss_kb, res->end.rss_kb,
		       res->end.hwm_kb);
		printf("daemon fds  %u with the clients connected, peak %u, end %u (%u samples)\n",
		       res->start.fds, res->peak.fds, res->end.fds,
		       res->samples);
	} else {
		printf("daemon      not sampled\n");
	}
	if (res->daemon_errors_known)
		printf("daemon errors counted during the run: %" PRIu64 "\n",
		       res->daemon_errors);
	else
		printf("daemon errors counted during the run: unknown (no STATS after the run)\n");
	printf("%-10s %8s %8s %10s %8s %9s %9s %9s\n", "algorithm",
	       "requests", "ok", "mismatches", "errors", "p50 ms", "p99 ms",
	       "max ms");
	for (size_t a = 0; a < run->nalg; a++) {
		struct tally t;
		tally(res, (long)a, lat, &t);
		printf("%-10s %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %8" PRIu64
		       " %9.3f %9.3f %9.3f\n",
		       run->algorithms[a], t.requests, t.ok, t.mismatches,
		       t.errors, ms(t.p50_ns), ms(t.p99_ns), ms(t.max_ns));
	}
}

int load_report(const struct load_run *run, const struct load_result *res)
{
	_cleanup_free_ uint64_t *lat =
		malloc((res->nrecs ? res->nrecs : 1) * sizeof(uint64_t));
	if (!lat) {
		load_error("no memory for %zu latencies", res->nrecs);
		return LOAD_EXIT_SETUP;
	}
	struct tally all;
	tally(res, -1, lat, &all);
	if (run->o->json)
		print_json(run, res, &all, lat);
	else
		print_text(run, res, &all, lat);
	fflush(stdout);
	uint64_t expected = (uint64_t)run->o->clients * run->o->requests;
	if (all.mismatches || all.errors || res->failed_clients ||
	    all.requests != expected) {
		if (all.requests != expected)
			load_error("%" PRIu64 " of %" PRIu64 " requests reported",
				   all.requests, expected);
		return LOAD_EXIT_FAILED;
	}
	return LOAD_EXIT_OK;
}
