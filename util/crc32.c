/* CRC-32 (zip's), slice-by-8: eight table lookups per 8 bytes instead of
 * eight dependent shift-and-lookup steps. */

#include "crc32-internal.h"

void util_crc32_init(struct util_crc32 *c)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t v = i;
		for (int k = 0; k < 8; k++)
			v = v & 1 ? (v >> 1) ^ 0xEDB88320u : v >> 1;
		c->t[0][i] = v;
	}
	for (int s = 1; s < 8; s++)
		for (int i = 0; i < 256; i++) {
			uint32_t v = c->t[s - 1][i];
			c->t[s][i] = (v >> 8) ^ c->t[0][v & 0xff];
		}
}

uint32_t util_crc32_update(const struct util_crc32 *c, uint32_t crc,
			   const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t v = ~crc;
	for (; n >= 8; n -= 8, b += 8) {
		/* Bytes assembled explicitly: the same result on any byte
		 * order, and no unaligned load. */
		uint32_t lo = v ^ ((uint32_t)b[0] | (uint32_t)b[1] << 8 |
				   (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
		uint32_t hi = (uint32_t)b[4] | (uint32_t)b[5] << 8 |
			      (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
		v = c->t[7][lo & 0xff] ^ c->t[6][(lo >> 8) & 0xff] ^
		    c->t[5][(lo >> 16) & 0xff] ^ c->t[4][lo >> 24] ^
		    c->t[3][hi & 0xff] ^ c->t[2][(hi >> 8) & 0xff] ^
		    c->t[1][(hi >> 16) & 0xff] ^ c->t[0][hi >> 24];
	}
	for (; n; n--, b++)
		v = (v >> 8) ^ c->t[0][(v ^ *b) & 0xff];
	return ~v;
}
