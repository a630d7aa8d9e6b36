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

#endif
