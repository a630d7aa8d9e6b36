/* Helpers shared by the library's source files; not installed. */
#ifndef SEQPACK_UTIL_INTERNAL_H
#define SEQPACK_UTIL_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <seqpack/seqpack.h>

#define SEQPACK_EXPORT __attribute__((visibility("default")))

/* Fill err (when not NULL) and return status, so callers can write
 * `return seterr(err, SEQPACK_ERR_X, "...", ...);`. */
int seqpack_seterr_(seqpack_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), visibility("hidden")));
#define seterr seqpack_seterr_

static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Ask the kernel to back a large fresh allocation with huge pages and,
 * when populate is set, to fault it in with one call: on a VM a 4 KiB page
 * fault costs several microseconds, and a 1M-sequence result touches
 * thousands of pages on its first use.  Only hints: failures (old
 * kernels, THP disabled) change nothing but speed. */
void seqpack_prefault_(void *p, size_t bytes, int populate)
	__attribute__((visibility("hidden")));
#define prefault seqpack_prefault_

/* prefault() the arrays of a result with room for slots entries each:
 * every item slot gets written, offsets and used only up to nbins. */
void seqpack_prefault_result_(seqpack_result *r, size_t slots)
	__attribute__((visibility("hidden")));
#define prefault_result seqpack_prefault_result_

#endif
