/* CRC-32 of zip, gzip and PNG (reflected polynomial 0xEDB88320), for the
 * CLI's .npz writer: stored zip entries need only this, not zlib.
 * Slice-by-8, so that checksumming a million-sequence packing costs a few
 * milliseconds rather than the tens a byte-wise loop takes.  The table is
 * the caller's (8 KiB, filled in microseconds), so there is no shared
 * state to initialise once across threads.  Private. */
#ifndef SEQPACK_UTIL_CRC32_INTERNAL_H
#define SEQPACK_UTIL_CRC32_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct util_crc32 {
	uint32_t t[8][256];
};

/* Fill the tables. */
void util_crc32_init(struct util_crc32 *c)
	__attribute__((visibility("hidden")));

/* The CRC-32 of the bytes so far (crc, 0 for none) followed by p[0..n).
 * util_crc32_update(c, util_crc32_update(c, 0, a, na), b, nb) equals the
 * CRC of a then b. */
uint32_t util_crc32_update(const struct util_crc32 *c, uint32_t crc,
			   const void *p, size_t n)
	__attribute__((visibility("hidden")));

#endif
