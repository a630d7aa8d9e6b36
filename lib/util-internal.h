/* Helpers shared by the library's source files; not installed. */
#ifndef SEQPACK_UTIL_INTERNAL_H
#define SEQPACK_UTIL_INTERNAL_H

#include <stdint.h>

#include <seqpack/seqpack.h>

#include "util/clock-internal.h"

#define SEQPACK_EXPORT __attribute__((visibility("default")))

/* Fill err (when not NULL) and return status, so callers can write
 * `return seterr(err, SEQPACK_ERR_X, "...", ...);`. */
int seqpack_seterr_(seqpack_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), visibility("hidden")));
#define seterr seqpack_seterr_

/* One pass over the lengths: returns the largest length - 1 (a length of
 * 0 counting as UINT32_MAX) and their sum in *total. */
uint32_t seqpack_lengths_scan_(const uint32_t *lengths, size_t n,
			       uint64_t *total)
	__attribute__((visibility("hidden")));

/* The check of one length every packing call makes: SEQPACK_ERR_LENGTH
 * naming sequence id when length is 0 or above capacity. */
int seqpack_length_check_(uint64_t id, uint32_t length, uint32_t capacity,
			  seqpack_error *err)
	__attribute__((visibility("hidden")));

/* seqpack_lengths_check() that also returns the sum of the lengths in
 * *total (when not NULL), from the same pass over the input. */
int seqpack_lengths_sum_(const uint32_t *lengths, size_t n,
			 uint32_t capacity, uint64_t *total,
			 seqpack_error *err)
	__attribute__((visibility("hidden")));

/* seqpack_metrics_compute() given the sum of the lengths. */
void seqpack_metrics_fill_(seqpack_result *r, uint64_t total,
			   uint32_t capacity)
	__attribute__((visibility("hidden")));

/* Give r arrays of slots entries each (n + 1 for n sequences, so that
 * n == 0 still gets real arrays), from hugemem; SEQPACK_ERR_NOMEM leaves
 * whatever was allocated for seqpack_result_arrays_free_(). */
int seqpack_result_arrays_(seqpack_result *r, size_t slots)
	__attribute__((visibility("hidden")));
void seqpack_result_arrays_free_(seqpack_result *r)
	__attribute__((visibility("hidden")));

#endif
