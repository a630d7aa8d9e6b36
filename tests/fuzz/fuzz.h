/* What every fuzz target shares: the libFuzzer entry points, a check
 * that aborts (so that libFuzzer, and the corpus replay of make check,
 * report the input that broke an invariant), and a small reader that
 * takes the fields a target needs from the front of its input. */
#ifndef SEQPACK_FUZZ_H
#define SEQPACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant the code under test promised and broke: print where and
 * abort, which libFuzzer records as a crash with its input. */
#define FUZZ_CHECK(cond, ...)                                            \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: check failed: %s: ",     \
				__FILE__, __LINE__, #cond);              \
			fprintf(stderr, __VA_ARGS__);                    \
			fputc('\n', stderr);                             \
			abort();                                         \
		}                                                        \
	} while (0)

/* With FUZZ_VERBOSE set in the environment, what a call returned (to
 * see how far a seed input gets). */
#define FUZZ_NOTE(...)                                                   \
	do {                                                             \
		if (getenv("FUZZ_VERBOSE")) {                            \
			fprintf(stderr, "fuzz: " __VA_ARGS__);           \
			fputc('\n', stderr);                             \
		}                                                        \
	} while (0)

/* The input, consumed from the front; past its end every field is 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint32_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint32_t fuzz_u16(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u8(in);
	return lo | fuzz_u8(in) << 8;
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);
	return lo | fuzz_u16(in) << 16;
}

#endif
