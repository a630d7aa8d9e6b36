/* Where a complete request goes, and where its job comes back. */
#ifndef SEQPACKD_DISPATCH_H
#define SEQPACKD_DISPATCH_H

#include "conn.h"
#include "job.h"
#include "request.h"

/* Answer q on the spot (SHM_ATTACH, refusals) or hand it to the pool as
 * a job; takes what q owns that it keeps.  Returns 1 when q became a job
 * (which then holds its payload's budget), 0 when it was answered. */
int dispatch_request(struct conn *c, struct request *q);
/* A job is back from the pool: queue its reply, start the next one of
 * its stream lane, free it.  Returns its connection when that is still
 * open and may be read from again, or NULL. */
struct conn *dispatch_finished(struct job *j);

#endif
