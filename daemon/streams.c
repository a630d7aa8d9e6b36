/* Stream requests, run on the worker that holds the connection's stream
 * lane: the streams live in the connection's set (job->streams), and a
 * stream's events go into the reply of the job being served.  A stream
 * holds at most max-stream-ids sequences pushed and not yet emitted: an
 * ff stream at capacity 2^31-1 fed 40M sequences of length 1 held
 * 317 MiB before, growing without end, since only the number of streams
 * was bounded.  The push beyond is refused and the stream stays open.
 *
 * With isolation = process the plugins run in the connection's stream
 * packer (stream-packer.c), which answers each op with the packs it
 * closed; they become the same SP_EVENT_PACK events, so the wire cannot
 * tell the modes apart.  When that process crashes or overruns
 * request-timeout, the op that ran it fails naming the plugin, every
 * other stream of the connection is lost (its ops then say so), and the
 * next STREAM_OPEN starts another process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "stream-packer.h"
#include "streams.h"

static void put_pack(struct conn_stream *cs, uint64_t pack,
		     const uint64_t *ids, size_t count, uint64_t used)
{
	struct sp_buf *b = cs->out;
	size_t off = sp_begin(b, SP_EVENT_PACK, cs->req);
	sp_put_u32(b, cs->id);
	sp_put_u64(b, pack);
	sp_put_u64(b, used);
	sp_put_u32(b, (uint32_t)count);
	if (sp_buf_reserve(b, count * 8) == 0)
		for (size_t i = 0; i < count; i++)
			sp_put_u64(b, ids[i]);
	sp_end(b, off);
}

static int emit_event(void *ctx, uint64_t pack, const uint64_t *ids,
		      size_t count, uint64_t used)
{
	struct conn_stream *cs = ctx;
	cs->held -= count; /* the core checked count against what it holds */
	put_pack(cs, pack, ids, count, used);
	return cs->out->oom;
}

static int remote_event(void *ctx, const struct stream_event *ev,
			const uint64_t *ids)
{
	put_pack(ctx, ev->pack, ids, (size_t)ev->count, ev->used);
	return 0;
}

static int is_open(const struct conn_stream *cs)
{
	return cs->s || cs->remote;
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
	cs->remote = 0;
	cs->lost = 0;
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
	stream_packer_free(set->packer);
	set->packer = NULL;
}

/* The stream packer died (why: how, naming the plugin): every stream in
 * it is lost. */
static void lose_all(struct stream_set *set, const char *why)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].remote) {
			set->v[i].remote = 0;
			set->v[i].lost = 1;
		}
	stream_packer_free(set->packer);
	set->packer = NULL;
	snprintf(set->lost_why, sizeof(set->lost_why), "%s", why);
}

static int any_remote(const struct stream_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].remote)
			return 1;
	return 0;
}

/* A stream packer for j's registry.  After a SIGHUP a new registry
 * replaces the old process once none of its streams is open; until then
 * new streams join the old plugins. */
static int need_packer(struct job *j, seqpack_error *err)
{
	struct stream_set *set = j->streams;
	if (set->packer && stream_packer_registry(set->packer) != j->reg &&
	    !any_remote(set)) {
		stream_packer_free(set->packer);
		set->packer = NULL;
	}
	if (set->packer)
		return SEQPACK_OK;
	return stream_packer_new(j->cfg, j->reg, &set->packer, err);
}

/* Run the op prepared in the set's packer on cs; SEQPACK_OK with its
 * events in j's reply, else the error reply (and the streams lost when
 * the packer died). */
static int remote_run(struct job *j, struct conn_stream *cs)
{
	struct stream_set *set = j->streams;
	seqpack_error err;
	int rc = stream_packer_run(set->packer, cs->alg, &err);
	if (rc == SEQPACK_OK &&
	    stream_packer_events(set->packer, remote_event, cs) != 0) {
		rc = SEQPACK_ERR_PLUGIN;
		snprintf(err.message, sizeof(err.message),
			 "plugin %s: its stream packer answered nonsense; the streams of this connection are lost",
			 cs->alg);
	}
	if (rc != SEQPACK_OK) {
		lose_all(set, err.message);
		return reply_error(j, rc, err.message);
	}
	return SEQPACK_OK;
}

/* The status the packer answered (checked by stream_packer_run), its
 * message copied to msg[sizeof(h->message)]. */
static int remote_status(const struct stream_head *h, char *msg)
{
	memcpy(msg, h->message, sizeof(h->message));
	msg[sizeof(h->message) - 1] = '\0';
	int32_t status = h->status; /* read again: checked again */
	return status >= 0 && status < SEQPACK_STATUS_COUNT_
		       ? status
		       : SEQPACK_ERR_PLUGIN;
}

