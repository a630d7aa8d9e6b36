/* Request handlers, run on worker threads.  Each decodes its payload with
 * the bounds-checked reader, insists the payload length is exactly what
 * its fields imply, and writes events and one reply into job->reply. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "stats.h"
#include "util/clock-internal.h"

struct worker {
	seqpack_workspace *ws;
	seqpack_registry *ws_reg;  /* the registry ws was made on */
	uint32_t *lengths;         /* decoded PACK lengths */
	size_t cap;
};

struct worker *worker_new(void)
{
	return calloc(1, sizeof(struct worker));
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	seqpack_workspace_free(w->ws);
	free(w->lengths);
	free(w);
}

/* A reply that carries an error; the connection stays usable. */
static int reply_error(struct job *j, int status, const char *msg)
{
	sp_put_error(&j->reply, j->h.type | SP_REPLY, j->h.id, status, msg);
	return status;
}

static int reply_errorf(struct job *j, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reply_errorf(struct job *j, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_error(j, status, msg);
}

static int malformed(struct job *j)
{
	return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
			    "malformed %s request: payload of %zu bytes does not match its fields",
			    sp_type_name(j->h.type), j->len);
}

/* The algorithm name that starts PACK and STREAM_OPEN.  A name that
 * cannot be an algorithm is "unknown algorithm", as in-process. */
static int get_name(struct job *j, struct sp_rd *r, char *name)
{
	size_t at = r->off;
	uint16_t n = sp_get_u16(r);
	if (!r->bad && n >= SEQPACK_NAME_MAX && n <= sp_rd_left(r)) {
		r->off = at;
		return reply_errorf(j, SEQPACK_ERR_NOT_FOUND,
				    "unknown algorithm (a name of %u bytes; names are at most %u)",
				    n, SEQPACK_NAME_MAX - 1);
	}
	r->off = at;
	sp_get_str(r, name, SEQPACK_NAME_MAX);
	return r->bad ? malformed(j) : SEQPACK_OK;
}

static size_t begin_ok(struct job *j)
{
	size_t off = sp_begin(&j->reply, j->h.type | SP_REPLY, j->h.id);
	sp_put_u32(&j->reply, SEQPACK_OK);
	return off;
}

static int do_hello(struct job *j)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	uint16_t lo = sp_get_u16(&r), hi = sp_get_u16(&r);
	if (r.bad || sp_rd_left(&r))
		return malformed(j);
	if (lo > SP_VERSION || hi < SP_VERSION_MIN || lo > hi)
		return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
				    "no common protocol version: client speaks %u..%u, seqpackd %u..%u",
				    lo, hi, SP_VERSION_MIN, SP_VERSION);
	const struct config *c = j->cfg;
	size_t off = begin_ok(j);
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

static int do_list(struct job *j)
{
	if (j->len)
		return malformed(j);
	size_t off = begin_ok(j);
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

static int do_stats(struct job *j, unsigned workers)
{
	if (j->len)
		return malformed(j);
	size_t off = begin_ok(j);
	stats_encode(&j->reply, seqpack_registry_count(j->reg), workers);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* The lengths buffer of a worker, for n lengths. */
static int lengths_room(struct worker *w, struct job *j, uint32_t n)
{
	/* n is bounded by max-lengths and the request size limit before
	 * this is called, so the allocation is too. */
	if (n + 1 > w->cap) {
		uint32_t *l = realloc(w->lengths, ((size_t)n + 1) * 4);
		if (!l)
			return reply_error(j, SEQPACK_ERR_NOMEM, "out of memory");
		w->lengths = l;
		w->cap = (size_t)n + 1;
	}
	return SEQPACK_OK;
}

/* The limits PACK and PACK_SHM share. */
/* A parallel plugin keeps a pool of the threads it was asked for in the
 * worker's workspace, so without a cap one client could leave every
 * worker holding 64 threads. */
static int threads_limit(struct job *j, const seqpack_params *p)
{
	uint32_t max = j->cfg->max_pack_threads; /* 0 resolved at start */
	if (p->threads > max)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "%u threads is more than the limit of %u per request (max-pack-threads)",
				    p->threads, max);
	return SEQPACK_OK;
}

static int pack_limits(struct job *j, const char *name, uint32_t n)
{
	if (n > j->cfg->max_lengths)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "%u sequences is more than the limit of %u per request",
				    n, j->cfg->max_lengths);
	uint64_t size = sp_pack_payload_size(strlen(name), n);
	if (size > j->cfg->max_request_bytes)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "request payload of %llu bytes is above the limit of %u",
				    (unsigned long long)size,
				    j->cfg->max_request_bytes);
	return SEQPACK_OK;
}

