/* The seeded generator of the randomised plugins (see rng.h). */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t rng_below(struct rng *r, uint32_t bound)
{
	uint64_t m = (rng_next(r) >> 32) * (uint64_t)bound;
	uint32_t low = (uint32_t)m;
	if (low < bound) {
		/* 2^32 mod bound: the short first stretch that would bias
		 * small results; redraw when we land in it. */
		uint32_t threshold = (uint32_t)(-bound) % bound;
		while (low < threshold) {
			m = (rng_next(r) >> 32) * (uint64_t)bound;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

void rng_shuffle(struct rng *r, uint32_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		uint32_t j = rng_below(r, (uint32_t)i);
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}
