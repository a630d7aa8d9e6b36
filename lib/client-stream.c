/* The seqpackd client's streams: pushes are batched into STREAM_PUSH
 * requests, and the daemon's pack events, which arrive while any request
 * of the connection waits for its reply, are checked and handed to the
 * stream's callback in order, as seqpack_stream_* would hand them.  The
 * callback runs inside the request loop, so what it may not do there
 * (another request, a free, a close) is refused or waits for the loop
 * to end, as lib/stream.c does for in-process streams. */
#include <stdlib.h>

#include "client-io.h"
#include "client-stream.h"
#include "util/cleanup-internal.h"

/* Pushes buffered before a stream sends a batch. */
#define STREAM_BATCH 8192u

struct seqpack_client_stream {
	seqpack_client *c;
	uint32_t id;             /* the daemon's stream id */
	seqpack_params params;
	seqpack_pack_cb cb;
	void *ctx;
	uint64_t packs;
	int done;                /* finished, failed or closed */
	int cb_stopped;          /* the callback asked to stop */
	int out_of_order;        /* the daemon skipped or repeated a pack */
	int lost;                /* the connection was made anew under it */
	int free_pending;        /* freed from a pack callback */
	uint64_t *bids;
	uint32_t *blens;
	size_t nbuf, batch;
};

UTIL_DEFINE_CLEANUP(seqpack_client_stream *, seqpack_client_stream_free)

static seqpack_client_stream *find_stream(seqpack_client *c, uint32_t id)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	return NULL;
}

int client_stream_event(seqpack_client *c, size_t length, seqpack_error *err)
{
	struct sp_rd r;
	sp_rd_init(&r, c->in, length);
	uint32_t sid = sp_get_u32(&r);
	uint64_t pack = sp_get_u64(&r);
	uint64_t used = sp_get_u64(&r);
	uint32_t count = sp_get_u32(&r);
	if (r.bad || sp_rd_left(&r) / 8 != count || sp_rd_left(&r) % 8)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "malformed stream pack event");
	seqpack_client_stream *s = find_stream(c, sid);
	if (!s)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "pack event for a stream we do not have");
	/* nothing more for a callback that stopped, a stream or client
	 * freed from a callback, or a daemon that lost count */
	if (s->cb_stopped || s->out_of_order || s->free_pending ||
	    c->close_pending)
		return SEQPACK_OK;
	if (pack != s->packs || count == 0 || used > s->params.capacity) {
		s->out_of_order = 1;
		return SEQPACK_OK;
	}
	if (count > c->idscap) {
		uint64_t *p = realloc(c->ids, (size_t)count * sizeof(*p));
		if (!p)
			return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
		c->ids = p;
		c->idscap = count;
	}
	for (uint32_t i = 0; i < count; i++)
		c->ids[i] = sp_get_u64(&r);
	s->packs++;
	c->in_callback = 1;
	if (s->cb(s->ctx, pack, c->ids, count, used))
		s->cb_stopped = 1;
	c->in_callback = 0;
	return SEQPACK_OK;
}

void client_streams_lost(seqpack_client *c)
{
	for (size_t i = 0; i < c->nstreams; i++) {
		seqpack_client_stream *s = c->streams[i];
		s->lost = !s->done;
		s->done = 1;
		s->id = UINT32_MAX; /* nothing to close on the new daemon */
	}
}

void client_streams_close(seqpack_client *c)
{
	/* Streams left open die with the connection; the daemon frees its
	 * side when it sees the close. */
	for (size_t i = 0; i < c->nstreams; i++) {
		c->streams[i]->c = NULL;
		seqpack_client_stream_free(c->streams[i]);
	}
	free(c->streams);
	free(c->ids);
}

