/* The seeded pseudo-random generator of the randomised plugins (ffs).
 *
 * Packings must be reproducible on every machine, through the daemon and
 * across libc versions, so we do not use rand()/random(): the generator is
 * specified here bit for bit and uses only 64-bit integer arithmetic.
 *
 *  - State: xoshiro256** (Blackman & Vigna 2018), four 64-bit words.
 *  - Seeding: the four words are four successive outputs of splitmix64
 *    (Steele, Lea & Flood 2014) started at the 64-bit seed, so every seed,
 *    including 0, gives a valid non-zero state.
 *  - Bounded integers: rng_below(b) takes the high 32 bits of one
 *    xoshiro256** output and maps them to [0, b) with Lemire's
 *    multiply-and-reject method ("Fast random integer generation in an
 *    interval", 2019), which is exactly uniform.
 *  - Shuffle: rng_shuffle() is the Durstenfeld form of Fisher-Yates:
 *    for i = n-1 down to 1, swap a[i] with a[rng_below(i + 1)].
 *
 * Changing any of this changes ffs's output for a given seed: treat it as
 * part of the file format. */
#ifndef SEQPACK_PLUGINS_RNG_H
#define SEQPACK_PLUGINS_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, bound); bound >= 1. */
uint32_t rng_below(struct rng *r, uint32_t bound);
/* Shuffle a[0..n-1]; n <= 2^32 - 1. */
void rng_shuffle(struct rng *r, uint32_t *a, size_t n);

#endif
