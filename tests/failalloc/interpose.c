/* See interpose.h.  The wrappers must be the process's first definition
 * of each name: in a test program that means default visibility (the
 * tree builds with -fvisibility=hidden) and -export-dynamic, so that
 * plugins dlopen'd later bind to them too; in the preload module,
 * LD_PRELOAD puts them first. */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interpose.h"

/* Defined here, never taken from a header's macro. */
#undef strdup
#undef strndup

/* AddressSanitizer's runtime allocates while it starts, before its
 * shadow memory exists: code that runs then must not be instrumented. */
#define FA_NOSAN __attribute__((no_sanitize_address))
#define FA_EXPORT __attribute__((visibility("default"))) FA_NOSAN

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

/* dlsym() may allocate while the real functions are being looked up:
 * those few blocks come from here and are never freed. */
static _Alignas(max_align_t) char boot[16384];
static size_t boot_used;
/* Initial-exec TLS: the general model calls __tls_get_addr(), which
 * AddressSanitizer intercepts, and its interceptor does not work yet when
 * its own start-up allocates.  A preloaded module may use it. */
#define FA_TLS __thread __attribute__((tls_model("initial-exec")))
static FA_TLS int resolving;
static FA_TLS int thread_started; /* see thread_start() */

FA_NOSAN static void *boot_alloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(boot) - boot_used)
		return NULL;
	void *p = boot + boot_used;
	boot_used += n;
	return p;
}

FA_NOSAN static int is_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

FA_NOSAN static void *next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f)
		abort(); /* no allocator to forward to: nothing can work */
	return f;
}

/* The first allocation happens before main, on one thread: no lock. */
FA_NOSAN static void resolve(void)
{
	resolving = 1;
	real_malloc = next("malloc");
	real_calloc = next("calloc");
	real_realloc = next("realloc");
	real_posix_memalign = next("posix_memalign");
	real_aligned_alloc = next("aligned_alloc");
	real_memalign = next("memalign");
	real_free = next("free");
	resolving = 0;
}

__attribute__((constructor(101))) FA_NOSAN static void fa_init(void)
{
	if (!real_free)
		resolve();
	thread_started = 1; /* the main thread */
}

/* ---- counting and the injected failure ------------------------------ */

static atomic_int armed;
static atomic_ulong counted;
static atomic_int fired;
static unsigned long fail_at;

struct tally_entry {
	char path[240];
	unsigned long n;
};
static atomic_int tallying;
static atomic_flag tally_lock = ATOMIC_FLAG_INIT;
static struct tally_entry tally[32];
static size_t ntally;

FA_NOSAN void fa_arm(unsigned long k)
{
	fail_at = k;
	atomic_store(&fired, 0);
	atomic_store(&counted, 0);
	atomic_store(&armed, 1);
}

FA_NOSAN unsigned long fa_disarm(void)
{
	atomic_store(&armed, 0);
	return atomic_load(&counted);
}

FA_NOSAN void fa_resume(void)
{
	atomic_store(&armed, 1);
}

FA_NOSAN int fa_fired(void)
{
	return atomic_load(&fired);
}

FA_NOSAN void fa_tally(int on)
{
	while (atomic_flag_test_and_set(&tally_lock))
		;
	ntally = 0;
	atomic_store(&tallying, on);
	atomic_flag_clear(&tally_lock);
}

FA_NOSAN unsigned long fa_tally_count(const char *part)
{
	unsigned long n = 0;
	while (atomic_flag_test_and_set(&tally_lock))
		;
	for (size_t i = 0; i < ntally; i++)
		if (strstr(tally[i].path, part))
			n += tally[i].n;
	atomic_flag_clear(&tally_lock);
	return n;
}

/* dladdr() takes the loader's lock but does not allocate. */
FA_NOSAN static void tally_add(const void *caller)
{
	Dl_info info;
	const char *path = dladdr(caller, &info) && info.dli_fname
				   ? info.dli_fname
				   : "?";
	while (atomic_flag_test_and_set(&tally_lock))
		;
	size_t i = 0;
	while (i < ntally && strncmp(tally[i].path, path,
				     sizeof(tally[i].path) - 1) != 0)
		i++;
	if (i == ntally && ntally < sizeof(tally) / sizeof(tally[0])) {
		strncpy(tally[i].path, path, sizeof(tally[i].path) - 1);
		tally[i].path[sizeof(tally[i].path) - 1] = '\0';
		tally[i].n = 0;
		ntally++;
	}
	if (i < ntally)
		tally[i].n++;
	atomic_flag_clear(&tally_lock);
}

static atomic_int tracing;

FA_NOSAN void fa_trace(int on)
{
	atomic_store(&tracing, on);
}

