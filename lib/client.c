/* The seqpackd client: blocking request/reply over a Unix stream socket.
 * The daemon is a separate process and may be buggy, so every reply is
 * decoded with bounds checks, sizes are checked against what was asked
 * before anything is allocated, and packings are verified against the
 * lengths we sent. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <seqpack/client.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#include "proto.h"
#include "util-internal.h"

/* Pushes buffered before a stream sends a batch. */
#define STREAM_BATCH 8192u
/* Replies other than PACK are small; a larger one is a broken daemon. */
#define SMALL_REPLY_MAX (16u << 20)
/* PACKs of at least this many lengths go through shared memory when the
 * daemon takes it.  Below it the socket's copies cost less than the
 * extra system calls, and a small region is not worth a descriptor. */
#define SHM_MIN_LENGTHS 16384u
/* Smallest region we attach; larger ones double, so a caller whose n
 * grows re-attaches a few times only. */
#define SHM_MIN_SIZE ((size_t)256 << 10)
/* shm_ensure(): the daemon or the kernel cannot; use the socket. */
#define USE_SOCKET (-1)

enum { SHM_AUTO, SHM_NEVER, SHM_ALWAYS };

struct seqpack_client {
	int fd;
	int broken;              /* after an I/O or protocol error */
	uint64_t next_id;
	seqpack_daemon_info info;
	struct sp_buf out;       /* the request being sent */
	uint8_t *in;             /* the payload last received */
	size_t incap;
	uint64_t *ids;           /* scratch for stream events */
	size_t idscap;
	seqpack_client_stream **streams;
	size_t nstreams, streamcap;
	int out_fd;              /* descriptor to send with c->out, or -1 */
	/* Shared memory (SHM_ATTACH, PACK_SHM): one region, reused. */
	int shm_mode;            /* SHM_AUTO, _NEVER or _ALWAYS */
	int shm_off;             /* the daemon or the kernel cannot */
	uint8_t *shm;            /* our mapping of the attached memfd */
	size_t shm_size;
	/* What seqpack_client_pack_reuse() returns: arrays it owns (socket
	 * path) or a view of the region (shared memory path). */
	seqpack_result own, view;
	size_t own_cap;          /* slots in own's arrays */
};

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
	uint64_t *bids;
	uint32_t *blens;
	size_t nbuf, batch;
};

static int broken(seqpack_client *c, int status, seqpack_error *err,
		  const char *what)
{
	c->broken = 1;
	return seterr(err, status, "seqpackd connection: %s", what);
}

/* Send c->out[off..] with c->out_fd attached to its first byte. */
static ssize_t send_with_fd(seqpack_client *c, size_t off)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	memset(&cmsg, 0, sizeof(cmsg));
	struct iovec iov = {.iov_base = c->out.data + off,
			    .iov_len = c->out.len - off};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cmsg.buf,
			    .msg_controllen = sizeof(cmsg.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->out_fd, sizeof(int));
	ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
	if (w > 0)
		c->out_fd = -1; /* it went with the bytes just sent */
	return w;
}

static int send_all(seqpack_client *c, seqpack_error *err)
{
	size_t off = 0;
	while (off < c->out.len) {
		ssize_t w = c->out_fd >= 0
				    ? send_with_fd(c, off)
				    : send(c->fd, c->out.data + off,
					   c->out.len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->broken = 1;
			return seterr(err, SEQPACK_ERR_IO,
				      "seqpackd connection: send: %s",
				      strerror(errno));
		}
		off += (size_t)w;
	}
	return SEQPACK_OK;
}

static int read_exact(seqpack_client *c, uint8_t *p, size_t n,
		      seqpack_error *err)
{
	while (n > 0) {
		ssize_t r = read(c->fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			c->broken = 1;
			return seterr(err, SEQPACK_ERR_IO,
				      "seqpackd connection: read: %s",
				      strerror(errno));
		}
		if (r == 0)
			return broken(c, SEQPACK_ERR_IO, err,
				      "the daemon closed the connection");
		p += r;
		n -= (size_t)r;
	}
	return SEQPACK_OK;
}

/* Read one message; its payload lands in c->in.  The buffer grows only as
 * bytes arrive, so a lying length costs no more memory than was sent. */
