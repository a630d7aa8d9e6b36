/* STREAM_OPEN, STREAM_PUSH, STREAM_FINISH and STREAM_CLOSE, and the
 * streams they keep open on a connection. */
#ifndef SEQPACKD_STREAMS_H
#define SEQPACKD_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"

struct stream_packer;

/* One stream slot of a connection: free (id 0), open, or lost. */
struct conn_stream {
	uint32_t id;
	seqpack_stream *s;          /* open, isolation = thread */
	int remote;                 /* open in the set's stream packer */
	int lost;                   /* was remote; its packer died */
	char alg[SEQPACK_NAME_MAX]; /* the plugin, for messages */
	struct sp_buf *out;         /* the reply of the job being served */
	uint64_t req;
	uint64_t held;              /* sequences pushed, not yet emitted */
};

/* The streams of one connection.  Only the worker running that
 * connection's stream lane touches them while it runs; the event loop
 * frees them once no job of the connection is left. */
struct stream_set {
	struct conn_stream *v;
	size_t n;
	uint32_t next_id;
	/* isolation = process: the process running this connection's
	 * stream plugins, from its first STREAM_OPEN to the set's free or
	 * the packer's death (then lost_why says how it died) */
	struct stream_packer *packer;
	char lost_why[256];
};

/* Drop every stream, and kill the stream packer (event loop). */
void stream_set_free(struct stream_set *set);

int handle_stream_open(struct job *j);
int handle_stream_push(struct job *j);
/* STREAM_FINISH (finish) or STREAM_CLOSE. */
int handle_stream_end(struct job *j, int finish);

#endif
