/* The daemon's statistics (see stats.h).  Latency is kept as a
 * log-linear histogram (4 sub-buckets per power of two, so a percentile
 * is within 19% of the truth) to answer percentiles in constant memory
 * however many requests were served. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "util/clock-internal.h"

#define MAX_ALGOS 64
#define NBUCKETS 256

struct algo {
	char name[SEQPACK_NAME_MAX];
	uint64_t requests, errors;
};

static struct {
	pthread_mutex_t lock;
	uint64_t start_ns;
	uint64_t conns_total, conns_current, conns_rejected, timed_out;
	uint64_t bad_frames, reloads;
	uint64_t requests[SP_TYPE_MAX_ + 1], errors[SP_TYPE_MAX_ + 1];
	struct algo algos[MAX_ALGOS];
	size_t nalgos;
	uint64_t bytes_in, bytes_out;
	uint64_t hist[NBUCKETS];
	uint64_t lat_count, lat_max;
	uint64_t budget_limit, budget_used, budget_peak, budget_waits;
	uint64_t budget_waiting;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

void stats_init(void)
{
	st.start_ns = util_now_ns();
}

void stats_connection(int opened)
{
	pthread_mutex_lock(&st.lock);
	if (opened > 0) {
		st.conns_total++;
		st.conns_current++;
	} else {
		st.conns_current--;
	}
	pthread_mutex_unlock(&st.lock);
}

#define BUMP(field)                          \
	do {                                 \
		pthread_mutex_lock(&st.lock); \
		st.field++;                  \
		pthread_mutex_unlock(&st.lock); \
	} while (0)

void stats_rejected(void) { BUMP(conns_rejected); }
void stats_timed_out(void) { BUMP(timed_out); }
void stats_bad_frame(void) { BUMP(bad_frames); }
void stats_reload(void) { BUMP(reloads); }

void stats_budget_limit(uint64_t limit)
{
	pthread_mutex_lock(&st.lock);
	st.budget_limit = limit;
	pthread_mutex_unlock(&st.lock);
}

void stats_budget(uint64_t used, unsigned waiting)
{
	pthread_mutex_lock(&st.lock);
	st.budget_used = used;
	if (used > st.budget_peak)
		st.budget_peak = used;
	st.budget_waiting = waiting;
	pthread_mutex_unlock(&st.lock);
}

void stats_budget_waited(void) { BUMP(budget_waits); }

void stats_bytes(uint64_t in, uint64_t out)
{
	pthread_mutex_lock(&st.lock);
	st.bytes_in += in;
	st.bytes_out += out;
	pthread_mutex_unlock(&st.lock);
}

static unsigned bucket_of(uint64_t ns)
{
	if (ns < 4)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* e >= 2 */
	unsigned sub = (unsigned)(ns >> (e - 2)) & 3u;
	unsigned b = e * 4 + sub;
	return b < NBUCKETS ? b : NBUCKETS - 1;
}

/* The largest value a bucket holds: percentiles are reported as upper
 * bounds, never flattering the daemon. */
static uint64_t bucket_top(unsigned b)
{
	if (b < 4)
		return b;
	unsigned e = b / 4, sub = b % 4;
	if (e >= 63)
		return UINT64_MAX;
	return ((4ull + sub + 1) << (e - 2)) - 1;
}

void stats_request(uint16_t type, const char *algorithm, int failed,
		   uint64_t latency_ns)
{
	pthread_mutex_lock(&st.lock);
	unsigned t = type <= SP_TYPE_MAX_ ? type : 0;
	st.requests[t]++;
	if (failed)
		st.errors[t]++;
	if (algorithm) {
		size_t i;
		for (i = 0; i < st.nalgos; i++)
			if (strcmp(st.algos[i].name, algorithm) == 0)
				break;
		if (i == st.nalgos && st.nalgos < MAX_ALGOS) {
			snprintf(st.algos[i].name, sizeof(st.algos[i].name),
				 "%s", algorithm);
			st.nalgos++;
		}
		if (i < st.nalgos) {
			st.algos[i].requests++;
			if (failed)
				st.algos[i].errors++;
		}
	}
	st.hist[bucket_of(latency_ns)]++;
	st.lat_count++;
	if (latency_ns > st.lat_max)
		st.lat_max = latency_ns;
	pthread_mutex_unlock(&st.lock);
}

