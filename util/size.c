/* Decimal sizes with binary K/M/G suffixes (see size-internal.h). */
#include <stddef.h>

#include "util/size-internal.h"

int util_parse_size(const char *s, uint64_t *ret)
{
	if (!s || *s < '0' || *s > '9')
		return UTIL_SIZE_SYNTAX;
	uint64_t v = 0;
	int big = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned digit = (unsigned)(*s - '0');
		/* Keep scanning after an overflow: "99999999999999999999x"
		 * is a syntax error, not a range one. */
		if (v > (UINT64_MAX - digit) / 10)
			big = 1;
		else
			v = v * 10 + digit;
	}
	unsigned shift = 0;
	switch (*s) {
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	default: break;
	}
	if (*s != '\0')
		return UTIL_SIZE_SYNTAX;
	if (big || v > UINT64_MAX >> shift)
		return UTIL_SIZE_RANGE;
	*ret = v << shift;
	return 0;
}
