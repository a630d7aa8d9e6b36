/* LD_PRELOAD module for the daemon's allocation-failure test: the
 * allocator interposer of interpose.c, armed with
 * $SEQPACK_TEST_FAIL_ALLOC_AT=k when the process accepts its first
 * connection, so that start-up (configuration, plugins, threads) runs
 * normally and the k-th allocation serving that client fails.  Built for the
 * tests only (a noinst check module). */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interpose.h"

#define FA_EXPORT __attribute__((visibility("default")))

static unsigned long fail_at;
static atomic_int accepted;

__attribute__((constructor)) static void preload_init(void)
{
	const char *s = getenv("SEQPACK_TEST_FAIL_ALLOC_AT");
	fail_at = s && *s ? strtoul(s, NULL, 10) : 0;
	/* for diagnosis: where did allocation k come from? */
	s = getenv("SEQPACK_TEST_FAIL_ALLOC_TRACE");
	fa_trace(s && *s && strcmp(s, "0") != 0);
}

/* Armed at the first connection, disarmed at the second: the client
 * that comes next (the test's check that the daemon still serves) runs
 * without failures.  What happened goes to stderr, the daemon's log, for
 * the test to read: written with write(), which does not allocate. */
static void on_accept(int fd)
{
	if (fd < 0 || !fail_at)
		return;
	int n = atomic_fetch_add(&accepted, 1);
	if (n == 0) {
		fa_arm(fail_at);
	} else if (n == 1) {
		unsigned long counted = fa_disarm();
		char line[160];
		int len = snprintf(line, sizeof(line),
				   "failalloc: %lu allocations after the first accept, allocation %lu %s\n",
				   counted, fail_at,
				   fa_fired() ? "failed" : "was not reached");
		if (len > 0 && write(2, line, (size_t)len) < 0)
			return; /* nowhere to report it */
	}
}

FA_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len,
		      int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "accept4");
	int r = real(fd, addr, len, flags);
	on_accept(r);
	return r;
}

FA_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "accept");
	int r = real(fd, addr, len);
	on_accept(r);
	return r;
}