static uint64_t percentile(unsigned pct)
{
	if (st.lat_count == 0)
		return 0;
	uint64_t rank = (st.lat_count * pct + 99) / 100, seen = 0;
	for (unsigned b = 0; b < NBUCKETS; b++) {
		seen += st.hist[b];
		if (seen >= rank) {
			uint64_t top = bucket_top(b);
			return top < st.lat_max ? top : st.lat_max;
		}
	}
	return st.lat_max;
}

static void put(struct sp_buf *b, uint32_t *count, const char *name,
		uint64_t v)
{
	sp_put_str(b, name);
	sp_put_u64(b, v);
	(*count)++;
}

void stats_encode(struct sp_buf *b, uint64_t plugins, uint32_t workers)
{
	size_t count_at = b->len;
	uint32_t count = 0;
	sp_put_u32(b, 0);
	pthread_mutex_lock(&st.lock);
	uint64_t total = 0, errors = 0;
	for (unsigned t = 0; t <= SP_TYPE_MAX_; t++) {
		total += st.requests[t];
		errors += st.errors[t];
	}
	put(b, &count, "uptime_ns", util_now_ns() - st.start_ns);
	put(b, &count, "connections.total", st.conns_total);
	put(b, &count, "connections.current", st.conns_current);
	put(b, &count, "connections.rejected", st.conns_rejected);
	put(b, &count, "connections.timed_out", st.timed_out);
	put(b, &count, "requests.total", total);
	put(b, &count, "errors.total", errors);
	put(b, &count, "errors.bad_frame", st.bad_frames);
	for (unsigned t = 1; t <= SP_TYPE_MAX_; t++) {
		char name[64];
		snprintf(name, sizeof(name), "requests.%s", sp_type_name((uint16_t)t));
		put(b, &count, name, st.requests[t]);
		snprintf(name, sizeof(name), "errors.%s", sp_type_name((uint16_t)t));
		put(b, &count, name, st.errors[t]);
	}
	put(b, &count, "requests.unknown", st.requests[0]);
	for (size_t i = 0; i < st.nalgos; i++) {
		char name[96];
		snprintf(name, sizeof(name), "algorithm.%s.requests",
			 st.algos[i].name);
		put(b, &count, name, st.algos[i].requests);
		snprintf(name, sizeof(name), "algorithm.%s.errors",
			 st.algos[i].name);
		put(b, &count, name, st.algos[i].errors);
	}
	put(b, &count, "bytes.in", st.bytes_in);
	put(b, &count, "bytes.out", st.bytes_out);
	put(b, &count, "latency.count", st.lat_count);
	put(b, &count, "latency.p50_ns", percentile(50));
	put(b, &count, "latency.p90_ns", percentile(90));
	put(b, &count, "latency.p99_ns", percentile(99));
	put(b, &count, "latency.max_ns", st.lat_max);
	put(b, &count, "registry.plugins", plugins);
	put(b, &count, "registry.reloads", st.reloads);
	put(b, &count, "workers", workers);
	put(b, &count, "budget.limit", st.budget_limit);
	put(b, &count, "budget.bytes", st.budget_used);
	put(b, &count, "budget.peak_bytes", st.budget_peak);
	put(b, &count, "budget.waiting", st.budget_waiting);
	put(b, &count, "budget.waits", st.budget_waits);
	pthread_mutex_unlock(&st.lock);
	if (!b->oom)
		sp_st32(b->data + count_at, count);
}
