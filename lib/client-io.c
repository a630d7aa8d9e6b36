/* The seqpackd client's transport and request loop: framing and sending
 * a request (with a descriptor when it carries one), reading messages
 * with exact reads, and waiting for a request's reply.  The daemon is a
 * separate process and may be buggy, so a reply's length is bounded by
 * what the request can explain and memory grows only as bytes arrive;
 * it may also hang, so with a deadline every send and read is
 * nonblocking and waits in poll() for what is left of it.  Without one
 * they block, as the socket does. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client-io.h"
#include "util/clock-internal.h"

int client_broken(seqpack_client *c, int status, seqpack_error *err,
		  const char *what)
{
	c->broken = 1;
	return seterr(err, status, "seqpackd connection: %s", what);
}

/* A failed system call (errno) breaks the connection. */
static int broken_io(seqpack_client *c, const char *call, seqpack_error *err)
{
	int e = errno;
	c->broken = 1;
	if (e == EPIPE || e == ECONNRESET)
		c->peer_gone = 1;
	return seterr(err, SEQPACK_ERR_IO, "seqpackd connection: %s: %s", call,
		      strerror(e));
}

int client_usable(seqpack_client *c, seqpack_error *err)
{
	if (c->broken)
		return seterr(err, SEQPACK_ERR_STATE,
			      "seqpackd connection failed earlier; reconnect");
	return SEQPACK_OK;
}

int client_reentered(const seqpack_client *c, seqpack_error *err)
{
	if (c->in_callback)
		return seterr(err, SEQPACK_ERR_STATE,
			      "seqpackd client used from a stream pack callback while its request is running; call it after the callback returns");
	return SEQPACK_OK;
}

int client_enter(seqpack_client *c, seqpack_error *err)
{
	int rc = client_reentered(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	c->retryable = 0; /* only what goes wrong in this call counts */
	c->deadline_ns = c->timeout_ms ? util_now_ns() +
						 (uint64_t)c->timeout_ms * 1000000u
				       : 0;
	return SEQPACK_OK;
}

unsigned client_ms_left(const seqpack_client *c)
{
	if (!c->deadline_ns)
		return 0;
	uint64_t now = util_now_ns();
	if (now >= c->deadline_ns)
		return 1;
	uint64_t ms = (c->deadline_ns - now + 999999u) / 1000000u;
	return ms > UINT_MAX ? UINT_MAX : (unsigned)ms;
}

/* The call's deadline passed: what is on the wire is unknown (a late
 * reply may still come), so the connection cannot be used again. */
static int timed_out(seqpack_client *c, const char *what, seqpack_error *err)
{
	c->broken = 1;
	return seterr(err, SEQPACK_ERR_TIMEOUT,
		      "seqpackd at '%s' did not %s within the client's timeout of %u ms; the connection cannot be used again",
		      c->path, what, c->timeout_ms);
}

/* Wait until the socket is ready for events or the deadline passes. */
static int wait_ready(seqpack_client *c, short events, const char *what,
		      seqpack_error *err)
{
	for (;;) {
		int ms = -1;
		if (c->deadline_ns) {
			if (util_now_ns() >= c->deadline_ns)
				return timed_out(c, what, err);
			unsigned left = client_ms_left(c);
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		struct pollfd p = {.fd = c->fd, .events = events};
		int r = poll(&p, 1, ms);
		/* POLLHUP and POLLERR too: the next call says what it is */
		if (r > 0)
			return SEQPACK_OK;
		if (r < 0 && errno != EINTR)
			return broken_io(c, "poll", err);
	}
}

/* MSG_DONTWAIT when the call has a deadline, which poll() then keeps. */
static int io_flags(const seqpack_client *c)
{
	return c->deadline_ns ? MSG_DONTWAIT : 0;
}

void client_begin(seqpack_client *c, uint16_t type)
{
	c->out.len = 0;
	c->out.oom = 0;
	c->out_type = type;
	c->out_id = ++c->next_id;
	c->out_off = sp_begin(&c->out, type, c->out_id);
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
	ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | io_flags(c));
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
					   c->out.len - off,
					   MSG_NOSIGNAL | io_flags(c));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_ready(c, POLLOUT, "take the request", err);
			if (rc != SEQPACK_OK)
				return rc;
			continue;
		}
		if (w <= 0)
			return broken_io(c, "send", err);
		off += (size_t)w;
	}
	return SEQPACK_OK;
}