/* Pack w->lengths[0..n-1]; *res points into the worker's workspace. */
static int run_pack(struct worker *w, struct job *j, const char *name,
		    seqpack_params *p, uint32_t n, const seqpack_result **res,
		    const char **algo)
{
	/* Third-party plugins are verified, whatever the client asked,
	 * unless the administrator chose verify = requested: the daemon's
	 * own safety does not depend on it (the core bounds a plugin's
	 * output either way), only the answer's correctness does. */
	if (j->cfg->verify_always)
		p->flags |= SEQPACK_PARAM_VERIFY;
	int rc = threads_limit(j, p);
	if (rc != SEQPACK_OK)
		return rc;
	if (w->ws_reg != j->reg) {
		w->ws = seqpack_workspace_free(w->ws);
		w->ws_reg = NULL;
		seqpack_error err;
		if (seqpack_workspace_new(j->reg, &w->ws, &err) != SEQPACK_OK)
			return reply_error(j, err.status, err.message);
		w->ws_reg = j->reg;
	}
	if (seqpack_registry_find(j->reg, name))
		*algo = seqpack_registry_find(j->reg, name)->name;
	seqpack_error err;
	rc = seqpack_workspace_pack(w->ws, name, w->lengths, n, p, res, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	return SEQPACK_OK;
}

/* The head that PACK and PACK_SHM share: algorithm, parameters, count. */
static int get_pack_head(struct job *j, struct sp_rd *r, char *name,
			 seqpack_params *p, uint32_t *n)
{
	sp_rd_init(r, j->payload, j->len);
	int rc = get_name(j, r, name);
	if (rc != SEQPACK_OK)
		return rc;
	sp_get_params(r, p);
	*n = sp_get_u32(r);
	return SEQPACK_OK;
}

static int do_pack(struct worker *w, struct job *j, const char **algo)
{
	char name[SEQPACK_NAME_MAX];
	struct sp_rd r;
	seqpack_params p;
	uint32_t n;
	int rc = get_pack_head(j, &r, name, &p, &n);
	if (rc != SEQPACK_OK)
		return rc;
	if (r.bad)
		return malformed(j);
	if (n > j->cfg->max_lengths)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "%u sequences is more than the limit of %u per request",
				    n, j->cfg->max_lengths);
	if (sp_rd_left(&r) != (size_t)n * 4)
		return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
				    "payload length %zu disagrees with n = %u (expected %zu bytes of lengths, got %zu)",
				    j->len, n, (size_t)n * 4, sp_rd_left(&r));
	if ((rc = lengths_room(w, j, n)) != SEQPACK_OK)
		return rc;
	sp_get_u32_array(&r, w->lengths, n);
	const seqpack_result *res;
	if ((rc = run_pack(w, j, name, &p, n, &res, algo)) != SEQPACK_OK)
		return rc;
	size_t off = begin_ok(j);
	sp_put_result(&j->reply, res);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* Whether [off, off + bytes) lies inside a region of size bytes. */
static int in_region(uint64_t off, uint64_t bytes, size_t size)
{
	return off <= size && bytes <= size - off;
}

/* PACK with the arrays in the connection's shared memory.  The client can
 * write to the region at any time, so the lengths are copied out before
 * they are checked, and nothing is read back from it afterwards. */
