/* Stream requests, run on the worker that holds the connection's stream
 * lane: the streams live in the connection's set (job->streams), and a
 * stream's events go into the reply of the job being served.  A stream
 * holds at most max-stream-ids sequences pushed and not yet emitted: an
 * ff stream at capacity 2^31-1 fed 40M sequences of length 1 held
 * 317 MiB before, growing without end, since only the number of streams
 * was bounded.  The push beyond is refused and the stream stays open. */
#include <stdlib.h>

#include "reply.h"
#include "streams.h"

static int emit_event(void *ctx, uint64_t pack, const uint64_t *ids,
		      size_t count, uint64_t used)
{
	struct conn_stream *cs = ctx;
	struct sp_buf *b = cs->out;
	cs->held -= count; /* the core checked count against what it holds */
	size_t off = sp_begin(b, SP_EVENT_PACK, cs->req);
	sp_put_u32(b, cs->id);
	sp_put_u64(b, pack);
	sp_put_u64(b, used);
	sp_put_u32(b, (uint32_t)count);
	if (sp_buf_reserve(b, count * 8) == 0)
		for (size_t i = 0; i < count; i++)
			sp_put_u64(b, ids[i]);
	sp_end(b, off);
	return b->oom;
}

static struct conn_stream *find_stream(struct stream_set *set, uint32_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].id == id)
			return &set->v[i];
	return NULL;
}

static void drop_stream(struct conn_stream *cs)
{
	seqpack_stream_free(cs->s);
	/* slots never move (see handle_stream_open): free one by clearing
	 * it */
	cs->s = NULL;
	cs->id = 0;
}

void stream_set_free(struct stream_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].s)
			drop_stream(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

int handle_stream_open(struct job *j)
{
	struct stream_set *set = j->streams;
	char name[SEQPACK_NAME_MAX];
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	int rc = reply_get_name(j, &r, name);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_params p;
	sp_get_params(&r, &p);
	if (r.bad || sp_rd_left(&r))
		return reply_malformed(j);
	p.flags |= SEQPACK_PARAM_VERIFY;
	struct conn_stream *slot = NULL;
	size_t open = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].s)
			open++;
		else if (!slot)
			slot = &set->v[i];
	}
	if (open >= j->cfg->max_streams)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "this connection already has %zu open streams (limit %u)",
				    open, j->cfg->max_streams);
	if (!slot && set->v)
		return reply_error(j, SEQPACK_ERR_LIMIT, "no free stream slot");
	if (!slot) {
		/* Sized once for max_streams: streams keep a pointer to their
		 * slot as callback context, so the array must never move. */
		set->v = calloc(j->cfg->max_streams ? j->cfg->max_streams : 1,
				sizeof(*set->v));
		if (!set->v)
			return reply_error(j, SEQPACK_ERR_NOMEM, "out of memory");
		set->n = j->cfg->max_streams;
		slot = &set->v[0];
	}
	seqpack_error err;
	slot->out = &j->reply;
	slot->req = j->h.id;
	seqpack_stream *s;
	rc = seqpack_stream_open(j->reg, name, &p, emit_event, slot, &s, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	if (++set->next_id == UINT32_MAX || set->next_id == 0)
		set->next_id = 1;
	slot->id = set->next_id;
	slot->s = s;
	slot->held = 0;
	size_t off = reply_begin_ok(j);
	sp_put_u32(&j->reply, slot->id);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* The stream a request names, pointed at this job's reply; NULL after
 * an error reply, or on a short payload the caller reports. */
static struct conn_stream *stream_arg(struct job *j, struct sp_rd *r)
{
	uint32_t id = sp_get_u32(r);
	struct conn_stream *cs =
		r->bad || id == 0 ? NULL : find_stream(j->streams, id);
	if (!r->bad && !cs)
		reply_errorf(j, SEQPACK_ERR_STATE,
			     "no open stream %u on this connection", id);
	if (cs) {
		cs->out = &j->reply;
		cs->req = j->h.id;
	}
	return cs;
}

int handle_stream_push(struct job *j)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	size_t at = r.off;
	(void)sp_get_u32(&r);
	uint32_t count = sp_get_u32(&r);
	if (r.bad || sp_rd_left(&r) != (size_t)count * 12)
		return reply_malformed(j);
	r.off = at;
	struct conn_stream *cs = stream_arg(j, &r);
	if (!cs)
		return SEQPACK_ERR_STATE;
	(void)sp_get_u32(&r);
	seqpack_error err;
	uint32_t max = j->cfg->max_stream_ids;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t id = sp_get_u64(&r);
		uint32_t len = sp_get_u32(&r);
		if (cs->held >= max)
			return reply_errorf(j, SEQPACK_ERR_LIMIT,
					    "stream %u holds %llu sequences not yet packed (max-stream-ids = %u): pushed %u of this request's %u; finish or close the stream",
					    cs->id,
					    (unsigned long long)cs->held, max,
					    i, count);
		/* before the push: the pack it completes may come out
		 * during it */
		cs->held++;
		int rc = seqpack_stream_push(cs->s, id, len, &err);
		if (rc != SEQPACK_OK) {
			/* a refused length was not taken; after a plugin's
			 * failure the stream accepts nothing more anyway */
			if (cs->held)
				cs->held--;
			return reply_error(j, rc, err.message);
		}
	}
	size_t off = reply_begin_ok(j);
	sp_put_u64(&j->reply, seqpack_stream_packs(cs->s));
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

int handle_stream_end(struct job *j, int finish)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	if (j->len != 4)
		return reply_malformed(j);
	struct conn_stream *cs = stream_arg(j, &r);
	if (!cs)
		return SEQPACK_ERR_STATE;
	int rc = SEQPACK_OK;
	seqpack_error err;
	uint64_t packs = seqpack_stream_packs(cs->s);
	if (finish) {
		rc = seqpack_stream_finish(cs->s, &err);
		packs = seqpack_stream_packs(cs->s);
	}
	drop_stream(cs);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	size_t off = reply_begin_ok(j);
	if (finish)
		sp_put_u64(&j->reply, packs);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}
