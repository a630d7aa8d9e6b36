/* A job: one complete request, handed by the event loop to a worker and
 * back with its reply.  It carries everything its handler needs, so a
 * worker never looks at the connection it came from nor at the event
 * loop's state; and the FIFO that jobs wait in (the pool's queues, a
 * connection's stream lane). */
#ifndef SEQPACKD_JOB_H
#define SEQPACKD_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

#include "config.h"
#include "proto.h"
#include "shm.h"

struct conn;
struct stream_set;

struct job {
	struct job *next;
	struct conn *conn;          /* the event loop's, never a worker's */
	uint64_t serial;            /* of that connection, for logs */
	struct sp_header h;
	uint8_t *payload;
	size_t len;
	seqpack_registry *reg;      /* reference taken at dispatch */
	const struct config *cfg;
	uint64_t t0;                /* when the request was complete */
	struct sp_buf reply;        /* events and the reply, ready to send */
	int lane;                   /* a stream request: serialised per conn */
	struct stream_set *streams; /* lane jobs: the connection's streams */
	struct shm_region *shm;     /* PACK_SHM: the region it was sent on */
};

/* Release a job and the references it holds. */
void job_free(struct job *j);

struct job_queue {
	struct job *head, *tail;
};

static inline int job_queue_empty(const struct job_queue *q)
{
	return q->head == NULL;
}

static inline void job_queue_push(struct job_queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

/* The oldest job, or NULL. */
static inline struct job *job_queue_pop(struct job_queue *q)
{
	struct job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
	}
	return j;
}

/* Take every job at once, as a list linked by next, oldest first. */
static inline struct job *job_queue_take(struct job_queue *q)
{
	struct job *j = q->head;
	q->head = q->tail = NULL;
	return j;
}

#endif
