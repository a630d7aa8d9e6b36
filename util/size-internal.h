/* Sizes written as a decimal number with an optional K, M or G suffix
 * (binary: 1024, 1024^2, 1024^3), as the daemon's config file and the
 * CLI's --capacity take them, parsed in one place so that "4k" means the
 * same 4096 to both.  Private. */
#ifndef SEQPACK_UTIL_SIZE_INTERNAL_H
#define SEQPACK_UTIL_SIZE_INTERNAL_H

#include <stdint.h>

enum {
	UTIL_SIZE_SYNTAX = -1, /* not digits with one optional suffix */
	UTIL_SIZE_RANGE = -2,  /* the value does not fit in 64 bits */
};

/* Parse s: one or more digits 0-9, then nothing or one of K k M m G g,
 * then the end of the string.  No sign, no space, no other suffix (so
 * that "-1" never wraps and "4KB" is not half read).  Returns 0 with
 * *ret set, UTIL_SIZE_SYNTAX or UTIL_SIZE_RANGE; *ret is written only on
 * success. */
int util_parse_size(const char *s, uint64_t *ret)
	__attribute__((visibility("hidden")));

#endif
