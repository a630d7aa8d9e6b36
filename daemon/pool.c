/* The worker pool: a FIFO of jobs, N threads, and a list of finished
 * jobs handed back to the event loop through an eventfd.  Workers never
 * touch a connection: the event loop owns those. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handle.h"
#include "log.h"
#include "pack.h"
#include "pool.h"
#include "util/cleanup-internal.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job_queue todo, done;
	int stop;
	int notify_fd;
	pthread_t *threads;
	unsigned n;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

UTIL_DEFINE_CLEANUP(struct pack_ws *, pack_ws_free)

static void *worker_main(void *arg)
{
	_cleanup_(pack_ws_freep) struct pack_ws *ws = arg;
	for (;;) {
		pthread_mutex_lock(&P.lock);
		while (job_queue_empty(&P.todo) && !P.stop)
			pthread_cond_wait(&P.cond, &P.lock);
		struct job *j = job_queue_pop(&P.todo);
		pthread_mutex_unlock(&P.lock);
		if (!j)
			break;

		j->next = NULL;
		handle_job(ws, j);

		pthread_mutex_lock(&P.lock);
		int was_empty = job_queue_empty(&P.done);
		job_queue_push(&P.done, j);
		pthread_mutex_unlock(&P.lock);
		if (was_empty) {
			uint64_t one = 1;
			ssize_t r = write(P.notify_fd, &one, sizeof(one));
			(void)r; /* the counter cannot overflow at our rate */
		}
	}
	return NULL;
}

int pool_start(unsigned threads, int notify_fd)
{
	P.notify_fd = notify_fd;
	P.threads = calloc(threads, sizeof(*P.threads));
	if (!P.threads)
		return -1;
	for (unsigned i = 0; i < threads; i++) {
		_cleanup_(pack_ws_freep) struct pack_ws *ws = pack_ws_new();
		if (!ws)
			return -1;
		int r = pthread_create(&P.threads[i], NULL, worker_main, ws);
		if (r != 0) {
			log_err("cannot start worker thread: %s", strerror(r));
			return -1;
		}
		TAKE_PTR(ws); /* the thread's now */
		P.n++;
	}
	return 0;
}

void pool_submit(struct job *j)
{
	pthread_mutex_lock(&P.lock);
	job_queue_push(&P.todo, j);
	pthread_cond_signal(&P.cond);
	pthread_mutex_unlock(&P.lock);
}

struct job *pool_take_done(void)
{
	pthread_mutex_lock(&P.lock);
	struct job *j = job_queue_take(&P.done);
	pthread_mutex_unlock(&P.lock);
	return j;
}

void pool_stop(void)
{
	pthread_mutex_lock(&P.lock);
	P.stop = 1;
	pthread_cond_broadcast(&P.cond);
	pthread_mutex_unlock(&P.lock);
	for (unsigned i = 0; i < P.n; i++)
		pthread_join(P.threads[i], NULL);
	free(P.threads);
	P.threads = NULL;
	P.n = 0;
}
