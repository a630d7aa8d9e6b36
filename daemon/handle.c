/* Running a job on a worker: its handler by message type, a short error
 * in place of a reply that ran out of memory, then the log line and the
 * statistics every request gets.  The handlers decode their payloads
 * with the bounds-checked reader (lib/proto.h). */
#include <stdlib.h>

#include "busy.h"
#include "handle.h"
#include "info.h"
#include "log.h"
#include "pack.h"
#include "reply.h"
#include "stats.h"
#include "streams.h"
#include "util/clock-internal.h"

void handle_job(struct pack_ws *ws, struct job *j)
{
	const char *algo = NULL;
	int rc;
	busy_begin();
	switch (j->h.type) {
	case SP_HELLO: rc = handle_hello(j); break;
	case SP_LIST: rc = handle_list(j); break;
	case SP_PACK: rc = handle_pack(ws, j, &algo); break;
	case SP_PACK_SHM: rc = handle_pack_shm(ws, j, &algo); break;
	case SP_STATS: rc = handle_stats(j); break;
	case SP_STREAM_OPEN: rc = handle_stream_open(j); break;
	case SP_STREAM_PUSH: rc = handle_stream_push(j); break;
	case SP_STREAM_FINISH: rc = handle_stream_end(j, 1); break;
	case SP_STREAM_CLOSE: rc = handle_stream_end(j, 0); break;
	default:
		rc = reply_errorf(j, SEQPACK_ERR_PROTOCOL,
				  "unknown message type %u", j->h.type);
		break;
	}
	if (j->reply.oom) {
		/* Out of memory while building the reply: send a short error
		 * instead, built in a fresh buffer. */
		sp_buf_free(&j->reply);
		rc = reply_error(j, SEQPACK_ERR_NOMEM,
				 "out of memory building the reply");
	}
	if (rc != SEQPACK_OK)
		log_debug("connection %llu: %s request %llu failed: %s",
			  (unsigned long long)j->serial,
			  sp_type_name(j->h.type),
			  (unsigned long long)j->h.id,
			  seqpack_strerror(rc));
	busy_end();
	stats_request(j->h.type, algo, rc != SEQPACK_OK, util_now_ns() - j->t0);
	/* The payload is done with: free it here rather than on the event
	 * loop thread. */
	free(j->payload);
	j->payload = NULL;
}