static int do_pack_shm(struct worker *w, struct job *j, const char **algo)
{
	char name[SEQPACK_NAME_MAX];
	struct sp_rd r;
	seqpack_params p;
	uint32_t n;
	int rc = get_pack_head(j, &r, name, &p, &n);
	if (rc != SEQPACK_OK)
		return rc;
	uint64_t loff = sp_get_u64(&r);
	uint64_t roff = sp_get_u64(&r);
	if (r.bad || sp_rd_left(&r))
		return malformed(j);
	struct shm_region *shm = j->shm;
	if (!shm)
		return reply_error(j, SEQPACK_ERR_STATE,
				   "no shared memory on this connection (send shm_attach first)");
	if ((rc = pack_limits(j, name, n)) != SEQPACK_OK)
		return rc;
	if (loff % 4 || roff % 4)
		return reply_errorf(j, SEQPACK_ERR_INVALID,
				    "shared memory offsets %llu and %llu must be multiples of 4",
				    (unsigned long long)loff,
				    (unsigned long long)roff);
	if (!in_region(loff, (uint64_t)n * 4, shm->size) ||
	    !in_region(roff, sp_shm_result_bytes(n), shm->size))
		return reply_errorf(j, SEQPACK_ERR_INVALID,
				    "%u lengths at offset %llu and their result (%zu bytes) at offset %llu do not fit in the %zu-byte region",
				    n, (unsigned long long)loff,
				    sp_shm_result_bytes(n),
				    (unsigned long long)roff, shm->size);
	if ((rc = lengths_room(w, j, n)) != SEQPACK_OK)
		return rc;
	/* the client's layout puts lengths and result side by side */
	uint64_t lo = loff < roff ? loff : roff;
	uint64_t hi = roff + sp_shm_result_bytes(n);
	if (loff + (uint64_t)n * 4 > hi)
		hi = loff + (uint64_t)n * 4;
	shm_populate(j->shm, (size_t)lo, (size_t)(hi - lo));
	memcpy(w->lengths, shm->base + loff, (size_t)n * 4);
	const seqpack_result *res;
	if ((rc = run_pack(w, j, name, &p, n, &res, algo)) != SEQPACK_OK)
		return rc;
	uint8_t *out = shm->base + roff;
	memcpy(out, res->items, res->n * 4);
	out += res->n * 4;
	memcpy(out, res->offsets, (res->nbins + 1) * 4);
	out += (res->nbins + 1) * 4;
	memcpy(out, res->used, res->nbins * 4);
	size_t off = begin_ok(j);
	sp_put_result_head(&j->reply, res);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* ------------------------------------------------------------------ */
/* Streams */

static int emit_event(void *ctx, uint64_t pack, const uint64_t *ids,
		      size_t count, uint64_t used)
{
	struct conn_stream *cs = ctx;
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
	return b->oom;
}

static struct conn_stream *find_stream(struct conn *c, uint32_t id)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i].id == id)
			return &c->streams[i];
	return NULL;
}

static void drop_stream(struct conn *c, struct conn_stream *cs)
{
	seqpack_stream_free(cs->s);
	/* slots never move (see do_stream_open): free one by clearing it */
	cs->s = NULL;
	cs->id = 0;
}

void conn_streams_free(struct conn *c)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i].s)
			drop_stream(c, &c->streams[i]);
	free(c->streams);
	c->streams = NULL;
	c->nstreams = 0;
}

