/* Reading requests off a nonblocking socket, incrementally: a request's
 * buffer grows only as its bytes arrive, and its declared length is
 * checked against the limits first and then held against the memory
 * budget (conn_reserve()) before any of it is read.  Descriptors passed
 * with SCM_RIGHTS are collected for the request they came with. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "read.h"
#include "request.h"
#include "stats.h"
#include "util/clock-internal.h"

/* First payload buffer; it doubles as bytes arrive. */
#define PAYLOAD_START 4096u

/* Take the complete message out of c, leaving c ready for the next. */
static struct request take_request(struct conn *c)
{
	struct request q = {.h = c->h, .payload = c->payload,
			    .len = c->pay_have, .fd = c->rx_fd,
			    .fd_bad = c->rx_bad};
	c->payload = NULL;
	c->pay_have = c->pay_cap = 0;
	c->hdr_have = 0;
	c->in_payload = 0;
	c->msg_start_ms = 0;
	c->rx_fd = -1;
	c->rx_bad = 0;
	return q;
}

static void complete_message(struct conn *c)
{
	/* the job holds the payload's budget from here on; a request
	 * answered on the spot gives it back */
	uint64_t held = c->reserved;
	c->reserved = 0;
	_cleanup_request_ struct request q = take_request(c);
	if (!dispatch_request(c, &q))
		conn_give(c, held);
}

static int check_header(struct conn *c)
{
	struct sp_header *h = &c->h;
	sp_header_decode(c->hdr, h);
	if (h->magic != SP_MAGIC) {
		conn_fail(c, SP_ERROR, 0, SEQPACK_ERR_PROTOCOL,
			  "bad magic 0x%08x (expected 0x%08x, \"SQPK\")",
			  h->magic, SP_MAGIC);
		return -1;
	}
	if (h->version < SP_VERSION_MIN || h->version > SP_VERSION) {
		conn_fail(c, SP_ERROR, h->id, SEQPACK_ERR_PROTOCOL,
			  "protocol version %u is not supported (seqpackd speaks %u..%u)",
			  h->version, SP_VERSION_MIN, SP_VERSION);
		return -1;
	}
	if (h->length > c->tab->cfg->max_request_bytes) {
		conn_fail(c, h->type | SP_REPLY, h->id, SEQPACK_ERR_LIMIT,
			  "request payload of %u bytes is above the limit of %u",
			  h->length, c->tab->cfg->max_request_bytes);
		return -1;
	}
	const struct budget *b = &c->tab->budget;
	if (h->length > budget_request_max(b)) {
		int whole = b->limit <= b->share_limit;
		conn_fail(c, h->type | SP_REPLY, h->id, SEQPACK_ERR_LIMIT,
			  "request payload of %u bytes is above the %s of %llu bytes",
			  h->length,
			  whole ? "memory-budget" : "memory-budget-per-uid",
			  (unsigned long long)budget_request_max(b));
		return -1;
	}
	return 0;
}

static void on_eof(struct conn *c)
{
	if (c->tab->stopping && c->in_payload) {
		/* conns_stop() shut the read side in the middle of this
		 * request: its client cannot send the rest, so say why */
		conn_fail(c, c->h.type | SP_REPLY, c->h.id, SEQPACK_ERR_LIMIT,
			  "seqpackd is stopping: request %llu arrived only in part (%zu of %u payload bytes) and was not run; send it again",
			  (unsigned long long)c->h.id, c->pay_have,
			  c->h.length);
		conn_flush(c);
		return;
	}
	if (c->hdr_have || c->in_payload) {
		log_info("connection %llu: client disconnected mid-request",
			 (unsigned long long)c->serial);
		conn_kill(c);
		return;
	}
	/* The client may only have shut down its sending side and still
	 * wait for its replies. */
	c->closing = 1;
	conn_flush(c);
}

/* Descriptors that arrive belong to the message being read: reads never
 * go past its end, and the kernel hands a descriptor over with the first
 * byte it was sent with.  One is kept; any more are closed and mark the
 * message bad, as does a descriptor the kernel had to drop. */
static void take_fds(struct conn *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (c->rx_fd < 0 && !c->rx_bad) {
				c->rx_fd = fd;
			} else {
				close(fd);
				c->rx_bad = 1;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		c->rx_bad = c->rx_fd >= 0 ? 1 : 2;
}

static ssize_t recv_some(struct conn *c, uint8_t *dst, size_t room)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cmsg;
	struct iovec iov = {.iov_base = dst, .iov_len = room};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cmsg.buf,
			    .msg_controllen = sizeof(cmsg.buf)};
	ssize_t r = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	if (r > 0 && (mh.msg_controllen || (mh.msg_flags & MSG_CTRUNC)))
		take_fds(c, &mh);
	return r;
}

/* Room for the next bytes of the payload; -1 after an error reply. */
static int payload_room(struct conn *c)
{
	if (c->pay_have < c->pay_cap)
		return 0;
	size_t cap = c->pay_cap ? c->pay_cap * 2 : PAYLOAD_START;
	if (cap > c->h.length)
		cap = c->h.length;
	uint8_t *p = realloc(c->payload, cap);
	if (!p) {
		conn_fail(c, c->h.type | SP_REPLY, c->h.id, SEQPACK_ERR_NOMEM,
			  "out of memory reading the request");
		return -1;
	}
	c->payload = p;
	c->pay_cap = cap;
	return 0;
}

int conn_read(struct conn *c)
{
	while (conn_want_read(c)) {
		uint8_t *dst;
		size_t room;
		if (!c->in_payload) {
			dst = c->hdr + c->hdr_have;
			room = SP_HEADER_SIZE - c->hdr_have;
		} else {
			if (payload_room(c) != 0)
				break;
			dst = c->payload + c->pay_have;
			room = c->pay_cap - c->pay_have;
		}
		ssize_t r = recv_some(c, dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0) {
			log_info("connection %llu: read: %s",
				 (unsigned long long)c->serial,
				 strerror(errno));
			conn_kill(c);
			return -1;
		}
		if (r == 0) {
			on_eof(c);
			return -1;
		}
		uint64_t t = util_now_ms();
		stats_bytes((uint64_t)r, 0);
		c->last_ms = t;
		if (!c->msg_start_ms)
			c->msg_start_ms = t;
		if (!c->in_payload) {
			c->hdr_have += (size_t)r;
			if (c->hdr_have < SP_HEADER_SIZE)
				continue;
			if (check_header(c) != 0)
				break;
			c->in_payload = 1;
			c->pay_have = 0;
			if (c->h.length && conn_reserve(c) != 0)
				break; /* conn_give() resumes it */
		} else {
			c->pay_have += (size_t)r;
		}
		if (c->pay_have == c->h.length)
			complete_message(c);
	}
	return conn_flush(c);
}
