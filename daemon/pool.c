/* The worker pool: N threads, the flows of jobs waiting for them (one
 * per connection), and a list of finished jobs handed back to the event
 * loop through an eventfd.  Workers never touch a connection: the event
 * loop owns those.
 *
 * Order: start-time fair queueing across flows.  A job costs its payload
 * bytes plus JOB_COST; a flow's next job starts, in virtual time, where
 * its previous one ended, or now when the flow was idle; a free worker
 * takes the job that starts first.  With one FIFO, 4 clients looping
 * 16.7M-length PACKs pushed a small client's latency from 0.44 ms to
 * p50 6.5 s / p99 9.6 s; now a request of a flow that has not had more
 * than its share starts before the next job of a flow that has, so it
 * waits only for the jobs the workers are running: at most one large
 * one per worker. */
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
	struct pool_flow *flows;    /* with jobs waiting */
	uint64_t vtime;             /* start of the last job taken */
	struct job_queue done;
	int stop;
	int notify_fd;
	pthread_t *threads;
	unsigned n;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* What every job costs on top of its payload, so that a flow of empty
 * requests (HELLO, STATS) is not free. */
#define JOB_COST 4096u

UTIL_DEFINE_CLEANUP(struct pack_ws *, pack_ws_free)

/* The job that starts first, taken off its flow; NULL when none
 * waits.  Under P.lock.  Linear in the flows waiting: at most
 * max-clients, and a job runs for far longer than the scan. */
static struct job *take_next(void)
{
	struct pool_flow **best = NULL;
	for (struct pool_flow **p = &P.flows; *p; p = &(*p)->next)
		if (!best || (*p)->start < (*best)->start)
			best = p;
	if (!best)
		return NULL;
	struct pool_flow *f = *best;
	struct job *j = job_queue_pop(&f->q);
	P.vtime = f->start;
	f->finish = f->start + j->len + JOB_COST;
	f->start = f->finish;
	if (job_queue_empty(&f->q)) {
		*best = f->next;
		f->next = NULL;
		f->listed = 0;
	}
	return j;
}

static void *worker_main(void *arg)
{
	_cleanup_(pack_ws_freep) struct pack_ws *ws = arg;
	for (;;) {
		pthread_mutex_lock(&P.lock);
		while (!P.flows && !P.stop)
			pthread_cond_wait(&P.cond, &P.lock);
		struct job *j = take_next();
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

void pool_submit(struct pool_flow *f, struct job *j)
{
	pthread_mutex_lock(&P.lock);
	job_queue_push(&f->q, j);
	if (!f->listed) {
		/* idle until now: it starts now, not where it left off */
		f->start = f->finish > P.vtime ? f->finish : P.vtime;
		f->next = P.flows;
		P.flows = f;
		f->listed = 1;
	}
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
