/* util/hugemem.c: what it allocates it frees, on ordinary and on 2 MiB
 * pages, and a pointer it did not allocate (or freed already) stops the
 * program with a message instead of freeing whatever sits before it. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hugemem-internal.h"
#include "testlib.h"

START_TEST(small_and_mapped_round_trip)
{
	size_t sizes[] = {0, 1, 4096, HUGEMEM_MIN - 1, HUGEMEM_MIN,
			  3 * HUGEMEM_MIN + 5};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = hugemem_alloc(sizes[i], sizes[i] / 2);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 64, 0);
		memset(p, 0xa5, sizes[i]);
		hugemem_free(p);
		uint8_t *q = hugemem_small(sizes[i]);
		ck_assert_ptr_nonnull(q);
		memset(q, 0x5a, sizes[i]);
		hugemem_free(q);
	}
	hugemem_free(NULL);
}
END_TEST

/* Zeroes before the pointer: the old check freed the NULL "base" it read
 * there (nothing happened, silently), for other bytes it freed garbage. */
START_TEST(foreign_zeroed_pointer_aborts)
{
	static _Alignas(64) uint8_t buf[256];
	memset(buf, 0, sizeof(buf));
	hugemem_free(buf + 128);
}
END_TEST

/* A malloc'd block is foreign too, whatever malloc keeps before it. */
START_TEST(foreign_malloc_pointer_aborts)
{
	uint8_t *m = calloc(1, 4096);
	ck_assert_ptr_nonnull(m);
	hugemem_free(m + 256);
}
END_TEST

/* A header copied in front of another pointer: the magic is right but the
 * base is not where it would be, so it is not freed. */
START_TEST(copied_header_aborts)
{
	uint8_t *p = hugemem_small(128);
	ck_assert_ptr_nonnull(p);
	static _Alignas(64) uint8_t buf[256];
	memcpy(buf + 128 - 64, p - 64, 64);
	hugemem_free(buf + 128);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hugemem");
	TCase *tc = tcase_create("hugemem");
	tcase_add_test(tc, small_and_mapped_round_trip);
	tcase_add_test_raise_signal(tc, foreign_zeroed_pointer_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, foreign_malloc_pointer_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, copied_header_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
