/* The thread pool of the parallel plugins (see pool.h). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

/* The hints are C11 atomics, which helgrind does not model: tell it their
 * unlocked reads are meant (a no-op outside valgrind). */
#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#include "util/clock-internal.h"
#define POOL_BENIGN(x) VALGRIND_HG_DISABLE_CHECKING(&(x), sizeof(x))
#endif
#endif
#ifndef POOL_BENIGN
#define POOL_BENIGN(x) ((void)0)
#endif

#define POOL_MAX 256
/* How long a thread that would sleep watches for its wake-up first:
 * longer than the serial work between two runs of one plugin call and
 * between two calls (the core's checks and metrics, about 0.5 ms at
 * n = 10^6), short enough that an idle pool costs nothing measurable. */
#define POOL_SPIN_NS 2000000u
/* The first part of the spin is plain; see spin_over. */
#define POOL_PURE_NS 100000u

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a new generation or stop */
	pthread_cond_t done;  /* the last task of a generation finished */
	pthread_t tid[POOL_MAX];
	unsigned nthreads;
	unsigned long gen;    /* bumped by each run */
	int stop;
	pool_task_fn fn;
	void *arg;
	unsigned ntasks, next, pending;
	/* Copies of gen and pending, written under mu, read without it by
	 * threads spinning before they sleep. */
	atomic_ulong gen_hint;
	atomic_uint pending_hint;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* After POOL_PURE_NS a spinning thread also yields between checks of the
 * clock: when the machine has fewer free CPUs than threads, the thread it
 * waits for may be queued on its own CPU, and a plain spin would hold that
 * CPU for the whole POOL_SPIN_NS.  Not from the start: yielding to another
 * process can cost a whole time slice, and on a quiet machine the wait is
 * a few microseconds. */
static int spin_over(uint64_t start)
{
	uint64_t now = util_now_ns();
	if (now - start > POOL_PURE_NS)
		sched_yield();
	return now - start > POOL_SPIN_NS;
}

/* Wait (without the mutex) until *v != old or POOL_SPIN_NS have passed. */
static void spin_gen(const atomic_ulong *v, unsigned long old)
{
	uint64_t start = util_now_ns();
	do {
		for (unsigned i = 0; i < 64; i++) {
			if (atomic_load_explicit(v, memory_order_relaxed) != old)
				return;
			relax();
		}
	} while (!spin_over(start));
}

/* Wait (without the mutex) until *v == 0 or POOL_SPIN_NS have passed. */
static void spin_zero(const atomic_uint *v)
{
	uint64_t start = util_now_ns();
	do {
		for (unsigned i = 0; i < 64; i++) {
			if (atomic_load_explicit(v, memory_order_relaxed) == 0)
				return;
			relax();
		}
	} while (!spin_over(start));
}

/* Take and run tasks of the current generation until none is left.
 * Called with mu held; returns with mu held. */
static void drain(struct pool *p)
{
	while (p->next < p->ntasks) {
		unsigned t = p->next++;
		pool_task_fn fn = p->fn;
		void *arg = p->arg;
		pthread_mutex_unlock(&p->mu);
		fn(arg, t);
		pthread_mutex_lock(&p->mu);
		--p->pending;
		atomic_store_explicit(&p->pending_hint, p->pending,
				      memory_order_relaxed);
		if (p->pending == 0)
			pthread_cond_broadcast(&p->done);
	}
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		/* Help with a run already under way when this thread
		 * started, then wait for the next one. */
		unsigned long seen = p->gen;
		drain(p);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		spin_gen(&p->gen_hint, seen);
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *pool_new(void)
{
	struct pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	atomic_init(&p->gen_hint, 0);
	atomic_init(&p->pending_hint, 0);
	POOL_BENIGN(p->gen_hint);
	POOL_BENIGN(p->pending_hint);
	if (pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->work, NULL)) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->done, NULL)) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

unsigned pool_reserve(struct pool *p, unsigned workers)
{
	if (workers > POOL_MAX)
		workers = POOL_MAX;
	pthread_mutex_lock(&p->mu);
	while (p->nthreads < workers) {
		if (pthread_create(&p->tid[p->nthreads], NULL, worker, p))
			break;
		p->nthreads++;
	}
	unsigned n = p->nthreads;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void pool_run(struct pool *p, pool_task_fn fn, void *arg, unsigned ntasks)
{
	if (ntasks == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	p->next = 0;
	p->pending = ntasks;
	atomic_store_explicit(&p->pending_hint, ntasks, memory_order_relaxed);
	p->gen++;
	atomic_store_explicit(&p->gen_hint, p->gen, memory_order_relaxed);
	if (p->nthreads)
		pthread_cond_broadcast(&p->work);
	drain(p);
	if (p->pending) {
		pthread_mutex_unlock(&p->mu);
		spin_zero(&p->pending_hint);
		pthread_mutex_lock(&p->mu);
		while (p->pending)
			pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	/* Spinning threads see this and come for the mutex at once. */
	atomic_store_explicit(&p->gen_hint, p->gen + 1, memory_order_relaxed);
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
