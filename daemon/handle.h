/* Running one job on a worker thread. */
#ifndef SEQPACKD_HANDLE_H
#define SEQPACKD_HANDLE_H

#include "job.h"

struct pack_ws;

/* Answer j into j->reply (whatever happens there is one reply), count
 * it, and free its payload. */
void handle_job(struct pack_ws *ws, struct job *j);

#endif
