/* An allocator interposer for the allocation-failure tests: malloc,
 * calloc, realloc, reallocarray, the aligned allocators, strdup and
 * strndup, defined in the test program (or an LD_PRELOAD'd module) so
 * that they also stand in for libc's in every shared object the process
 * loads: libseqpack, the dlopen'd plugins, libltdl and libc itself.  Each
 * forwards to the next definition (dlsym(RTLD_NEXT)): libc's allocator,
 * valgrind's replacement of it, or AddressSanitizer's, so the same code
 * runs in all three builds.  Armed with k, the k-th allocation from then
 * on returns NULL (ENOMEM), once. */
#ifndef SEQPACK_TESTS_FAILALLOC_INTERPOSE_H
#define SEQPACK_TESTS_FAILALLOC_INTERPOSE_H

#include <stddef.h>

/* Count allocations from now on; the k-th fails (k = 0: count only). */
void fa_arm(unsigned long k);
/* Stop counting; returns how many allocations were counted. */
unsigned long fa_disarm(void);
/* Count again from where fa_disarm() stopped (the same k). */
void fa_resume(void);
/* 1 when the armed failure has been handed out. */
int fa_fired(void);

/* With tracing on, the failed allocation's backtrace goes to stderr. */
void fa_trace(int on);

/* While tallying, counted allocations are also attributed to the object
 * (executable or shared library) the call came from. */
void fa_tally(int on);
/* Counted allocations made directly from objects whose path contains
 * part. */
unsigned long fa_tally_count(const char *part);

#endif
