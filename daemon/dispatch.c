/* Routing complete requests: SHM_ATTACH is answered on the event loop,
 * malformed ones are refused there, the rest become jobs for the pool.
 * Stream requests of one connection form a lane that runs one job at a
 * time, in order, since they share the connection's streams. */
#include <stdio.h>
#include <stdlib.h>

#include "attach.h"
#include "dispatch.h"
#include "pool.h"
#include "stats.h"
#include "util/clock-internal.h"

static int is_lane(uint16_t type)
{
	return type >= SP_STREAM_OPEN && type <= SP_STREAM_CLOSE;
}

/* The framing is intact, so the connection can go on. */
static void refuse(struct conn *c, const struct sp_header *h,
		   const char *msg)
{
	struct sp_buf b = {0};
	sp_put_error(&b, h->type | SP_REPLY, h->id, SEQPACK_ERR_PROTOCOL, msg);
	conn_queue(c, &b);
	stats_request(h->type <= SP_TYPE_MAX_ ? h->type : 0, NULL, 1, 0);
}

int dispatch_request(struct conn *c, struct request *q)
{
	const struct sp_header *h = &q->h;
	char msg[96];
	if (h->flags == 0 && h->type == SP_SHM_ATTACH) {
		attach_shm(c, q);
		return 0;
	}
	if (q->fd >= 0 || q->fd_bad) {
		/* Only SHM_ATTACH takes a descriptor; whatever else came with
		 * one is refused, so the client learns of its mistake. */
		snprintf(msg, sizeof(msg),
			 "unexpected file descriptor with a %s request",
			 sp_type_name(h->type));
		refuse(c, h, msg);
		return 0;
	}
	if (h->flags != 0 || h->type == 0 || h->type > SP_TYPE_MAX_) {
		if (h->flags)
			snprintf(msg, sizeof(msg),
				 "unknown header flags 0x%x (must be 0)",
				 h->flags);
		else
			snprintf(msg, sizeof(msg), "unknown message type %u",
				 h->type);
		refuse(c, h, msg);
		return 0;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		request_clear(q);
		conn_fail(c, h->type | SP_REPLY, h->id, SEQPACK_ERR_NOMEM,
			  "out of memory");
		return 0;
	}
	j->conn = c;
	j->serial = c->serial;
	j->h = *h;
	j->payload = TAKE_PTR(q->payload);
	j->len = q->len;
	j->reg = seqpack_registry_ref(c->tab->reg);
	j->cfg = c->tab->cfg;
	j->t0 = util_now_ns();
	j->lane = is_lane(h->type);
	if (j->lane)
		j->streams = &c->streams;
	if (h->type == SP_PACK_SHM)
		j->shm = shm_ref(c->shm);
	c->inflight++;
	c->inflight_bytes += j->len;
	if (!j->lane) {
		pool_submit(&c->flow, j);
	} else if (c->lane_busy) {
		job_queue_push(&c->lane, j);
	} else {
		c->lane_busy = 1;
		pool_submit(&c->flow, j);
	}
	return 1;
}

struct conn *dispatch_finished(struct job *j)
{
	struct conn *c = j->conn;
	c->inflight--;
	c->inflight_bytes -= j->len;
	if (j->lane) {
		c->lane_busy = 0;
		struct job *q = job_queue_pop(&c->lane);
		if (q) {
			c->lane_busy = 1;
			pool_submit(&c->flow, q);
		}
	}
	if (c->fd >= 0)
		conn_queue(c, &j->reply);
	/* after the reply is counted, so the connection's bytes never
	 * look lower than they are */
	uint64_t held = j->len;
	job_free(j);
	conn_give(c, held);
	if (c->fd < 0) {
		if (c->inflight == 0)
			conn_free(c);
		return NULL;
	}
	if (conn_flush(c) != 0 || c->fd < 0)
		return NULL;
	return c;
}
