/* Deadlines of the connections: a whole request must arrive within
 * read-timeout of its first byte; a connection with nothing in flight,
 * or whose client does not read its replies, is closed after
 * idle-timeout. */
#include "log.h"
#include "stats.h"
#include "timeout.h"

uint64_t timeouts_check(struct conn_table *tab, uint64_t t)
{
	uint64_t next = UINT64_MAX;
	const struct config *cfg = tab->cfg;
	for (struct conn *c = tab->head, *nx; c; c = nx) {
		nx = c->next;
		if (c->fd < 0)
			continue;
		if (c->msg_start_ms) {
			uint64_t dl = c->msg_start_ms + cfg->read_timeout_ms;
			if (t >= dl) {
				/* with its header in, the error answers it */
				int hdr = c->hdr_have == SP_HEADER_SIZE;
				uint16_t type = hdr ? c->h.type | SP_REPLY
						    : SP_ERROR;
				stats_timed_out();
				conn_fail(c, type, hdr ? c->h.id : 0,
					  SEQPACK_ERR_TIMEOUT,
					  "request not received within read-timeout (%.3f s)",
					  cfg->read_timeout_ms / 1000.0);
				if (conn_flush(c) != 0)
					continue;
			} else if (dl < next) {
				next = dl;
			}
		}
		uint64_t dl = c->last_ms + cfg->idle_timeout_ms;
		/* waiting for the memory budget is not idling */
		int idle = c->inflight == 0 && !c->msg_start_ms &&
			   !c->budget_wait;
		if ((idle || c->out_head) && t >= dl) {
			if (c->out_head || c->closing) {
				log_info("connection %llu: client stopped reading its replies; closing",
					 (unsigned long long)c->serial);
				conn_kill(c);
			} else {
				struct sp_buf b = {0};
				sp_put_error(&b, SP_ERROR, 0,
					     SEQPACK_ERR_TIMEOUT,
					     "connection idle for idle-timeout; closing");
				conn_queue(c, &b);
				stats_timed_out();
				c->closing = 1;
				c->last_ms = t;
				conn_flush(c);
			}
		} else if ((idle || c->out_head) && dl < next) {
			next = dl;
		}
	}
	return next;
}
