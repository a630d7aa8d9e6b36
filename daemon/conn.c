/* The connection table and each connection's lifecycle and output; see
 * conn.h.  A connection is not read from while it has max-inflight
 * requests in the pool or too many reply bytes unsent, so a slow or
 * hostile peer can only ever stall itself. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "stats.h"
#include "util/clock-internal.h"

/* Unsent reply bytes above which a connection is not read from. */
#define OUT_HIGH (4u << 20)

struct outbuf {
	struct outbuf *next;
	uint8_t *data;
	size_t len, off;
};

struct conn *conn_new(int fd, const struct ucred *cr)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->rx_fd = -1;
	c->cred = *cr;
	c->last_ms = util_now_ms();
	return c;
}

int conn_add(struct conn_table *t, struct conn *c)
{
	c->tab = t;
	c->serial = ++t->serial;
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &e) != 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	c->events = EPOLLIN;
	c->next = t->head;
	if (t->head)
		t->head->prev = c;
	t->head = c;
	t->n++;
	t->live++;
	stats_connection(1);
	/* debug: at info, the journal got a line per connection */
	log_debug("connection %llu: pid %d uid %u gid %u",
		 (unsigned long long)c->serial, (int)c->cred.pid,
		 (unsigned)c->cred.uid, (unsigned)c->cred.gid);
	return 0;
}

int conn_want_read(const struct conn *c)
{
	const struct conn_table *t = c->tab;
	/* Payload bytes in flight are bounded too, so one connection holds
	 * at most about two max-request-size payloads, not max-inflight. */
	/* (stopping does not stop reading: conns_stop() shut the sockets'
	 * read side, so what is read now was sent before the stop) */
	return c->fd >= 0 && !c->closing &&
	       c->inflight < t->cfg->max_inflight && c->out_bytes < OUT_HIGH &&
	       (c->inflight == 0 ||
		c->inflight_bytes < t->cfg->max_request_bytes);
}

static void update_events(struct conn *c)
{
	if (c->fd < 0)
		return;
	unsigned ev = (conn_want_read(c) ? EPOLLIN : 0) |
		      (c->out_head ? EPOLLOUT : 0);
	if (ev == c->events)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (epoll_ctl(c->tab->ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = ev;
	else
		log_err("epoll_ctl: %s", strerror(errno));
}

void conn_drop_partial(struct conn *c)
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

void conn_free(struct conn *c)
{
	struct conn_table *t = c->tab;
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->n--;
	stream_set_free(&c->streams);
	conn_drop_partial(c);
	shm_unref(c->shm);
	/* Freed by conns_reap() after the event batch: an event of this
	 * batch may still point at c, and then finds it closed (fd -1)
	 * rather than freed, whatever closed it. */
	c->prev = NULL;
	c->next = t->dead;
	t->dead = c;
}

/* The oldest output buffer is sent, or is to be dropped. */
static void pop_out(struct conn *c)
{
	struct outbuf *o = c->out_head;
	c->out_head = o->next;
	if (!c->out_head)
		c->out_tail = NULL;
	free(o->data);
	free(o);
}

void conn_kill(struct conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	c->tab->live--;
	stats_connection(-1);
	log_debug("connection %llu closed", (unsigned long long)c->serial);
	while (c->out_head)
		pop_out(c);
	c->out_bytes = 0;
	for (struct job *j; (j = job_queue_pop(&c->lane));) {
		c->inflight--;
		c->inflight_bytes -= j->len;
		job_free(j);
	}
	conn_drop_partial(c);
	/* jobs in flight hold their own reference to the region */
	shm_unref(c->shm);
	c->shm = NULL;
	if (c->inflight == 0)
		conn_free(c);
}

void conn_queue(struct conn *c, struct sp_buf *b)
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

int conn_flush(struct conn *c)
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
		if (o->off == o->len)
			pop_out(c);
	}
	if (c->fd >= 0 && c->closing && !c->out_head && c->inflight == 0) {
		conn_kill(c);
		return -1;
	}
	update_events(c);
	return 0;
}

void conn_fail(struct conn *c, uint16_t type, uint64_t id, int status,
	       const char *fmt, ...)
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
	conn_queue(c, &b);
	stats_bad_frame();
	conn_drop_partial(c);
	c->closing = 1;
}

void conns_stop(struct conn_table *t)
{
	/* Closing a Unix socket with bytes unread resets the peer
	 * (ECONNRESET, the answers it has not read yet lost with them), and
	 * closing at once would drop requests already sent.  Shut the read
	 * side instead: the peer cannot send more (EPIPE), what it sent is
	 * still read, run and answered, and then the read sees EOF and the
	 * connection closes once its answers are out (read.c). */
	for (struct conn *c = t->head; c; c = c->next)
		if (c->fd >= 0 && shutdown(c->fd, SHUT_RD) != 0)
			log_debug("connection %llu: shutdown: %s",
				  (unsigned long long)c->serial,
				  strerror(errno));
}

void conns_kill(struct conn_table *t)
{
	for (struct conn *c = t->head, *nx; c; c = nx) {
		nx = c->next;
		conn_kill(c);
	}
}

void conns_reap(struct conn_table *t)
{
	for (struct conn *c = t->dead, *nx; c; c = nx) {
		nx = c->next;
		free(c);
	}
	t->dead = NULL;
}
