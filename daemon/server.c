/* The event loop: one thread owns the listening socket, every connection,
 * the signals (signalfd) and the registry pointer; complete requests go
 * to the worker pool and come back, with their replies, through an
 * eventfd.  Sockets are nonblocking and epoll is level-triggered, so a
 * slow or hostile peer can only ever stall its own connection:
 *  - a request is read incrementally and its buffer grows only as bytes
 *    arrive; its declared length is checked against the limit first;
 *  - a whole request must arrive within read-timeout;
 *  - a connection with max-inflight requests in the pool, or with too
 *    many reply bytes unread, is not read from until that drains. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "sd.h"
#include "stats.h"
#include "util/clock-internal.h"

/* Unsent reply bytes above which a connection is not read from. */
#define OUT_HIGH (4u << 20)
/* First payload buffer; it doubles as bytes arrive. */
#define PAYLOAD_START 4096u

unsigned seqpackd_workers;

static struct {
	struct config *cfg;
	int ep, sfd, efd;
	struct listener lis;
	seqpack_registry *reg;
	struct conn *conns;
	unsigned nconns, nlive;
	uint64_t serial;
	int stopping;
	uint64_t wd_interval_ms, wd_next_ms;
} S;

static void job_free(struct job *j)
{
	shm_unref(j->shm);
	free(j->payload);
	sp_buf_free(&j->reply);
	seqpack_registry_unref(j->reg);
	free(j);
}

/* ------------------------------------------------------------------ */
/* Connections */

static int want_read(const struct conn *c)
{
	/* Payload bytes in flight are bounded too, so one connection holds
	 * at most about two max-request-size payloads, not max-inflight. */
	return c->fd >= 0 && !c->closing && !S.stopping &&
	       c->inflight < S.cfg->max_inflight && c->out_bytes < OUT_HIGH &&
	       (c->inflight == 0 ||
		c->inflight_bytes < S.cfg->max_request_bytes);
}

