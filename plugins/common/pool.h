/* A small fixed thread pool for parallel plugins: run(fn, ntasks) hands
 * tasks 0 .. ntasks-1 to the workers and the calling thread, and returns
 * when all are done.  Threads are created once (grown on demand) and live
 * until pool_free, so a plugin state that owns a pool pays no thread
 * creation per call.
 *
 * Every hand-off goes through a mutex and two condition variables, but a
 * thread that would sleep first watches an atomic hint for a short while
 * (POOL_SPIN_NS): waking a sleeping thread costs tens of microseconds to
 * milliseconds on a VM, and a plugin calls run() a few times per call and
 * is itself called back to back.  The hint is only a hint: tasks are
 * still taken, and completion still checked, under the mutex. */
#ifndef SEQPACK_PLUGINS_POOL_H
#define SEQPACK_PLUGINS_POOL_H

typedef void (*pool_task_fn)(void *arg, unsigned task);

struct pool;

/* An empty pool (no threads yet), or NULL when out of memory. */
struct pool *pool_new(void);

/* Make sure at least `workers` threads exist besides the caller.
 * Returns the number that exist (may be fewer if creation failed). */
unsigned pool_reserve(struct pool *p, unsigned workers);

/* Run fn(arg, t) for t in 0 .. ntasks-1 on the workers and the caller;
 * blocks until every task has finished.  Which thread runs which task is
 * not fixed (the caller runs them all if no worker comes), so results must
 * depend on t only.  Not reentrant: one run at a time per pool. */
void pool_run(struct pool *p, pool_task_fn fn, void *arg, unsigned ntasks);

/* Stop and join every thread, then free.  Accepts NULL. */
void pool_free(struct pool *p);

#endif
