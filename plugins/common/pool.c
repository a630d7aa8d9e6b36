#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

#define POOL_MAX 256

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
};

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
		if (--p->pending == 0)
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
	p->gen++;
	if (p->nthreads)
		pthread_cond_broadcast(&p->work);
	drain(p);
	while (p->pending)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