static void update_events(struct conn *c)
{
	if (c->fd < 0)
		return;
	unsigned ev = (want_read(c) ? EPOLLIN : 0) |
		      (c->out_head ? EPOLLOUT : 0);
	if (ev == c->events)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (epoll_ctl(S.ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = ev;
	else
		log_err("epoll_ctl: %s", strerror(errno));
}

static void drop_partial(struct conn *c)
{
	free(c->payload);
	c->payload = NULL;
	c->pay_have = c->pay_cap = 0;
	c->hdr_have = 0;
	c->in_payload = 0;
	c->msg_start_ms = 0;
	if (c->rx_fd >= 0)
		close(c->rx_fd);
	c->rx_fd = -1;
	c->rx_bad = 0;
}

static void conn_free(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		S.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	S.nconns--;
	conn_streams_free(c);
	drop_partial(c);
	shm_unref(c->shm);
	free(c);
}

/* Close the socket now.  The struct lives on until its jobs are back. */
static void conn_kill(struct conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	S.nlive--;
	stats_connection(-1);
	log_debug("connection %llu closed", (unsigned long long)c->serial);
	while (c->out_head) {
		struct outbuf *o = c->out_head;
		c->out_head = o->next;
		free(o->data);
		free(o);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
	while (c->lane_head) {
		struct job *j = c->lane_head;
		c->lane_head = j->next;
		c->inflight--;
		c->inflight_bytes -= j->len;
		job_free(j);
	}
	c->lane_tail = NULL;
	drop_partial(c);
	/* jobs in flight hold their own reference to the region */
	shm_unref(c->shm);
	c->shm = NULL;
	if (c->inflight == 0)
		conn_free(c);
}

static void queue_out(struct conn *c, struct sp_buf *b)
{
	if (b->oom || b->len == 0) {
		sp_buf_free(b);
		return;
	}
	struct outbuf *o = malloc(sizeof(*o));
	if (!o) {
		sp_buf_free(b);
		log_err("connection %llu: out of memory queueing a reply; closing",
			(unsigned long long)c->serial);
		c->closing = 1;
		return;
	}
	o->next = NULL;
	o->data = b->data;
	o->len = b->len;
	o->off = 0;
	b->data = NULL;
	b->len = b->cap = 0;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += o->len;
}

/* Returns 0, or -1 when the connection was freed. */
static int conn_flush(struct conn *c)
{
	while (c->fd >= 0 && c->out_head) {
		struct outbuf *o = c->out_head;
		ssize_t w = send(c->fd, o->data + o->off, o->len - o->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0) {
			log_info("connection %llu: send: %s",
				 (unsigned long long)c->serial,
				 strerror(errno));
			int freed = c->inflight == 0;
			conn_kill(c);
			return freed ? -1 : 0;
		}
		stats_bytes(0, (uint64_t)w);
		c->last_ms = util_now_ms();
		o->off += (size_t)w;
		c->out_bytes -= (size_t)w;
		if (o->off == o->len) {
			c->out_head = o->next;
			if (!c->out_head)
				c->out_tail = NULL;
			free(o->data);
			free(o);
		}
	}
	if (c->fd >= 0 && c->closing && !c->out_head && c->inflight == 0) {
		conn_kill(c);
		return -1;
	}
	update_events(c);
	return 0;
}

/* An error about the framing itself: reply if we can, then close. */
static void frame_error(struct conn *c, uint16_t type, uint64_t id,
			int status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void frame_error(struct conn *c, uint16_t type, uint64_t id,
			int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("connection %llu (pid %d uid %u): %s; closing",
		 (unsigned long long)c->serial, (int)c->cred.pid,
		 (unsigned)c->cred.uid, msg);
	struct sp_buf b = {0};
	sp_put_error(&b, type, id, status, msg);
	queue_out(c, &b);
	stats_bad_frame();
	drop_partial(c);
	c->closing = 1;
}

static int is_lane(uint16_t type)
{
	return type >= SP_STREAM_OPEN && type <= SP_STREAM_CLOSE;
}

/* SHM_ATTACH, answered here rather than on a worker so that every
 * request read after it on the connection sees the new region. */
static void shm_attach(struct conn *c, const struct sp_header *h,
		       const uint8_t *payload, size_t len, int fd, int fd_bad)
{
	uint64_t t0 = util_now_ns();
	char msg[256];
	int rc;
	if (len != 8) {
		if (fd >= 0)
			close(fd);
		snprintf(msg, sizeof(msg),
			 "malformed shm_attach request: payload of %zu bytes does not match its fields",
			 len);
		rc = SEQPACK_ERR_PROTOCOL;
	} else if (fd_bad == 2 && fd < 0) {
		snprintf(msg, sizeof(msg),
			 "the shm_attach descriptor was lost (the daemon is out of file descriptors)");
		rc = SEQPACK_ERR_LIMIT;
	} else if (fd < 0 || fd_bad) {
		if (fd >= 0)
			close(fd);
		snprintf(msg, sizeof(msg),
			 "shm_attach needs exactly one file descriptor (SCM_RIGHTS), sent with the request's first byte");
		rc = SEQPACK_ERR_PROTOCOL;
	} else {
		struct sp_rd r;
		sp_rd_init(&r, payload, len);
		uint64_t size = sp_get_u64(&r);
		uint64_t limit = (uint64_t)SP_SHM_MAX_FACTOR *
				 S.cfg->max_request_bytes;
		struct shm_region *reg;
		rc = shm_map(fd, size, limit, &reg, msg, sizeof(msg));
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
	queue_out(c, &b);
	stats_request(h->type, NULL, rc != SEQPACK_OK, util_now_ns() - t0);
}

static void complete_message(struct conn *c)
{
	struct sp_header h = c->h;
	uint8_t *payload = c->payload;
	size_t len = c->pay_have;
	int fd = c->rx_fd, fd_bad = c->rx_bad;
	c->payload = NULL;
	c->pay_have = c->pay_cap = 0;
	c->hdr_have = 0;
	c->in_payload = 0;
	c->msg_start_ms = 0;
	c->rx_fd = -1;
	c->rx_bad = 0;

	if (h.flags == 0 && h.type == SP_SHM_ATTACH) {
		shm_attach(c, &h, payload, len, fd, fd_bad);
		free(payload);
		return;
	}
	if (fd >= 0 || fd_bad) {
		/* Only SHM_ATTACH takes a descriptor; whatever else came with
		 * one is refused, so the client learns of its mistake. */
		if (fd >= 0)
			close(fd);
		free(payload);
		char msg[96];
		snprintf(msg, sizeof(msg),
			 "unexpected file descriptor with a %s request",
			 sp_type_name(h.type));
		struct sp_buf b = {0};
		sp_put_error(&b, h.type | SP_REPLY, h.id,
			     SEQPACK_ERR_PROTOCOL, msg);
		queue_out(c, &b);
		stats_request(h.type <= SP_TYPE_MAX_ ? h.type : 0, NULL, 1, 0);
		return;
	}
	if (h.flags != 0 || h.type == 0 || h.type > SP_TYPE_MAX_) {
		/* The framing is intact, so the connection can go on. */
		free(payload);
		struct sp_buf b = {0};
		char msg[96];
		if (h.flags)
			snprintf(msg, sizeof(msg),
				 "unknown header flags 0x%x (must be 0)",
				 h.flags);
		else
			snprintf(msg, sizeof(msg), "unknown message type %u",
				 h.type);
		sp_put_error(&b, h.type | SP_REPLY, h.id,
			     SEQPACK_ERR_PROTOCOL, msg);
		queue_out(c, &b);
		stats_request(h.type <= SP_TYPE_MAX_ ? h.type : 0, NULL, 1, 0);
		return;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		free(payload);
		frame_error(c, h.type | SP_REPLY, h.id, SEQPACK_ERR_NOMEM,
			    "out of memory");
		return;
	}
	j->conn = c;
	j->h = h;
	j->payload = payload;
	j->len = len;
	j->reg = seqpack_registry_ref(S.reg);
	j->cfg = S.cfg;
	j->t0 = util_now_ns();
	j->lane = is_lane(h.type);
	if (h.type == SP_PACK_SHM)
		j->shm = shm_ref(c->shm);
	c->inflight++;
	c->inflight_bytes += len;
	if (!j->lane) {
		pool_submit(j);
	} else if (c->lane_busy) {
		if (c->lane_tail)
			c->lane_tail->next = j;
		else
			c->lane_head = j;
		c->lane_tail = j;
	} else {
		c->lane_busy = 1;
		pool_submit(j);
	}
}

static int check_header(struct conn *c)
{
	struct sp_header *h = &c->h;
	sp_header_decode(c->hdr, h);
	if (h->magic != SP_MAGIC) {
		frame_error(c, SP_ERROR, 0, SEQPACK_ERR_PROTOCOL,
			    "bad magic 0x%08x (expected 0x%08x, \"SQPK\")",
			    h->magic, SP_MAGIC);
		return -1;
	}
	if (h->version < SP_VERSION_MIN || h->version > SP_VERSION) {
		frame_error(c, SP_ERROR, h->id, SEQPACK_ERR_PROTOCOL,
			    "protocol version %u is not supported (seqpackd speaks %u..%u)",
			    h->version, SP_VERSION_MIN, SP_VERSION);
		return -1;
	}
	if (h->length > S.cfg->max_request_bytes) {
		frame_error(c, h->type | SP_REPLY, h->id, SEQPACK_ERR_LIMIT,
			    "request payload of %u bytes is above the limit of %u",
			    h->length, S.cfg->max_request_bytes);
		return -1;
	}
	return 0;
}

static void on_eof(struct conn *c)
{
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

/* Read what is there.  Returns -1 when c may have been freed. */
static int on_readable(struct conn *c)
{
	while (want_read(c)) {
		uint8_t *dst;
		size_t room;
		if (!c->in_payload) {
			dst = c->hdr + c->hdr_have;
			room = SP_HEADER_SIZE - c->hdr_have;
		} else {
			if (c->pay_have == c->pay_cap) {
				size_t cap = c->pay_cap ? c->pay_cap * 2
							: PAYLOAD_START;
				if (cap > c->h.length)
					cap = c->h.length;
				uint8_t *p = realloc(c->payload, cap);
				if (!p) {
					frame_error(c, c->h.type | SP_REPLY,
						    c->h.id, SEQPACK_ERR_NOMEM,
						    "out of memory reading the request");
					break;
				}
				c->payload = p;
				c->pay_cap = cap;
			}
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
		} else {
			c->pay_have += (size_t)r;
		}
		if (c->pay_have == c->h.length)
			complete_message(c);
	}
	return conn_flush(c);
}

static void conn_reject(int fd, int status, const char *msg)
{
	struct sp_buf b = {0};
	sp_put_error(&b, SP_ERROR, 0, status, msg);
	if (!b.oom) {
		ssize_t w = send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w; /* best effort: the socket is fresh, so it fits */
	}
	sp_buf_free(&b);
	close(fd);
}

static void accept_all(void)
{
	for (;;) {
		int fd = accept4(S.lis.fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		struct ucred cr = {0};
		socklen_t l = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) != 0) {
			log_warn("SO_PEERCRED: %s; refusing the connection",
				 strerror(errno));
			close(fd);
			continue;
		}
		if (S.nlive >= S.cfg->max_clients) {
			log_warn("refusing pid %d uid %u: %u clients connected (max-clients)",
				 (int)cr.pid, (unsigned)cr.uid, S.nlive);
			stats_rejected();
			conn_reject(fd, SEQPACK_ERR_LIMIT,
				    "too many clients; try again later");
			continue;
		}
		if (!access_allowed(S.cfg, &cr)) {
			log_warn("refusing pid %d uid %u gid %u: not in allowed-users/allowed-groups",
				 (int)cr.pid, (unsigned)cr.uid,
				 (unsigned)cr.gid);
			stats_rejected();
			conn_reject(fd, SEQPACK_ERR_PERMISSION,
				    "access denied by seqpackd's allowed-users/allowed-groups");
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			conn_reject(fd, SEQPACK_ERR_NOMEM, "out of memory");
			continue;
		}
		c->fd = fd;
		c->rx_fd = -1;
		c->cred = cr;
		c->serial = ++S.serial;
		c->last_ms = util_now_ms();
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(S.ep, EPOLL_CTL_ADD, fd, &e) != 0) {
			log_err("epoll_ctl: %s", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->events = EPOLLIN;
		c->next = S.conns;
		if (S.conns)
			S.conns->prev = c;
		S.conns = c;
		S.nconns++;
		S.nlive++;
		stats_connection(1);
		log_info("connection %llu: pid %d uid %u gid %u",
			 (unsigned long long)c->serial, (int)cr.pid,
			 (unsigned)cr.uid, (unsigned)cr.gid);
	}
}

static void on_done(void)
{
	uint64_t v;
	ssize_t r = read(S.efd, &v, sizeof(v));
	(void)r; /* only a wake-up; the list below is the truth */
	struct job *j = pool_take_done();
	while (j) {
		struct job *next = j->next;
		struct conn *c = j->conn;
		c->inflight--;
		c->inflight_bytes -= j->len;
		if (j->lane) {
			c->lane_busy = 0;
			struct job *q = c->lane_head;
			if (q) {
				c->lane_head = q->next;
				if (!c->lane_head)
					c->lane_tail = NULL;
				c->lane_busy = 1;
				pool_submit(q);
			}
		}
		if (c->fd >= 0)
			queue_out(c, &j->reply);
		job_free(j);
		if (c->fd < 0) {
			if (c->inflight == 0)
				conn_free(c);
		} else if (conn_flush(c) == 0 && c->fd >= 0) {
			/* reading may resume now that a job is back */
			on_readable(c);
		}
		j = next;
	}
}

/* ------------------------------------------------------------------ */
/* Timeouts, signals, reload */

/* Returns the time of the next deadline, or UINT64_MAX. */
static uint64_t check_timeouts(uint64_t t)
{
	uint64_t next = UINT64_MAX;
	const struct config *cfg = S.cfg;
	struct conn *c = S.conns;
	while (c) {
		struct conn *nx = c->next;
		if (c->fd < 0) {
			c = nx;
			continue;
		}
		if (c->msg_start_ms) {
			uint64_t dl = c->msg_start_ms + cfg->read_timeout_ms;
			if (t >= dl) {
				stats_timed_out();
				if (c->hdr_have == SP_HEADER_SIZE)
					frame_error(c, c->h.type | SP_REPLY,
						    c->h.id, SEQPACK_ERR_TIMEOUT,
						    "request not received within read-timeout (%.3f s)",
						    cfg->read_timeout_ms / 1000.0);
				else
					frame_error(c, SP_ERROR, 0,
						    SEQPACK_ERR_TIMEOUT,
						    "request not received within read-timeout (%.3f s)",
						    cfg->read_timeout_ms / 1000.0);
				if (conn_flush(c) != 0) {
					c = nx;
					continue;
				}
			} else if (dl < next) {
				next = dl;
			}
		}
		uint64_t dl = c->last_ms + cfg->idle_timeout_ms;
		int idle = c->inflight == 0 && !c->msg_start_ms;
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
				queue_out(c, &b);
				stats_timed_out();
				c->closing = 1;
				c->last_ms = t;
				conn_flush(c);
			}
		} else if ((idle || c->out_head) && dl < next) {
			next = dl;
		}
		c = nx;
	}
	return next;
}

static void begin_stop(const char *why)
{
	if (S.stopping)
		return;
	log_notice("%s: no new requests; finishing the ones in flight", why);
	S.stopping = 1;
	if (S.lis.fd >= 0)
		epoll_ctl(S.ep, EPOLL_CTL_DEL, S.lis.fd, NULL);
	listener_close(&S.lis);
	/* after the socket is gone, so "stopping" means no new clients */
	sdx_notify("STOPPING=1");
	struct conn *c = S.conns;
	while (c) {
		struct conn *nx = c->next;
		if (c->fd >= 0) {
			/* a request not fully received is not in flight */
			drop_partial(c);
			c->closing = 1;
			conn_flush(c);
		}
		c = nx;
	}
}

static void log_diagnostics(seqpack_registry *reg)
{
	for (size_t i = 0; i < seqpack_registry_diagnostic_count(reg); i++)
		log_warn("plugins: %s", seqpack_registry_diagnostic(reg, i));
}

static int open_registry(seqpack_registry **ret)
{
	seqpack_error err;
	const char *path = S.cfg->plugin_path[0] ? S.cfg->plugin_path : NULL;
	if (seqpack_registry_open(path, ret, &err) != SEQPACK_OK) {
		log_err("cannot load plugins: %s", err.message);
		return -1;
	}
	log_diagnostics(*ret);
	size_t n = seqpack_registry_count(*ret);
	char names[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(names) - 40; i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used,
					 "%s%s", i ? " " : "",
					 seqpack_registry_get(*ret, i)->name);
	log_info("%zu algorithms loaded: %s", n, names);
	return 0;
}

static void reload(void)
{
	char msg[64];
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(util_now_ns() / 1000));
	sdx_notify(msg);
	log_notice("SIGHUP: rescanning plugin directories");
	seqpack_registry *reg;
	if (open_registry(&reg) == 0) {
		/* Jobs in flight hold their own reference to the old one. */
		seqpack_registry_unref(S.reg);
		S.reg = reg;
		stats_reload();
	} else {
		log_err("keeping the previous plugins");
	}
	sdx_notify("READY=1");
}

static int on_signal(void)
{
	struct signalfd_siginfo si;
	while (read(S.sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload();
			break;
		case SIGTERM:
		case SIGINT:
			if (S.stopping) {
				log_notice("second stop signal: exiting now");
				return -1;
			}
			begin_stop(si.ssi_signo == SIGTERM ? "SIGTERM"
							   : "SIGINT");
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static int setup(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked before any thread starts, so every thread inherits it
	 * and only the signalfd ever sees these signals. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	S.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	S.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	S.ep = epoll_create1(EPOLL_CLOEXEC);
	if (S.sfd < 0 || S.efd < 0 || S.ep < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &S.sfd};
	epoll_ctl(S.ep, EPOLL_CTL_ADD, S.sfd, &e);
	e.data.ptr = &S.efd;
	epoll_ctl(S.ep, EPOLL_CTL_ADD, S.efd, &e);
	e.data.ptr = &S.lis;
	if (epoll_ctl(S.ep, EPOLL_CTL_ADD, S.lis.fd, &e) != 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void loop(void)
{
	struct epoll_event evs[64];
	uint64_t next_deadline = UINT64_MAX;
	while (!(S.stopping && S.nconns == 0)) {
		uint64_t t = util_now_ms();
		uint64_t wake = next_deadline;
		if (S.wd_interval_ms && S.wd_next_ms < wake)
			wake = S.wd_next_ms;
		int timeout = -1;
		if (wake != UINT64_MAX)
			timeout = wake <= t ? 0
			     : wake - t > 60000 ? 60000 : (int)(wake - t);
		int n = epoll_wait(S.ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return;
		}
		int accept_ready = 0;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &S.sfd) {
				if (on_signal() != 0)
					return;
			} else if (p == &S.efd) {
				on_done();
			} else if (p == &S.lis) {
				accept_ready = 1;
			}
		}
		/* on_done() above may have freed a connection that also has
		 * an event in this batch: look each up again rather than
		 * trusting the pointer. */
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &S.sfd || p == &S.efd || p == &S.lis)
				continue;
			struct conn *c;
			for (c = S.conns; c && c != p; c = c->next)
				;
			if (!c || c->fd < 0)
				continue;
			unsigned ev = evs[i].events;
			if (ev & (EPOLLHUP | EPOLLERR)) {
				/* the peer is gone: nobody to answer */
				conn_kill(c);
				continue;
			}
			if ((ev & EPOLLOUT) && conn_flush(c) != 0)
				continue;
			if (c->fd >= 0 && (ev & EPOLLIN))
				on_readable(c);
		}
		/* Accept last, so no new connection can reuse the address of
		 * one freed above while its stale events are looked at. */
		if (accept_ready && !S.stopping)
			accept_all();
		t = util_now_ms();
		next_deadline = check_timeouts(t);
		if (S.wd_interval_ms && t >= S.wd_next_ms) {
			sdx_notify("WATCHDOG=1");
			S.wd_next_ms = t + S.wd_interval_ms;
		}
	}
}

int server_run(struct config *cfg)
{
	S.cfg = cfg;
	S.sfd = S.efd = S.ep = -1;
	stats_init();
	if (open_registry(&S.reg) != 0)
		return 1;
	if (listener_open(cfg, &S.lis) != 0) {
		seqpack_registry_unref(S.reg);
		return 1;
	}
	int rc = 1;
	if (setup() != 0)
		goto out;
	/* "One per CPU" is resolved once here: glibc's sysconf() opens a
	 * file in /sys for it, which workers should not do per request. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	unsigned threads = cfg->threads ? cfg->threads : (unsigned)ncpu;
	if (cfg->max_pack_threads == 0)
		cfg->max_pack_threads = (uint32_t)ncpu;
	seqpackd_workers = threads;
	if (pool_start(threads, S.efd) != 0) {
		log_err("cannot start the worker pool");
		pool_stop();
		goto out;
	}
	uint64_t wd = sdx_watchdog_usec();
	if (wd) {
		/* half the interval, as sd_watchdog_enabled(3) advises */
		S.wd_interval_ms = wd / 2000 ? wd / 2000 : 1;
		S.wd_next_ms = util_now_ms();
	}
	log_notice("seqpackd %s ready: %u worker threads, protocol %u",
		   seqpack_version(), threads, SP_VERSION);
	sdx_notify("READY=1\nSTATUS=serving");
	loop();
	begin_stop("exiting");
	/* A second signal may leave connections: close them all, then let
	 * the workers finish what they hold. */
	for (struct conn *c = S.conns, *nx; c; c = nx) {
		nx = c->next;
		conn_kill(c);
	}
	pool_stop();
	for (struct job *j = pool_take_done(), *nx; j; j = nx) {
		nx = j->next;
		struct conn *c = j->conn;
		c->inflight--;
		job_free(j);
		if (c->inflight == 0 && !c->lane_head)
			conn_free(c);
	}
	rc = 0;
	log_notice("stopped");
out:
	listener_close(&S.lis);
	seqpack_registry_unref(S.reg);
	S.reg = NULL;
	if (S.ep >= 0)
		close(S.ep);
	if (S.sfd >= 0)
		close(S.sfd);
	if (S.efd >= 0)
		close(S.efd);
	return rc;
}