static int read_msg(seqpack_client *c, struct sp_header *h, size_t limit,
		    seqpack_error *err)
{
	uint8_t hb[SP_HEADER_SIZE];
	int rc = read_exact(c, hb, sizeof(hb), err);
	if (rc != SEQPACK_OK)
		return rc;
	sp_header_decode(hb, h);
	if (h->magic != SP_MAGIC || h->version != SP_VERSION)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "reply with a wrong magic or protocol version");
	/* A stream pack can hold any number of ids, so events are bounded
	 * only by what actually arrives. */
	if (h->length > limit && h->type != SP_EVENT_PACK)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "reply larger than the request can explain");
	size_t have = 0;
	while (have < h->length) {
		if (have == c->incap) {
			size_t cap = c->incap ? c->incap * 2 : 4096;
			if (cap > h->length)
				cap = h->length;
			uint8_t *p = realloc(c->in, cap);
			if (!p) /* the rest of the reply is unread */
				return broken(c, SEQPACK_ERR_NOMEM, err,
					      "out of memory for a reply");
			c->in = p;
			c->incap = cap;
		}
		size_t want = h->length - have;
		if (want > c->incap - have)
			want = c->incap - have;
		rc = read_exact(c, c->in + have, want, err);
		if (rc != SEQPACK_OK)
			return rc;
		have += want;
	}
	return SEQPACK_OK;
}

static seqpack_client_stream *find_stream(seqpack_client *c, uint32_t id)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	return NULL;
}

static int on_event(seqpack_client *c, const struct sp_header *h,
		    seqpack_error *err)
{
	struct sp_rd r;
	sp_rd_init(&r, c->in, h->length);
	uint32_t sid = sp_get_u32(&r);
	uint64_t pack = sp_get_u64(&r);
	uint64_t used = sp_get_u64(&r);
	uint32_t count = sp_get_u32(&r);
	if (r.bad || sp_rd_left(&r) / 8 != count || sp_rd_left(&r) % 8)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed stream pack event");
	seqpack_client_stream *s = find_stream(c, sid);
	if (!s)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "pack event for a stream we do not have");
	if (s->cb_stopped || s->out_of_order)
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
	if (s->cb(s->ctx, pack, c->ids, count, used))
		s->cb_stopped = 1;
	return SEQPACK_OK;
}

/* Send the message in c->out (request id, type) and wait for its reply.
 * Stream events met on the way go to their streams.  On success body
 * reads the reply after its status. */
static int rpc(seqpack_client *c, uint16_t type, uint64_t id, size_t limit,
	       struct sp_rd *body, seqpack_error *err)
{
	if (c->broken)
		return seterr(err, SEQPACK_ERR_STATE,
			      "seqpackd connection failed earlier; reconnect");
	int rc = send_all(c, err);
	int send_failed = rc != SEQPACK_OK;
	seqpack_error send_err;
	if (send_failed) {
		/* The daemon may have said why before it hung up (too many
		 * clients, access denied): that message is still queued on
		 * our side and says more than EPIPE. */
		if (err)
			send_err = *err;
		c->broken = 0;
	}
	for (;;) {
		struct sp_header h;
		rc = read_msg(c, &h, limit, err);
		if (rc != SEQPACK_OK && send_failed) {
			c->broken = 1;
			if (err)
				*err = send_err;
			return SEQPACK_ERR_IO;
		}
		if (rc != SEQPACK_OK)
			return rc;
		if (send_failed && h.type != SP_ERROR) {
			c->broken = 1;
			if (err)
				*err = send_err;
			return SEQPACK_ERR_IO;
		}
		if (h.type == SP_EVENT_PACK && h.id == id) {
			rc = on_event(c, &h, err);
			if (rc != SEQPACK_OK)
				return rc;
			continue;
		}
		int last = h.type == SP_ERROR;
		if (!last && (h.type != (type | SP_REPLY) || h.id != id))
			return broken(c, SEQPACK_ERR_PROTOCOL, err,
				      "reply to a request we did not send");
		sp_rd_init(body, c->in, h.length);
		uint32_t status = sp_get_u32(body);
		if (body->bad)
			return broken(c, SEQPACK_ERR_PROTOCOL, err,
				      "reply without a status");
		if (status == SEQPACK_OK && !last)
			return SEQPACK_OK;
		char msg[sizeof(err->message)];
		sp_get_str(body, msg, sizeof(msg));
		if (status == SEQPACK_OK || status >= SEQPACK_STATUS_COUNT_)
			status = SEQPACK_ERR_PROTOCOL;
		if (last)
			c->broken = 1;
		return seterr(err, (int)status, "%s",
			      body->bad ? seqpack_strerror((int)status) : msg);
	}
}

static int begin(seqpack_client *c, uint16_t type, uint64_t *id,
		 size_t *off)
{
	c->out.len = 0;
	c->out.oom = 0;
	*id = ++c->next_id;
	*off = sp_begin(&c->out, type, *id);
	return 0;
}