SEQPACK_EXPORT int seqpack_client_stream_open(seqpack_client *c,
					      const char *algorithm,
					      const seqpack_params *params,
					      seqpack_pack_cb cb, void *ctx,
					      seqpack_client_stream **ret,
					      seqpack_error *err)
{
	if (!c || !cb || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client, callback and ret are required");
	int rc = client_check_request(algorithm, params, err);
	if (rc == SEQPACK_OK)
		rc = client_enter(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	/* Not linked to c until the daemon has opened it: until then its
	 * free releases the buffers only. */
	_cleanup_(seqpack_client_stream_freep) seqpack_client_stream *s =
		calloc(1, sizeof(*s));
	seqpack_client_stream **st = realloc(c->streams,
					     (c->nstreams + 1) * sizeof(*st));
	if (st)
		c->streams = st;
	if (s) {
		/* a batch (8 + 12 per item) must fit in one request */
		s->batch = STREAM_BATCH;
		if (c->info.max_request_bytes / 12 < s->batch + 1)
			s->batch = c->info.max_request_bytes / 12 - 1;
	}
	if (s && s->batch) {
		s->bids = malloc(s->batch * sizeof(*s->bids));
		s->blens = malloc(s->batch * sizeof(*s->blens));
	}
	if (!s || !st || !s->bids || !s->blens)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	client_begin(c, SP_STREAM_OPEN);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	struct sp_rd r;
	rc = client_call(c, CLIENT_SHORT_REPLY, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	s->id = sp_get_u32(&r);
	if (r.bad || find_stream(c, s->id))
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "malformed STREAM_OPEN reply");
	s->c = c;
	s->params = *params;
	s->cb = cb;
	s->ctx = ctx;
	c->streams[c->nstreams++] = s;
	*ret = TAKE_PTR(s);
	return SEQPACK_OK;
}

/* Map what happened to the stream during a request onto the call's
 * status, as seqpack_stream_* would report it. */
static int stream_outcome(seqpack_client_stream *s, int rc,
			  seqpack_error *err)
{
	if (rc == SEQPACK_OK && s->out_of_order)
		rc = seterr(err, SEQPACK_ERR_PROTOCOL,
			    "seqpackd sent stream packs out of order");
	else if (rc == SEQPACK_OK && s->cb_stopped)
		rc = seterr(err, SEQPACK_ERR_CALLBACK,
			    "the pack callback asked to stop after pack %llu",
			    (unsigned long long)(s->packs - 1));
	if (rc != SEQPACK_OK)
		s->done = 1;
	return rc;
}

/* A request on the daemon's side of s that carries only its id. */
static void begin_stream_request(seqpack_client_stream *s, uint16_t type)
{
	client_begin(s->c, type);
	sp_put_u32(&s->c->out, s->id);
}

/* The start of every call on s: s can take it, and the client is not
 * inside a pack callback.  A call that sends starts its deadline too
 * (client_enter); a push that only buffers does not read the clock. */
static int stream_ready(seqpack_client_stream *s, seqpack_error *err)
{
	if (!s)
		return seterr(err, SEQPACK_ERR_INVALID, "stream is NULL");
	if (!s->c)
		return seterr(err, SEQPACK_ERR_STATE,
			      "the stream's connection is closed");
	int rc = client_reentered(s->c, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (s->lost)
		return seterr(err, SEQPACK_ERR_IO,
			      "seqpackd closed the connection and the stream with it; the client has reconnected, but streams are not resumed");
	if (s->done)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream is finished or failed; no more pushes");
	return SEQPACK_OK;
}

static int stream_enter(seqpack_client_stream *s, seqpack_error *err)
{
	int rc = stream_ready(s, err);
	return rc == SEQPACK_OK ? client_enter(s->c, err) : rc;
}

static void stream_destroy(seqpack_client_stream *s);

/* The end of every call on s that ran the request loop: what its
 * callbacks freed or closed meanwhile goes now.  When that was s itself
 * (or its client), the call says so and s must not be touched. */
static int stream_leave(seqpack_client_stream *s, int rc, seqpack_error *err)
{
	seqpack_client *c = s->c;
	if (c->close_pending) {
		seqpack_client_close(c);
		return seterr(err, SEQPACK_ERR_STATE,
			      "seqpackd client closed from a stream pack callback");
	}
	int self = s->free_pending;
	for (size_t i = 0; i < c->nstreams;) {
		if (c->streams[i]->free_pending)
			stream_destroy(c->streams[i]); /* takes it off the list */
		else
			i++;
	}
	if (self)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream freed from a pack callback");
	return rc;
}

/* Send the buffered pushes and deliver the packs they closed. */
static int flush(seqpack_client_stream *s, seqpack_error *err)
{
	if (s->nbuf == 0)
		return SEQPACK_OK;
	seqpack_client *c = s->c;
	begin_stream_request(s, SP_STREAM_PUSH);
	sp_put_u32(&c->out, (uint32_t)s->nbuf);
	if (sp_buf_reserve(&c->out, s->nbuf * 12) == 0)
		for (size_t i = 0; i < s->nbuf; i++) {
			sp_put_u64(&c->out, s->bids[i]);
			sp_put_u32(&c->out, s->blens[i]);
		}
	s->nbuf = 0;
	struct sp_rd r;
	int rc = client_call(c, CLIENT_SHORT_REPLY, &r, err);
	return stream_outcome(s, rc, err);
}

SEQPACK_EXPORT int seqpack_client_stream_flush(seqpack_client_stream *s,
					       seqpack_error *err)
{
	int rc = stream_enter(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = flush(s, err);
	return stream_leave(s, rc, err);
}

SEQPACK_EXPORT int seqpack_client_stream_push(seqpack_client_stream *s,
					      uint64_t id, uint32_t length,
					      seqpack_error *err)
{
	int rc = stream_ready(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = seqpack_length_check_(id, length, s->params.capacity, err);
	if (rc != SEQPACK_OK)
		return rc;
	s->bids[s->nbuf] = id;
	s->blens[s->nbuf] = length;
	if (++s->nbuf < s->batch)
		return SEQPACK_OK;
	rc = client_enter(s->c, err); /* cannot fail: stream_ready said so */
	if (rc == SEQPACK_OK)
		rc = flush(s, err);
	return stream_leave(s, rc, err);
}

static int finish(seqpack_client_stream *s, seqpack_error *err)
{
	int rc = flush(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	begin_stream_request(s, SP_STREAM_FINISH);
	struct sp_rd r;
	rc = client_call(s->c, CLIENT_SHORT_REPLY, &r, err);
	rc = stream_outcome(s, rc, err);
	s->done = 1;
	/* the daemon dropped its side after a finish, whatever the outcome */
	s->id = UINT32_MAX;
	return rc;
}

SEQPACK_EXPORT int seqpack_client_stream_finish(seqpack_client_stream *s,
						seqpack_error *err)
{
	int rc = stream_enter(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = finish(s, err);
	return stream_leave(s, rc, err);
}

SEQPACK_EXPORT uint64_t seqpack_client_stream_packs(
	const seqpack_client_stream *s)
{
	return s ? s->packs : 0;
}

/* Close s on the daemon, take it off its client's list, free it. */
static void stream_destroy(seqpack_client_stream *s)
{
	seqpack_client *c = s->c;
	if (c) {
		if (s->id != UINT32_MAX && !c->broken &&
		    client_enter(c, NULL) == SEQPACK_OK) {
			struct sp_rd r;
			begin_stream_request(s, SP_STREAM_CLOSE);
			(void)client_call(c, CLIENT_SHORT_REPLY, &r, NULL);
		}
		for (size_t i = 0; i < c->nstreams; i++)
			if (c->streams[i] == s) {
				c->streams[i] = c->streams[--c->nstreams];
				break;
			}
	}
	free(s->bids);
	free(s->blens);
	free(s);
}

SEQPACK_EXPORT seqpack_client_stream *seqpack_client_stream_free(
	seqpack_client_stream *s)
{
	if (!s)
		return NULL;
	/* inside the request loop: freed when the loop's call ends */
	if (s->c && s->c->in_callback)
		s->free_pending = 1;
	else
		stream_destroy(s);
	return NULL;
}
