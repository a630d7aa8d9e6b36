/* The worker threads that run jobs. */
#ifndef SEQPACKD_POOL_H
#define SEQPACKD_POOL_H

#include "job.h"

/* Start threads workers; each finished job is listed for
 * pool_take_done() and notify_fd (an eventfd) is written when the list
 * stops being empty.  On failure, pool_stop() joins those started. */
int pool_start(unsigned threads, int notify_fd);
void pool_submit(struct job *j);
/* Take every finished job (a list, oldest first). */
struct job *pool_take_done(void);
/* Let the workers finish the jobs queued, then join them. */
void pool_stop(void);

#endif
