/* The worker threads that run jobs, and the order they take them in. */
#ifndef SEQPACKD_POOL_H
#define SEQPACKD_POOL_H

#include <stdint.h>

#include "job.h"

/* The jobs of one connection waiting for a worker.  Zeroed with the
 * connection; touched only by the pool, under its lock, once a job was
 * submitted on it.  It must outlive its jobs (a connection lives until
 * its last job is back). */
struct pool_flow {
	struct pool_flow *next;     /* in the pool's list of flows waiting */
	struct job_queue q;
	uint64_t start;             /* virtual start of its oldest job */
	uint64_t finish;            /* virtual end of its last job taken */
	int listed;
};

/* Start threads workers; each finished job is listed for
 * pool_take_done() and notify_fd (an eventfd) is written when the list
 * stops being empty.  On failure, pool_stop() joins those started. */
int pool_start(unsigned threads, int notify_fd);
/* Queue j on flow f.  Jobs of one flow run in order; flows share the
 * workers fairly by bytes (see pool.c). */
void pool_submit(struct pool_flow *f, struct job *j);
/* Take every finished job (a list, oldest first). */
struct job *pool_take_done(void);
/* Let the workers finish the jobs queued, then join them. */
void pool_stop(void);

#endif