/* Where the failed allocation came from, on stderr; backtrace() may
 * allocate the first time (it loads libgcc), which is counted but never
 * the failing one again. */
FA_NOSAN static void trace_here(void)
{
	void *frames[32];
	int n = backtrace(frames, 32);
	static const char head[] = "failalloc: the failed allocation:\n";
	if (write(2, head, sizeof(head) - 1) > 0)
		backtrace_symbols_fd(frames, n, 2);
}

/* A thread's allocations count from its start routine on: what the
 * threading runtime allocates for it before (AddressSanitizer's thread
 * set-up calls pthread_getattr_np(), which allocates, and aborts when
 * that fails) is not the program's to handle.  The main thread counts
 * from the start; every other one goes through the pthread_create()
 * below. */
struct start {
	void *(*fn)(void *);
	void *arg;
};

FA_NOSAN static void *thread_start(void *p)
{
	struct start st = *(struct start *)p;
	free(p);
	thread_started = 1;
	return st.fn(st.arg);
}

/* 1 when this allocation is the one to fail. */
FA_NOSAN static int inject(const void *caller)
{
	if (!atomic_load_explicit(&armed, memory_order_relaxed) ||
	    !thread_started)
		return 0;
	unsigned long n = atomic_fetch_add(&counted, 1) + 1;
	if (atomic_load_explicit(&tallying, memory_order_relaxed))
		tally_add(caller);
	if (n != fail_at)
		return 0;
	atomic_store(&fired, 1);
	if (atomic_load(&tracing))
		trace_here();
	errno = ENOMEM;
	return 1;
}

/* ---- the allocator ---------------------------------------------------- */

FA_NOSAN static void *fa_malloc(size_t n, const void *caller)
{
	if (!real_malloc) {
		if (resolving)
			return boot_alloc(n);
		resolve();
	}
	return inject(caller) ? NULL : real_malloc(n);
}

FA_EXPORT void *malloc(size_t n)
{
	return fa_malloc(n, __builtin_return_address(0));
}

FA_EXPORT void *calloc(size_t nmemb, size_t size)
{
	if (!real_calloc) {
		if (resolving)
			return nmemb && size > SIZE_MAX / nmemb
				       ? NULL
				       : boot_alloc(nmemb * size);
		resolve();
	}
	return inject(__builtin_return_address(0)) ? NULL
						   : real_calloc(nmemb, size);
}

FA_EXPORT void free(void *p)
{
	if (!p || is_boot(p))
		return;
	if (!real_free)
		resolve();
	real_free(p);
}

FA_EXPORT void *realloc(void *p, size_t n)
{
	if (!real_realloc)
		resolve();
	if (is_boot(p)) {
		/* never seen in practice; copy what the block can hold */
		void *q = fa_malloc(n, __builtin_return_address(0));
		size_t room = (size_t)(boot + sizeof(boot) - (char *)p);
		if (q)
			memcpy(q, p, n < room ? n : room);
		return q;
	}
	return inject(__builtin_return_address(0)) ? NULL : real_realloc(p, n);
}

FA_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	if (nmemb && size > SIZE_MAX / nmemb) {
		errno = ENOMEM;
		return NULL;
	}
	if (!real_realloc)
		resolve();
	return inject(__builtin_return_address(0))
		       ? NULL
		       : real_realloc(p, nmemb * size);
}

FA_EXPORT int posix_memalign(void **ret, size_t align, size_t n)
{
	if (!real_posix_memalign)
		resolve();
	return inject(__builtin_return_address(0))
		       ? ENOMEM
		       : real_posix_memalign(ret, align, n);
}

FA_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (!real_aligned_alloc)
		resolve();
	return inject(__builtin_return_address(0))
		       ? NULL
		       : real_aligned_alloc(align, n);
}

FA_EXPORT void *memalign(size_t align, size_t n)
{
	if (!real_memalign)
		resolve();
	return inject(__builtin_return_address(0)) ? NULL
						   : real_memalign(align, n);
}

/* libc's own strdup allocates inside libc, but AddressSanitizer's
 * replacement of it does not come back here: define them as well. */
FA_EXPORT char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = fa_malloc(n, __builtin_return_address(0));
	return p ? memcpy(p, s, n) : NULL;
}

FA_EXPORT char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = fa_malloc(n + 1, __builtin_return_address(0));
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

FA_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *,
			   void *(*)(void *), void *);
	if (!real)
		*(void **)&real = next("pthread_create");
	/* counted and failed like any other: pthread_create() can fail */
	struct start *st = fa_malloc(sizeof(*st), __builtin_return_address(0));
	if (!st)
		return EAGAIN;
	st->fn = fn;
	st->arg = arg;
	int r = real(t, attr, thread_start, st);
	if (r != 0)
		free(st);
	return r;
}
