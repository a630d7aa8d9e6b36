/* HELLO (versions and limits), LIST (the algorithms) and STATS, answered
 * from what the job carries: its configuration and its registry. */
#include "info.h"
#include "reply.h"
#include "stats.h"

int handle_hello(struct job *j)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	uint16_t lo = sp_get_u16(&r), hi = sp_get_u16(&r);
	if (r.bad || sp_rd_left(&r))
		return reply_malformed(j);
	if (lo > SP_VERSION || hi < SP_VERSION_MIN || lo > hi)
		return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
				    "no common protocol version: client speaks %u..%u, seqpackd %u..%u",
				    lo, hi, SP_VERSION_MIN, SP_VERSION);
	const struct config *c = j->cfg;
	size_t off = reply_begin_ok(j);
	sp_put_u16(&j->reply, SP_VERSION);
	sp_put_u16(&j->reply, SP_VERSION_MIN);
	sp_put_u16(&j->reply, SP_VERSION);
	sp_put_u16(&j->reply, 0);
	sp_put_str(&j->reply, seqpack_version());
	sp_put_u32(&j->reply, c->max_request_bytes);
	sp_put_u32(&j->reply, c->max_lengths);
	sp_put_u32(&j->reply, c->max_inflight);
	sp_put_u32(&j->reply, c->max_streams);
	sp_put_u32(&j->reply, c->read_timeout_ms);
	sp_put_u32(&j->reply, c->idle_timeout_ms);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

int handle_list(struct job *j)
{
	if (j->len)
		return reply_malformed(j);
	size_t off = reply_begin_ok(j);
	size_t n = seqpack_registry_count(j->reg);
	sp_put_u32(&j->reply, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		const seqpack_plugin_info *p = seqpack_registry_get(j->reg, i);
		sp_put_str(&j->reply, p->name);
		sp_put_str(&j->reply, p->title);
		sp_put_str(&j->reply, p->description);
		sp_put_u32(&j->reply, p->flags);
		sp_put_str(&j->reply, p->path);
	}
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

int handle_stats(struct job *j)
{
	if (j->len)
		return reply_malformed(j);
	size_t off = reply_begin_ok(j);
	/* threads is resolved to the pool's size at start */
	stats_encode(&j->reply, seqpack_registry_count(j->reg),
		     j->cfg->threads);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}