static int read_exact(seqpack_client *c, uint8_t *p, size_t n,
		      seqpack_error *err)
{
	while (n > 0) {
		ssize_t r = recv(c->fd, p, n, io_flags(c));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_ready(c, POLLIN, "answer", err);
			if (rc != SEQPACK_OK)
				return rc;
			continue;
		}
		if (r < 0)
			return broken_io(c, "read", err);
		if (r == 0) {
			c->peer_gone = 1;
			return client_broken(c, SEQPACK_ERR_IO, err,
					     "the daemon closed the connection");
		}
		c->reply_bytes += (size_t)r;
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
	/* A reply is rarely there yet: wait first rather than pay for a
	 * recv() that says EAGAIN. */
	int rc = c->deadline_ns ? wait_ready(c, POLLIN, "answer", err)
				: SEQPACK_OK;
	if (rc == SEQPACK_OK)
		rc = read_exact(c, hb, sizeof(hb), err);
	if (rc != SEQPACK_OK)
		return rc;
	sp_header_decode(hb, h);
	if (h->magic != SP_MAGIC || h->version != SP_VERSION)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "reply with a wrong magic or protocol version");
	/* A stream pack can hold any number of ids, so events are bounded
	 * only by what actually arrives. */
	if (h->length > limit && h->type != SP_EVENT_PACK)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "reply larger than the request can explain");
	size_t have = 0;
	while (have < h->length) {
		if (have == c->incap) {
			size_t cap = c->incap ? c->incap * 2 : 4096;
			if (cap > h->length)
				cap = h->length;
			uint8_t *p = realloc(c->in, cap);
			if (!p) /* the rest of the reply is unread */
				return client_broken(c, SEQPACK_ERR_NOMEM, err,
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

/* The reply (or the connection-wide error) to the request sent: its
 * status, and the daemon's message when that is not SEQPACK_OK. */
static int reply_status(seqpack_client *c, const struct sp_header *h,
			struct sp_rd *body, seqpack_error *err)
{
	int last = h->type == SP_ERROR;
	if (!last && (h->type != (c->out_type | SP_REPLY) || h->id != c->out_id))
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "reply to a request we did not send");
	sp_rd_init(body, c->in, h->length);
	uint32_t status = sp_get_u32(body);
	if (body->bad)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "reply without a status");
	if (status == SEQPACK_OK && !last)
		return SEQPACK_OK;
	char msg[sizeof(err->message)];
	sp_get_str(body, msg, sizeof(msg));
	if (status == SEQPACK_OK || status >= SEQPACK_STATUS_COUNT_)
		status = SEQPACK_ERR_PROTOCOL;
	if (last) {
		c->broken = 1;
		/* The daemon closes an idle connection with a connection-wide
		 * TIMEOUT; it had not read our request. */
		c->retryable = status == SEQPACK_ERR_TIMEOUT && h->id == 0;
	}
	/* A daemon's error without a message (or with a bad one) still
	 * names its status: an empty message tells the caller nothing. */
	return seterr(err, (int)status, "%s",
		      body->bad || !msg[0] ? seqpack_strerror((int)status)
					    : msg);
}

int client_call(seqpack_client *c, size_t limit, struct sp_rd *body,
		seqpack_error *err)
{
	sp_end(&c->out, c->out_off);
	if (c->out.oom)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a request");
	int rc = client_usable(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	c->retryable = 0;
	c->peer_gone = 0;
	c->reply_bytes = 0;
	rc = send_all(c, err);
	int send_failed = rc != SEQPACK_OK, send_rc = rc;
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
		if (send_failed && (rc != SEQPACK_OK || h.type != SP_ERROR)) {
			c->broken = 1;
			c->retryable = c->peer_gone && c->reply_bytes == 0 &&
				       send_rc != SEQPACK_ERR_TIMEOUT;
			if (err)
				*err = send_err;
			return send_rc;
		}
		if (rc != SEQPACK_OK) {
			c->retryable = c->peer_gone && c->reply_bytes == 0;
			return rc;
		}
		if (h.type != SP_EVENT_PACK || h.id != c->out_id)
			return reply_status(c, &h, body, err);
		rc = c->on_stream_event(c, h.length, err);
		if (rc != SEQPACK_OK)
			return rc;
	}
}

int client_reply_end(seqpack_client *c, const struct sp_rd *r,
		     const char *malformed, seqpack_error *err)
{
	if (r->bad || sp_rd_left(r))
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err, malformed);
	return SEQPACK_OK;
}
