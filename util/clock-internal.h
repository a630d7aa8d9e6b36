/* The clocks every part of seqpack reads: monotonic time for timeouts,
 * latencies and benchmarks, and process CPU time for benchmarks.
 * Private. */
#ifndef SEQPACK_UTIL_CLOCK_INTERNAL_H
#define SEQPACK_UTIL_CLOCK_INTERNAL_H

#include <stdint.h>
#include <time.h>

static inline uint64_t util_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds (cannot fail for this clock on Linux). */
static inline uint64_t util_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return util_ts_ns(&ts);
}

static inline uint64_t util_now_ms(void)
{
	return util_now_ns() / 1000000u;
}

/* CPU time of the whole process in nanoseconds, 0 when unavailable. */
static inline uint64_t util_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return util_ts_ns(&ts);
}

#endif