static int finish_msg(seqpack_client *c, size_t off, seqpack_error *err)
{
	sp_end(&c->out, off);
	if (c->out.oom)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a request");
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_client_hello(seqpack_client *c,
					seqpack_daemon_info *ret,
					seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	uint64_t id;
	size_t off;
	begin(c, SP_HELLO, &id, &off);
	sp_put_u16(&c->out, SP_VERSION_MIN);
	sp_put_u16(&c->out, SP_VERSION);
	int rc = finish_msg(c, off, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct sp_rd r;
	rc = rpc(c, SP_HELLO, id, 4096, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_daemon_info info = {0};
	info.protocol = sp_get_u16(&r);
	info.protocol_min = sp_get_u16(&r);
	info.protocol_max = sp_get_u16(&r);
	(void)sp_get_u16(&r);
	sp_get_str(&r, info.version, sizeof(info.version));
	info.max_request_bytes = sp_get_u32(&r);
	info.max_lengths = sp_get_u32(&r);
	info.max_inflight = sp_get_u32(&r);
	info.max_streams = sp_get_u32(&r);
	info.read_timeout_ms = sp_get_u32(&r);
	info.idle_timeout_ms = sp_get_u32(&r);
	/* 64 bytes is the daemon's own minimum; below it no request fits
	 * and the stream batch size would underflow. */
	if (r.bad || info.max_request_bytes < 64)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed HELLO reply");
	if (info.protocol != SP_VERSION)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "the daemon chose a protocol version we do not speak");
	c->info = info;
	*ret = info;
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_client_connect(const char *path,
					  seqpack_client **ret,
					  seqpack_error *err)
{
	if (!ret)
		return seterr(err, SEQPACK_ERR_INVALID, "ret is NULL");
	if (!path)
		path = secure_getenv("SEQPACK_SOCKET");
	if (!path || !*path)
		path = SEQPACK_DEFAULT_SOCKET;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	seqpack_client *c = calloc(1, sizeof(*c));
	if (!c)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	c->out_fd = -1;
	const char *mode = secure_getenv("SEQPACK_CLIENT_SHM");
	if (mode && (!strcmp(mode, "0") || !strcmp(mode, "never")))
		c->shm_mode = SHM_NEVER;
	else if (mode && (!strcmp(mode, "1") || !strcmp(mode, "always")))
		c->shm_mode = SHM_ALWAYS;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int e = errno;
		free(c);
		return seterr(err, SEQPACK_ERR_IO, "socket: %s", strerror(e));
	}
	int r;
	do
		r = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		seqpack_client_close(c);
		return seterr(err, e == EACCES || e == EPERM
					   ? SEQPACK_ERR_PERMISSION
					   : SEQPACK_ERR_IO,
			      "cannot connect to seqpackd at '%s': %s", path,
			      strerror(e));
	}
	seqpack_daemon_info info;
	int rc = seqpack_client_hello(c, &info, err);
	if (rc != SEQPACK_OK) {
		seqpack_client_close(c);
		return rc;
	}
	*ret = c;
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_client *seqpack_client_close(seqpack_client *c)
{
	if (!c)
		return NULL;
	/* Streams left open die with the connection; the daemon frees its
	 * side when it sees the close. */
	for (size_t i = 0; i < c->nstreams; i++) {
		c->streams[i]->c = NULL;
		seqpack_client_stream_free(c->streams[i]);
	}
	free(c->streams);
	if (c->fd >= 0)
		close(c->fd);
	if (c->shm)
		munmap(c->shm, c->shm_size);
	free(c->own.items);
	free(c->own.offsets);
	free(c->own.used);
	sp_buf_free(&c->out);
	free(c->in);
	free(c->ids);
	free(c);
	return NULL;
}

/* ------------------------------------------------------------------ */

static char *dup_str(struct sp_rd *r)
{
	char tmp[1024];
	sp_get_str(r, tmp, sizeof(tmp));
	return r->bad ? NULL : strdup(tmp);
}

SEQPACK_EXPORT seqpack_algorithm_list *seqpack_algorithm_list_free(
	seqpack_algorithm_list *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->count; i++) {
		seqpack_plugin_info *p = &l->algorithms[i];
		free((char *)p->name);
		free((char *)p->title);
		free((char *)p->description);
		free((char *)p->path);
	}
	free(l->algorithms);
	free(l);
	return NULL;
}

SEQPACK_EXPORT int seqpack_client_list(seqpack_client *c,
				       seqpack_algorithm_list **ret,
				       seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	uint64_t id;
	size_t off;
	begin(c, SP_LIST, &id, &off);
	int rc = finish_msg(c, off, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct sp_rd r;
	rc = rpc(c, SP_LIST, id, SMALL_REPLY_MAX, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	uint32_t count = sp_get_u32(&r);
	/* each entry takes at least 12 bytes: bound count before calloc */
	if (r.bad || count > sp_rd_left(&r) / 12)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed LIST reply");
	seqpack_algorithm_list *l = calloc(1, sizeof(*l));
	if (!l || !(l->algorithms = calloc(count + 1, sizeof(*l->algorithms)))) {
		free(l);
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		seqpack_plugin_info *p = &l->algorithms[i];
		l->count = i + 1;
		p->name = dup_str(&r);
		p->title = dup_str(&r);
		p->description = dup_str(&r);
		p->flags = sp_get_u32(&r);
		p->path = dup_str(&r);
		if (!r.bad && (!p->name || !p->title || !p->description ||
			       !p->path)) {
			seqpack_algorithm_list_free(l);
			return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
		}
	}
	if (r.bad || sp_rd_left(&r)) {
		seqpack_algorithm_list_free(l);
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed LIST reply");
	}
	*ret = l;
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_daemon_stats *seqpack_daemon_stats_free(
	seqpack_daemon_stats *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->count; i++)
		free((char *)s->stats[i].name);
	free(s->stats);
	free(s);
	return NULL;
}

SEQPACK_EXPORT uint64_t seqpack_daemon_stats_get(const seqpack_daemon_stats *s,
						 const char *name)
{
	if (!s || !name)
		return 0;
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->stats[i].name, name) == 0)
			return s->stats[i].value;
	return 0;
}

SEQPACK_EXPORT int seqpack_client_stats(seqpack_client *c,
					seqpack_daemon_stats **ret,
					seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	uint64_t id;
	size_t off;
	begin(c, SP_STATS, &id, &off);
	int rc = finish_msg(c, off, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct sp_rd r;
	rc = rpc(c, SP_STATS, id, SMALL_REPLY_MAX, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	uint32_t count = sp_get_u32(&r);
	if (r.bad || count > sp_rd_left(&r) / 10)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed STATS reply");
	seqpack_daemon_stats *s = calloc(1, sizeof(*s));
	if (!s || !(s->stats = calloc(count + 1, sizeof(*s->stats)))) {
		free(s);
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		s->count = i + 1;
		s->stats[i].name = dup_str(&r);
		s->stats[i].value = sp_get_u64(&r);
		if (!r.bad && !s->stats[i].name) {
			seqpack_daemon_stats_free(s);
			return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
		}
	}
	if (r.bad || sp_rd_left(&r)) {
		seqpack_daemon_stats_free(s);
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "malformed STATS reply");
	}
	*ret = s;
	return SEQPACK_OK;
}

/* ------------------------------------------------------------------ */

static int check_algorithm(const char *algorithm, seqpack_error *err)
{
	if (!algorithm)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "algorithm name is required");
	if (strlen(algorithm) >= SEQPACK_NAME_MAX)
		return seterr(err, SEQPACK_ERR_NOT_FOUND,
			      "unknown algorithm '%.40s': names are at most %u characters",
			      algorithm, SEQPACK_NAME_MAX - 1);
	return SEQPACK_OK;
}

/* Decode the head of a PACK or PACK_SHM reply body (name, counts and
 * metrics) for the n lengths we sent, into res (arrays untouched). */
static int decode_head(seqpack_client *c, struct sp_rd *r, size_t n,
		       seqpack_result *res, seqpack_error *err)
{
	char name[SEQPACK_NAME_MAX];
	sp_get_str(r, name, sizeof(name));
	uint32_t rn = sp_get_u32(r);
	uint32_t nbins = sp_get_u32(r);
	seqpack_metrics m;
	m.bins = sp_get_u64(r);
	m.total_tokens = sp_get_u64(r);
	m.capacity = sp_get_u64(r);
	m.padding_tokens = sp_get_u64(r);
	m.lower_bound = sp_get_u64(r);
	m.max_items_per_bin = sp_get_u64(r);
	m.efficiency = sp_get_f64(r);
	m.mean_items_per_bin = sp_get_f64(r);
	m.elapsed_ns = sp_get_u64(r);
	if (r->bad || rn != n || nbins > n)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "PACK reply does not match the request");
	memcpy(res->algorithm, name, sizeof(name));
	res->n = n;
	res->nbins = nbins;
	res->metrics = m;
	return SEQPACK_OK;
}