static int open_remote(struct job *j, struct conn_stream *slot,
		       const char *name, const seqpack_params *p)
{
	struct stream_set *set = j->streams;
	seqpack_error err;
	int rc = need_packer(j, &err);
	struct stream_head *h = NULL;
	if (rc == SEQPACK_OK)
		rc = stream_packer_prepare(set->packer, 0, 0, &h, NULL, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	h->op = STREAM_OP_OPEN;
	h->slot = (uint32_t)(slot - set->v);
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->params = *p;
	snprintf(slot->alg, sizeof(slot->alg), "%s", name);
	slot->lost = 0;
	slot->id = 0;
	rc = remote_run(j, slot);
	if (rc != SEQPACK_OK)
		return rc;
	char msg[sizeof(h->message)];
	rc = remote_status(h, msg);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, msg);
	slot->remote = 1;
	return SEQPACK_OK;
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
	struct conn_stream *slot = NULL, *lost = NULL;
	size_t open = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (is_open(&set->v[i]))
			open++;
		else if (set->v[i].lost)
			lost = lost ? lost : &set->v[i];
		else if (!slot)
			slot = &set->v[i];
	}
	if (open >= j->cfg->max_streams)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "this connection already has %zu open streams (limit %u)",
				    open, j->cfg->max_streams);
	/* a lost stream keeps its slot, to be named when used, until no
	 * free slot is left */
	if (!slot)
		slot = lost;
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
	slot->out = &j->reply;
	slot->req = j->h.id;
	if (j->cfg->isolation) {
		rc = open_remote(j, slot, name, &p);
		if (rc != SEQPACK_OK)
			return rc;
	} else {
		seqpack_error err;
		seqpack_stream *s;
		rc = seqpack_stream_open(j->reg, name, &p, emit_event, slot,
					 &s, &err);
		if (rc != SEQPACK_OK)
			return reply_error(j, rc, err.message);
		slot->s = s;
	}
	if (++set->next_id == UINT32_MAX || set->next_id == 0)
		set->next_id = 1;
	slot->id = set->next_id;
	slot->lost = 0;
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

static int lost_error(struct job *j, const struct conn_stream *cs)
{
	return reply_errorf(j, SEQPACK_ERR_PLUGIN,
			    "stream %u is lost: %s; close it and open another",
			    cs->id, j->streams->lost_why);
}

static int push_remote(struct job *j, struct conn_stream *cs,
		       struct sp_rd *r, uint32_t count)
{
	struct stream_set *set = j->streams;
	uint32_t max = j->cfg->max_stream_ids;
	struct stream_head *h;
	struct stream_push *v;
	seqpack_error err;
	int rc = stream_packer_prepare(set->packer, count, cs->held + count,
				       &h, &v, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	for (uint32_t i = 0; i < count; i++) {
		v[i].id = sp_get_u64(r);
		v[i].length = sp_get_u32(r);
		v[i].pad = 0;
	}
	h->op = STREAM_OP_PUSH;
	h->slot = (uint32_t)(cs - set->v);
	h->id = cs->id;
	h->max_held = max;
	rc = remote_run(j, cs);
	if (rc != SEQPACK_OK)
		return rc;
	uint64_t held = h->held, packs = h->packs;
	cs->held = held < max ? held : max;
	char msg[sizeof(h->message)];
	rc = remote_status(h, msg);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, msg);
	size_t off = reply_begin_ok(j);
	sp_put_u64(&j->reply, packs);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
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
	if (cs->lost)
		return lost_error(j, cs);
	if (cs->remote)
		return push_remote(j, cs, &r, count);
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

/* FINISH or CLOSE in the packer; *packs after it. */
static int end_remote(struct job *j, struct conn_stream *cs, int finish,
		      uint64_t *packs)
{
	struct stream_set *set = j->streams;
	struct stream_head *h;
	seqpack_error err;
	int rc = stream_packer_prepare(set->packer, 0, finish ? cs->held : 0,
				       &h, NULL, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	h->op = finish ? STREAM_OP_FINISH : STREAM_OP_CLOSE;
	h->slot = (uint32_t)(cs - set->v);
	h->id = cs->id;
	rc = remote_run(j, cs);
	if (rc != SEQPACK_OK)
		return rc;
	*packs = h->packs;
	char msg[sizeof(h->message)];
	rc = remote_status(h, msg);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, msg);
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
	uint64_t packs = 0;
	if (cs->lost) {
		/* closing a lost stream is what the client should do */
		rc = finish ? lost_error(j, cs) : SEQPACK_OK;
		drop_stream(cs);
		if (rc != SEQPACK_OK)
			return rc;
	} else if (cs->remote) {
		rc = end_remote(j, cs, finish, &packs);
		drop_stream(cs);
		if (rc != SEQPACK_OK)
			return rc;
	} else {
		seqpack_error err;
		packs = seqpack_stream_packs(cs->s);
		if (finish) {
			rc = seqpack_stream_finish(cs->s, &err);
			packs = seqpack_stream_packs(cs->s);
		}
		drop_stream(cs);
		if (rc != SEQPACK_OK)
			return reply_error(j, rc, err.message);
	}
	size_t off = reply_begin_ok(j);
	if (finish)
		sp_put_u64(&j->reply, packs);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}
