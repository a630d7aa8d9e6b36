/* The worker pool: a FIFO of jobs, N threads, and a list of finished
 * jobs handed back to the event loop through an eventfd.  Workers never
 * touch a connection: the event loop owns those. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	struct job *done_head, *done_tail;
	int stop;
	int notify_fd;
	pthread_t *threads;
	unsigned n;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&P.lock);
		while (!P.head && !P.stop)
			pthread_cond_wait(&P.cond, &P.lock);
		struct job *j = P.head;
		if (!j) {
			pthread_mutex_unlock(&P.lock);
			break;
		}
		P.head = j->next;
		if (!P.head)
			P.tail = NULL;
		pthread_mutex_unlock(&P.lock);

		j->next = NULL;
		handle_job(w, j);

		pthread_mutex_lock(&P.lock);
		int was_empty = P.done_head == NULL;
		if (P.done_tail)
			P.done_tail->next = j;
		else
			P.done_head = j;
		P.done_tail = j;
		pthread_mutex_unlock(&P.lock);
		if (was_empty) {
			uint64_t one = 1;
			ssize_t r = write(P.notify_fd, &one, sizeof(one));
			(void)r; /* the counter cannot overflow at our rate */
		}
	}
	worker_free(w);
	return NULL;
}

int pool_start(unsigned threads, int notify_fd)
{
	P.notify_fd = notify_fd;
	P.threads = calloc(threads, sizeof(*P.threads));
	if (!P.threads)
		return -1;
	for (unsigned i = 0; i < threads; i++) {
		struct worker *w = worker_new();
		if (!w)
			return -1;
		int r = pthread_create(&P.threads[i], NULL, worker_main, w);
		if (r != 0) {
			worker_free(w);
			log_err("cannot start worker thread: %s", strerror(r));
			return -1;
		}
		P.n++;
	}
	return 0;
}

void pool_submit(struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&P.lock);
	if (P.tail)
		P.tail->next = j;
	else
		P.head = j;
	P.tail = j;
	pthread_cond_signal(&P.cond);
	pthread_mutex_unlock(&P.lock);
}

struct job *pool_take_done(void)
{
	pthread_mutex_lock(&P.lock);
	struct job *j = P.done_head;
	P.done_head = P.done_tail = NULL;
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