/* What a caller can index with without checking: offsets rising from 0
 * to n, every item an input index, no bin over capacity.  Sequential
 * and branch-light, a fraction of seqpack_verify()'s random accesses. */
static int check_shape(size_t n, const seqpack_params *params,
		       const seqpack_result *res, seqpack_error *err)
{
	const uint32_t *off = res->offsets;
	if (off[0] != 0 || off[res->nbins] != n)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a malformed packing: offsets run from %u to %u for %zu sequences",
			      off[0], off[res->nbins], n);
	/* Eight independent lanes, so that -O2 vectorises both loops (half
	 * the time of one running value at n = 100k). */
	const uint32_t *items = res->items, *used = res->used;
	const uint32_t cap = params->capacity;
	uint32_t bad8[8] = {0}, top8[8] = {0};
	size_t b = 0, i = 0;
	for (; b + 8 <= res->nbins; b += 8)
		for (size_t k = 0; k < 8; k++)
			bad8[k] |= (uint32_t)(off[b + k + 1] <= off[b + k]) |
				   (uint32_t)(used[b + k] > cap);
	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			top8[k] = items[i + k] > top8[k] ? items[i + k]
							 : top8[k];
	uint32_t bad = 0, top = 0;
	for (size_t k = 0; k < 8; k++) {
		bad |= bad8[k];
		top = top8[k] > top ? top8[k] : top;
	}
	for (; b < res->nbins; b++)
		bad |= (uint32_t)(off[b + 1] <= off[b]) |
		       (uint32_t)(used[b] > cap);
	for (; i < n; i++)
		top = items[i] > top ? items[i] : top;
	if (bad || (n && top >= n))
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a malformed packing (an empty or over-full bin, or an index out of range)");
	return SEQPACK_OK;
}

