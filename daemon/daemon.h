/* Shared types of seqpackd: connections (owned by the event loop thread)
 * and jobs (one complete request, handed to a worker and back). */
#ifndef SEQPACKD_DAEMON_H
#define SEQPACKD_DAEMON_H

#include <stdint.h>
#include <sys/socket.h>

#include <seqpack/seqpack.h>

#include "config.h"
#include "proto.h"
#include "shm.h"

struct conn;

struct job {
	struct job *next;
	struct conn *conn;
	struct sp_header h;
	uint8_t *payload;
	size_t len;
	seqpack_registry *reg;      /* reference taken at dispatch */
	const struct config *cfg;
	uint64_t t0;                /* when the request was complete */
	struct sp_buf reply;        /* events and the reply, ready to send */
	int lane;                   /* a stream request: serialised per conn */
	struct shm_region *shm;     /* PACK_SHM: the region it was sent on */
};

/* A stream open on a connection.  Only the worker running that
 * connection's stream lane touches these. */
struct conn_stream {
	uint32_t id;
	seqpack_stream *s;
	struct sp_buf *out;         /* the job being served */
	uint64_t req;
};

struct outbuf {
	struct outbuf *next;
	uint8_t *data;
	size_t len, off;
};

struct conn {
	struct conn *prev, *next;
	uint64_t serial;            /* for logs */
	int fd;                     /* -1 once closed */
	int closing;                /* read no more; close once flushed */
	unsigned events;            /* epoll mask in force */
	struct ucred cred;

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

	unsigned inflight;          /* jobs dispatched, not yet back */
	size_t inflight_bytes;      /* their payloads */
	struct job *lane_head, *lane_tail;
	int lane_busy;

	struct shm_region *shm;     /* attached with SHM_ATTACH, or NULL */

	struct outbuf *out_head, *out_tail;
	size_t out_bytes;

	/* worker side (stream lane) */
	struct conn_stream *streams;
	size_t nstreams;
	uint32_t next_stream;
};

/* handle.c: run one job on a worker; fills job->reply. */
struct worker;
struct worker *worker_new(void);
void worker_free(struct worker *w);
void handle_job(struct worker *w, struct job *j);
/* Free every stream of a connection (event loop, once no job runs). */
void conn_streams_free(struct conn *c);

/* pool.c: the worker threads. */
int pool_start(unsigned threads, int notify_fd);
void pool_submit(struct job *j);
/* Take every finished job (a list, oldest first). */
struct job *pool_take_done(void);
void pool_stop(void);

/* access.c */
int access_allowed(const struct config *c, const struct ucred *cr);

/* server.c */
int server_run(struct config *cfg);


#endif
