/* SHM_ATTACH, answered on the event loop thread. */
#ifndef SEQPACKD_ATTACH_H
#define SEQPACKD_ATTACH_H

#include "conn.h"
#include "request.h"

/* Map the memfd that came with q as c's region and queue the reply. */
void attach_shm(struct conn *c, struct request *q);

#endif