/* Never hand out a packing we have not checked: the daemon is another
 * program, and its reply crossed a socket or sat in shared memory.  With
 * SEQPACK_PARAM_VERIFY the check is seqpack_verify()'s, against the
 * lengths we sent; without, as in-process, only its shape is checked
 * (the daemon has verified it in any case). */
static int check_result(const uint32_t *lengths, size_t n,
			const seqpack_params *params,
			const seqpack_result *res, seqpack_error *err)
{
	if (!(params->flags & SEQPACK_PARAM_VERIFY))
		return check_shape(n, params, res, err);
	seqpack_error verr;
	if (seqpack_verify(lengths, n, params, res, &verr) != SEQPACK_OK)
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "seqpackd returned a wrong packing: %s",
			      verr.message);
	return SEQPACK_OK;
}

/* Make own's arrays hold n sequences.  They only grow, so a caller that
 * packs in a loop touches the same pages every time. */
static int own_room(seqpack_client *c, size_t n, seqpack_error *err)
{
	if (n + 1 <= c->own_cap)
		return SEQPACK_OK;
	size_t bytes = (n + 1) * sizeof(uint32_t);
	uint32_t *a[3];
	for (int i = 0; i < 3; i++)
		a[i] = malloc(bytes);
	if (!a[0] || !a[1] || !a[2]) {
		for (int i = 0; i < 3; i++)
			free(a[i]);
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a result of %zu sequences", n);
	}
	free(c->own.items);
	free(c->own.offsets);
	free(c->own.used);
	c->own.items = a[0];
	c->own.offsets = a[1];
	c->own.used = a[2];
	c->own_cap = n + 1;
	return SEQPACK_OK;
}

/* Where a pack call puts its result: a new one for seqpack_client_pack(),
 * the client's for seqpack_client_pack_reuse(). */
struct pack_out {
	seqpack_result **fresh;
	const seqpack_result **reuse;
};

