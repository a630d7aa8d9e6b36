/* The connections, owned by the event loop thread: the table of them,
 * each one's request being read, its reply bytes waiting to be sent,
 * its jobs in flight, and its lifecycle (open, closing, closed, freed
 * once its last job is back). */
#ifndef SEQPACKD_CONN_H
#define SEQPACKD_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <seqpack/seqpack.h>

#include "budget.h"
#include "config.h"
#include "job.h"
#include "pool.h"
#include "proto.h"
#include "shm.h"
#include "streams.h"

struct outbuf;

/* Every connection, open or closed but still owed jobs, and what they
 * all share. */
struct conn_table {
	struct conn *head;
	unsigned n;                 /* in the list */
	unsigned live;              /* with an open socket */
	uint64_t serial;            /* of the newest, for logs */
	int ep;                     /* the epoll set sockets are in */
	const struct config *cfg;   /* limits */
	seqpack_registry *reg;      /* what new requests run on; each job
				     * holds its own reference */
	int stopping;               /* no new connections; each socket's
				     * read side is shut (conns_stop()) */
	struct conn *dead;          /* freed, to be reaped after the event
				     * batch (conns_reap()) */
	struct budget budget;       /* bytes held for all connections */
};

struct conn {
	struct conn_table *tab;
	struct conn *prev, *next;
	uint64_t serial;            /* for logs */
	int fd;                     /* -1 once closed */
	int closing;                /* read no more; close once flushed */
	unsigned events;            /* epoll mask in force */
	struct ucred cred;
	struct budget_share *share; /* its UID's, from conn_add() on */

	/* the message being read */
	uint8_t hdr[SP_HEADER_SIZE];
	size_t hdr_have;
	int in_payload;
	struct sp_header h;
	uint8_t *payload;
	size_t pay_have, pay_cap;
	uint64_t msg_start_ms;      /* first byte of it arrived; 0 = none */
	int rx_fd;                  /* descriptor that came with it, or -1 */
	int rx_bad;                 /* more than one came, or one was lost */
	uint64_t last_ms;           /* last progress either way */
	uint64_t reserved;          /* budget held for that payload */
	int budget_wait;            /* its payload does not fit: not read
				     * until budget is given back */

	unsigned inflight;          /* jobs dispatched, not yet back */
	size_t inflight_bytes;      /* their payloads */
	struct job_queue lane;      /* stream jobs waiting for the lane */
	int lane_busy;
	struct pool_flow flow;      /* its jobs waiting for a worker */

	struct shm_region *shm;     /* attached with SHM_ATTACH, or NULL */

	struct outbuf *out_head, *out_tail;
	size_t out_bytes;

	/* touched only by the job holding the stream lane */
	struct stream_set streams;
};

/* A connection for socket fd (not yet in any table); NULL when out of
 * memory.  It does not own fd until conn_add() succeeds. */
struct conn *conn_new(int fd, const struct ucred *cr);
/* Put c in t and in t's epoll set; -1 (logged) when its UID already
 * has max-clients-per-uid connections (the client is told so), out of
 * memory, or when epoll refuses. */
int conn_add(struct conn_table *t, struct conn *c);

/* Whether c may be read from now. */
int conn_want_read(const struct conn *c);
/* Hold the payload announced by c's header against the budget: 0 when
 * held, -1 when it does not fit now (c is not read until it does). */
int conn_reserve(struct conn *c);
/* Give n bytes of c's back to the budget, and resume the connections
 * waiting for them that now fit. */
void conn_give(struct conn *c, uint64_t n);
/* Forget the request being read, and any descriptor that came with it. */
void conn_drop_partial(struct conn *c);
/* Queue b (taken, even on failure) to be sent. */
void conn_queue(struct conn *c, struct sp_buf *b);
/* Send what can be sent, and close a closing connection once all is
 * out.  Returns 0, or -1 when c was freed. */
int conn_flush(struct conn *c);
/* An error about the framing itself: reply if we can, then close. */
void conn_fail(struct conn *c, uint16_t type, uint64_t id, int status,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Close the socket now; c is freed at once when no job is in flight,
 * otherwise when conn_free() is called for the last one back. */
void conn_kill(struct conn *c);
/* Free a closed connection whose jobs are all back: out of the table
 * now, its memory at the next conns_reap(), so that a pointer to it in
 * the current event batch stays valid (and says fd -1). */
void conn_free(struct conn *c);

/* Once t->stopping is set: shut each socket's read side, so that what
 * the peer sent before is still read and answered and nothing after;
 * each connection closes at the EOF that follows, once its replies are
 * out. */
void conns_stop(struct conn_table *t);
/* Close every connection now. */
void conns_kill(struct conn_table *t);
/* Free the connections conn_free() left for after the event batch. */
void conns_reap(struct conn_table *t);

#endif
