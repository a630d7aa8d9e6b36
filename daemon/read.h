/* Reading requests off a connection. */
#ifndef SEQPACKD_READ_H
#define SEQPACKD_READ_H

#include "conn.h"

/* Read what is there, dispatching each request as it completes, then
 * flush.  Returns -1 when c may have been freed. */
int conn_read(struct conn *c);

#endif
