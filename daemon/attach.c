/* SHM_ATTACH: map the memfd a client sends as its connection's region.
 * Answered on the event loop rather than on a worker so that every
 * request read after it on the connection sees the new region. */
#include <stdio.h>

#include "attach.h"
#include "log.h"
#include "stats.h"
#include "util/clock-internal.h"

void attach_shm(struct conn *c, struct request *q)
{
	const struct sp_header *h = &q->h;
	uint64_t t0 = util_now_ns();
	char msg[256];
	int rc;
	if (q->len != 8) {
		snprintf(msg, sizeof(msg),
			 "malformed shm_attach request: payload of %zu bytes does not match its fields",
			 q->len);
		rc = SEQPACK_ERR_PROTOCOL;
	} else if (q->fd_bad == 2 && q->fd < 0) {
		snprintf(msg, sizeof(msg),
			 "the shm_attach descriptor was lost (the daemon is out of file descriptors)");
		rc = SEQPACK_ERR_LIMIT;
	} else if (q->fd < 0 || q->fd_bad) {
		snprintf(msg, sizeof(msg),
			 "shm_attach needs exactly one file descriptor (SCM_RIGHTS), sent with the request's first byte");
		rc = SEQPACK_ERR_PROTOCOL;
	} else {
		struct sp_rd r;
		sp_rd_init(&r, q->payload, q->len);
		uint64_t size = sp_get_u64(&r);
		uint64_t limit = (uint64_t)SP_SHM_MAX_FACTOR *
				 c->tab->cfg->max_request_bytes;
		struct shm_region *reg;
		/* shm_map() closes the descriptor whatever happens */
		rc = shm_map(TAKE_FD(q->fd), size, limit, &reg, msg,
			     sizeof(msg));
		if (rc == SEQPACK_OK) {
			shm_unref(c->shm);
			c->shm = reg;
		}
	}
	struct sp_buf b = {0};
	if (rc == SEQPACK_OK) {
		size_t off = sp_begin(&b, h->type | SP_REPLY, h->id);
		sp_put_u32(&b, SEQPACK_OK);
		sp_end(&b, off);
	} else {
		log_debug("connection %llu: shm_attach request %llu failed: %s",
			  (unsigned long long)c->serial,
			  (unsigned long long)h->id, msg);
		sp_put_error(&b, h->type | SP_REPLY, h->id, rc, msg);
	}
	conn_queue(c, &b);
	stats_request(h->type, NULL, rc != SEQPACK_OK, util_now_ns() - t0);
}