/* The socket path: PACK, arrays in the reply. */
static int pack_socket(seqpack_client *c, const char *algorithm,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *params, struct pack_out out,
		       seqpack_error *err)
{
	uint64_t id;
	size_t off;
	begin(c, SP_PACK, &id, &off);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	sp_put_u32(&c->out, (uint32_t)n);
	sp_put_u32_array(&c->out, lengths, n);
	int rc = finish_msg(c, off, err);
	if (rc != SEQPACK_OK)
		return rc;
	/* status + name + counts + metrics + arrays at most, or an error
	 * message of up to 64 KiB */
	size_t limit = 4 + 2 + SEQPACK_NAME_MAX + 8 + 9 * 8 + (3 * n + 1) * 4 +
		       (1u << 16);
	struct sp_rd r;
	rc = rpc(c, SP_PACK, id, limit, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result head;
	rc = decode_head(c, &r, n, &head, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (sp_rd_left(&r) != (n + 2 * head.nbins + 1) * 4)
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "PACK reply does not match the request");
	seqpack_result *res;
	if (out.fresh) {
		rc = seqpack_result_new(n, &res, err);
	} else {
		rc = own_room(c, n, err);
		res = &c->own;
	}
	if (rc != SEQPACK_OK)
		return rc;
	sp_get_u32_array(&r, res->items, n);
	sp_get_u32_array(&r, res->offsets, head.nbins + 1);
	sp_get_u32_array(&r, res->used, head.nbins);
	memcpy(res->algorithm, head.algorithm, sizeof(head.algorithm));
	res->n = n;
	res->nbins = head.nbins;
	res->metrics = head.metrics;
	rc = check_result(lengths, n, params, res, err);
	if (out.fresh) {
		if (rc != SEQPACK_OK)
			seqpack_result_free(res);
		else
			*out.fresh = res;
	} else if (rc == SEQPACK_OK) {
		*out.reuse = res;
	}
	return rc;
}

/* Attach a region of at least need bytes unless one is.  Returns
 * SEQPACK_OK, USE_SOCKET when shared memory is not to be had (for this
 * request, or for good when the daemon or kernel lacks it: shm_off), or
 * the error that broke the connection. */
static int shm_ensure(seqpack_client *c, size_t need, seqpack_error *err)
{
	if (c->shm && c->shm_size >= need)
		return SEQPACK_OK;
	uint64_t limit = (uint64_t)SP_SHM_MAX_FACTOR * c->info.max_request_bytes;
	if (need > limit)
		return USE_SOCKET;
	size_t size = c->shm_size ? c->shm_size : SHM_MIN_SIZE;
	while (size < need && size <= SIZE_MAX / 2)
		size *= 2;
	if (size > limit) /* need fits: a page multiple of it will */
		size = (need + 4095) & ~(size_t)4095;
	if (size > limit)
		size = need;
	int fd = memfd_create("seqpack-client", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		c->shm_off = 1; /* no memfd on this kernel */
		return USE_SOCKET;
	}
	/* Sealed against shrinking: the daemon refuses a region that could
	 * shrink under its mapping (it would take SIGBUS). */
	if (ftruncate(fd, (off_t)size) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
		/* out of memory: maybe next time; anything else: never */
		int e = errno;
		close(fd);
		c->shm_off = e != ENOMEM && e != ENOSPC;
		return USE_SOCKET;
	}
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  0);
	if (p == MAP_FAILED) {
		close(fd);
		return USE_SOCKET;
	}
	/* Fault in what this request uses in one call rather than a page
	 * at a time (5-8 us each on a VM); an old kernel just says no. */
	size_t populate = (need + 4095) & ~(size_t)4095;
	(void)madvise(p, populate < size ? populate : size,
		      MADV_POPULATE_WRITE);
	uint64_t id;
	size_t off;
	begin(c, SP_SHM_ATTACH, &id, &off);
	sp_put_u64(&c->out, size);
	seqpack_error e;
	int rc = finish_msg(c, off, &e);
	if (rc == SEQPACK_OK) {
		struct sp_rd r;
		c->out_fd = fd;
		rc = rpc(c, SP_SHM_ATTACH, id, 4096, &r, &e);
		c->out_fd = -1;
		if (rc == SEQPACK_OK && sp_rd_left(&r))
			rc = broken(c, SEQPACK_ERR_PROTOCOL, &e,
				    "malformed SHM_ATTACH reply");
	}
	/* The daemon mapped its own view, or refused: ours is all we need. */
	close(fd);
	if (rc != SEQPACK_OK) {
		munmap(p, size);
		if (c->broken) {
			if (err)
				*err = e;
			return rc;
		}
		/* An older daemon answers "unknown message type": stop
		 * asking.  A refusal of this size only affects this one. */
		if (rc != SEQPACK_ERR_LIMIT && rc != SEQPACK_ERR_NOMEM)
			c->shm_off = 1;
		return USE_SOCKET;
	}
	if (c->shm)
		munmap(c->shm, c->shm_size);
	c->shm = p;
	c->shm_size = size;
	return SEQPACK_OK;
}

/* The shared memory path: lengths at offset 0 of the region, the result
 * right after them; only the counts and metrics cross the socket. */
