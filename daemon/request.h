/* A request as it comes off a connection, complete, before it is
 * answered on the event loop or becomes a job: it owns its payload and
 * the descriptor that came with it, released by scope. */
#ifndef SEQPACKD_REQUEST_H
#define SEQPACKD_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proto.h"
#include "util/cleanup-internal.h"

struct request {
	struct sp_header h;
	uint8_t *payload;
	size_t len;
	int fd;                     /* came with it (SCM_RIGHTS), or -1 */
	int fd_bad;                 /* 1: more than one came; 2: lost */
};

static inline void request_clear(struct request *q)
{
	free(q->payload);
	q->payload = NULL;
	util_closep(&q->fd);
	q->fd = -1;
}

#define _cleanup_request_ _cleanup_(request_clear)

#endif