static int do_stream_open(struct job *j)
{
	struct conn *c = j->conn;
	char name[SEQPACK_NAME_MAX];
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	int rc = get_name(j, &r, name);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_params p;
	sp_get_params(&r, &p);
	if (r.bad || sp_rd_left(&r))
		return malformed(j);
	p.flags |= SEQPACK_PARAM_VERIFY;
	struct conn_stream *slot = NULL;
	size_t open = 0;
	for (size_t i = 0; i < c->nstreams; i++) {
		if (c->streams[i].s)
			open++;
		else if (!slot)
			slot = &c->streams[i];
	}
	if (open >= j->cfg->max_streams)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "this connection already has %zu open streams (limit %u)",
				    open, j->cfg->max_streams);
	if (!slot && c->streams)
		return reply_error(j, SEQPACK_ERR_LIMIT, "no free stream slot");
	if (!slot) {
		/* Sized once for max_streams: streams keep a pointer to their
		 * slot as callback context, so the array must never move. */
		c->streams = calloc(j->cfg->max_streams ? j->cfg->max_streams : 1,
				    sizeof(*c->streams));
		if (!c->streams)
			return reply_error(j, SEQPACK_ERR_NOMEM, "out of memory");
		c->nstreams = j->cfg->max_streams;
		slot = &c->streams[0];
	}
	seqpack_error err;
	slot->out = &j->reply;
	slot->req = j->h.id;
	seqpack_stream *s;
	rc = seqpack_stream_open(j->reg, name, &p, emit_event, slot, &s, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	if (++c->next_stream == UINT32_MAX || c->next_stream == 0)
		c->next_stream = 1;
	slot->id = c->next_stream;
	slot->s = s;
	size_t off = begin_ok(j);
	sp_put_u32(&j->reply, slot->id);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

static struct conn_stream *stream_arg(struct job *j, struct sp_rd *r)
{
	uint32_t id = sp_get_u32(r);
	struct conn_stream *cs = r->bad || id == 0 ? NULL
						   : find_stream(j->conn, id);
	if (!r->bad && !cs)
		reply_errorf(j, SEQPACK_ERR_STATE,
			     "no open stream %u on this connection", id);
	if (cs) {
		cs->out = &j->reply;
		cs->req = j->h.id;
	}
	return cs;
}

static int do_stream_push(struct job *j)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	size_t at = r.off;
	(void)sp_get_u32(&r);
	uint32_t count = sp_get_u32(&r);
	if (r.bad || sp_rd_left(&r) != (size_t)count * 12)
		return malformed(j);
	r.off = at;
	struct conn_stream *cs = stream_arg(j, &r);
	if (!cs)
		return SEQPACK_ERR_STATE;
	(void)sp_get_u32(&r);
	seqpack_error err;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t id = sp_get_u64(&r);
		uint32_t len = sp_get_u32(&r);
		int rc = seqpack_stream_push(cs->s, id, len, &err);
		if (rc != SEQPACK_OK)
			return reply_error(j, rc, err.message);
	}
	size_t off = begin_ok(j);
	sp_put_u64(&j->reply, seqpack_stream_packs(cs->s));
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

static int do_stream_end(struct job *j, int finish)
{
	struct sp_rd r;
	sp_rd_init(&r, j->payload, j->len);
	if (j->len != 4)
		return malformed(j);
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
	drop_stream(j->conn, cs);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	size_t off = begin_ok(j);
	if (finish)
		sp_put_u64(&j->reply, packs);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* ------------------------------------------------------------------ */

extern unsigned seqpackd_workers;

void handle_job(struct worker *w, struct job *j)
{
	const char *algo = NULL;
	int rc;
	switch (j->h.type) {
	case SP_HELLO: rc = do_hello(j); break;
	case SP_LIST: rc = do_list(j); break;
	case SP_PACK: rc = do_pack(w, j, &algo); break;
	case SP_PACK_SHM: rc = do_pack_shm(w, j, &algo); break;
	case SP_STATS: rc = do_stats(j, seqpackd_workers); break;
	case SP_STREAM_OPEN: rc = do_stream_open(j); break;
	case SP_STREAM_PUSH: rc = do_stream_push(j); break;
	case SP_STREAM_FINISH: rc = do_stream_end(j, 1); break;
	case SP_STREAM_CLOSE: rc = do_stream_end(j, 0); break;
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
			  (unsigned long long)j->conn->serial,
			  sp_type_name(j->h.type),
			  (unsigned long long)j->h.id,
			  seqpack_strerror(rc));
	stats_request(j->h.type, algo, rc != SEQPACK_OK, util_now_ns() - j->t0);
	/* The payload is done with: free it here rather than on the event
	 * loop thread. */
	free(j->payload);
	j->payload = NULL;
}