static int pack_shm(seqpack_client *c, const char *algorithm,
		    const uint32_t *lengths, size_t n,
		    const seqpack_params *params, struct pack_out out,
		    seqpack_error *err)
{
	size_t roff = n * 4;
	memcpy(c->shm, lengths, n * 4);
	uint64_t id;
	size_t off;
	begin(c, SP_PACK_SHM, &id, &off);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	sp_put_u32(&c->out, (uint32_t)n);
	sp_put_u64(&c->out, 0);
	sp_put_u64(&c->out, roff);
	int rc = finish_msg(c, off, err);
	if (rc != SEQPACK_OK)
		return rc;
	size_t limit = 4 + 2 + SEQPACK_NAME_MAX + 8 + 9 * 8 + (1u << 16);
	struct sp_rd r;
	rc = rpc(c, SP_PACK_SHM, id, limit, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result *v = &c->view;
	rc = decode_head(c, &r, n, v, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (sp_rd_left(&r))
		return broken(c, SEQPACK_ERR_PROTOCOL, err,
			      "PACK_SHM reply does not match the request");
	v->items = (uint32_t *)(void *)(c->shm + roff);
	v->offsets = v->items + n;
	v->used = v->offsets + v->nbins + 1;
	if (out.reuse) {
		rc = check_result(lengths, n, params, v, err);
		if (rc == SEQPACK_OK)
			*out.reuse = v;
		return rc;
	}
	seqpack_result *res;
	rc = seqpack_result_new(n, &res, err);
	if (rc != SEQPACK_OK)
		return rc;
	memcpy(res->items, v->items, n * 4);
	memcpy(res->offsets, v->offsets, (v->nbins + 1) * 4);
	memcpy(res->used, v->used, v->nbins * 4);
	memcpy(res->algorithm, v->algorithm, sizeof(v->algorithm));
	res->nbins = v->nbins;
	res->metrics = v->metrics;
	rc = check_result(lengths, n, params, res, err);
	if (rc != SEQPACK_OK)
		seqpack_result_free(res);
	else
		*out.fresh = res;
	return rc;
}

static int client_pack(seqpack_client *c, const char *algorithm,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *params, struct pack_out out,
		       seqpack_error *err)
{
	int rc = check_algorithm(algorithm, err);
	if (rc != SEQPACK_OK)
		return rc;
	/* Same checks, same messages as in-process, without a round trip. */
	rc = seqpack_params_check(params, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = seqpack_lengths_check(lengths, n, params->capacity, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (n > c->info.max_lengths)
		return seterr(err, SEQPACK_ERR_LIMIT,
			      "%zu sequences is more than the daemon's limit of %u per request",
			      n, c->info.max_lengths);
	size_t size = 2 + strlen(algorithm) + SP_PARAMS_SIZE + 4 + 4 * n;
	if (size > c->info.max_request_bytes)
		return seterr(err, SEQPACK_ERR_LIMIT,
			      "a request of %zu bytes is above the daemon's limit of %u",
			      size, c->info.max_request_bytes);
	if (c->broken)
		return seterr(err, SEQPACK_ERR_STATE,
			      "seqpackd connection failed earlier; reconnect");
	int shm = !c->shm_off && n > 0 && c->shm_mode != SHM_NEVER &&
		  (n >= SHM_MIN_LENGTHS || c->shm_mode == SHM_ALWAYS);
	if (shm) {
		rc = shm_ensure(c, n * 4 + sp_shm_result_bytes(n), err);
		if (rc == SEQPACK_OK)
			return pack_shm(c, algorithm, lengths, n, params, out,
					err);
		if (rc != USE_SOCKET)
			return rc;
	}
	return pack_socket(c, algorithm, lengths, n, params, out, err);
}

SEQPACK_EXPORT int seqpack_client_pack(seqpack_client *c,
				       const char *algorithm,
				       const uint32_t *lengths, size_t n,
				       const seqpack_params *params,
				       seqpack_result **ret,
				       seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	struct pack_out out = {.fresh = ret};
	return client_pack(c, algorithm, lengths, n, params, out, err);
}

SEQPACK_EXPORT int seqpack_client_pack_reuse(seqpack_client *c,
					     const char *algorithm,
					     const uint32_t *lengths, size_t n,
					     const seqpack_params *params,
					     const seqpack_result **ret,
					     seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	struct pack_out out = {.reuse = ret};
	return client_pack(c, algorithm, lengths, n, params, out, err);
}

/* ------------------------------------------------------------------ */

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
	int rc = check_algorithm(algorithm, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = seqpack_params_check(params, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_client_stream *s = calloc(1, sizeof(*s));
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
	if (!s || !st || !s->bids || !s->blens) {
		if (s) {
			free(s->bids);
			free(s->blens);
		}
		free(s);
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	uint64_t id;
	size_t off;
	begin(c, SP_STREAM_OPEN, &id, &off);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	rc = finish_msg(c, off, err);
	struct sp_rd r;
	if (rc == SEQPACK_OK)
		rc = rpc(c, SP_STREAM_OPEN, id, 4096, &r, err);
	if (rc == SEQPACK_OK) {
		s->id = sp_get_u32(&r);
		if (r.bad || find_stream(c, s->id))
			rc = broken(c, SEQPACK_ERR_PROTOCOL, err,
				    "malformed STREAM_OPEN reply");
	}
	if (rc != SEQPACK_OK) {
		free(s->bids);
		free(s->blens);
		free(s);
		return rc;
	}
	s->c = c;
	s->params = *params;
	s->cb = cb;
	s->ctx = ctx;
	c->streams[c->nstreams++] = s;
	*ret = s;
	return SEQPACK_OK;
}

/* Map what happened to the stream during an rpc onto the call's status,
 * as seqpack_stream_* would report it. */
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

static int stream_ready(seqpack_client_stream *s, seqpack_error *err)
{
	if (!s)
		return seterr(err, SEQPACK_ERR_INVALID, "stream is NULL");
	if (!s->c)
		return seterr(err, SEQPACK_ERR_STATE,
			      "the stream's connection is closed");
	if (s->done)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream is finished or failed; no more pushes");
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_client_stream_flush(seqpack_client_stream *s,
					       seqpack_error *err)
{
	int rc = stream_ready(s, err);
	if (rc != SEQPACK_OK || s->nbuf == 0)
		return rc;
	seqpack_client *c = s->c;
	uint64_t id;
	size_t off;
	begin(c, SP_STREAM_PUSH, &id, &off);
	sp_put_u32(&c->out, s->id);
	sp_put_u32(&c->out, (uint32_t)s->nbuf);
	if (sp_buf_reserve(&c->out, s->nbuf * 12) == 0)
		for (size_t i = 0; i < s->nbuf; i++) {
			sp_put_u64(&c->out, s->bids[i]);
			sp_put_u32(&c->out, s->blens[i]);
		}
	s->nbuf = 0;
	rc = finish_msg(c, off, err);
	struct sp_rd r;
	if (rc == SEQPACK_OK)
		rc = rpc(c, SP_STREAM_PUSH, id, 4096, &r, err);
	return stream_outcome(s, rc, err);
}

SEQPACK_EXPORT int seqpack_client_stream_push(seqpack_client_stream *s,
					      uint64_t id, uint32_t length,
					      seqpack_error *err)
{
	int rc = stream_ready(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (length == 0)
		return seterr(err, SEQPACK_ERR_LENGTH,
			      "sequence %llu has length 0 (empty sequences cannot be packed)",
			      (unsigned long long)id);
	if (length > s->params.capacity)
		return seterr(err, SEQPACK_ERR_LENGTH,
			      "sequence %llu has length %u > capacity %u",
			      (unsigned long long)id, length,
			      s->params.capacity);
	s->bids[s->nbuf] = id;
	s->blens[s->nbuf] = length;
	if (++s->nbuf == s->batch)
		return seqpack_client_stream_flush(s, err);
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_client_stream_finish(seqpack_client_stream *s,
						seqpack_error *err)
{
	int rc = seqpack_client_stream_flush(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_client *c = s->c;
	uint64_t id;
	size_t off;
	begin(c, SP_STREAM_FINISH, &id, &off);
	sp_put_u32(&c->out, s->id);
	rc = finish_msg(c, off, err);
	struct sp_rd r;
	if (rc == SEQPACK_OK)
		rc = rpc(c, SP_STREAM_FINISH, id, 4096, &r, err);
	rc = stream_outcome(s, rc, err);
	s->done = 1;
	/* the daemon dropped its side after a finish, whatever the outcome */
	s->id = UINT32_MAX;
	return rc;
}

SEQPACK_EXPORT uint64_t seqpack_client_stream_packs(
	const seqpack_client_stream *s)
{
	return s ? s->packs : 0;
}

SEQPACK_EXPORT seqpack_client_stream *seqpack_client_stream_free(
	seqpack_client_stream *s)
{
	if (!s)
		return NULL;
	seqpack_client *c = s->c;
	if (c) {
		if (s->id != UINT32_MAX && !c->broken) {
			uint64_t id;
			size_t off;
			struct sp_rd r;
			begin(c, SP_STREAM_CLOSE, &id, &off);
			sp_put_u32(&c->out, s->id);
			if (finish_msg(c, off, NULL) == SEQPACK_OK)
				(void)rpc(c, SP_STREAM_CLOSE, id, 4096, &r,
					  NULL);
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
	return NULL;
}
