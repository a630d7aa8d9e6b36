/* The connection table and each connection's lifecycle and output; see
 * conn.h.  A connection is not read from while it has max-inflight
 * requests in the pool or too many reply bytes unsent, so a slow or
 * hostile peer can only ever stall itself; nor while its next payload
 * does not fit in the memory budget (budget.c), so that all of them
 * together hold a bounded number of bytes.  Each UID may hold
 * max-clients-per-uid of the connections. */
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

/* Best effort, as for the other refusals at accept: the socket is
 * fresh, so the error fits in its buffer. */
static void reject(int fd, int status, const char *msg)
{
	struct sp_buf b = {0};
	sp_put_error(&b, SP_ERROR, 0, status, msg);
	if (!b.oom) {
		ssize_t w = send(fd, b.data, b.len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
	}
	sp_buf_free(&b);
}

/* The UID's share of the connections, taken for c; -1 (the client told)
 * when there is none left. */
static int take_share(struct conn_table *t, struct conn *c)
{
	struct budget_share *s = budget_share_get(&t->budget, c->cred.uid);
	if (!s) {
		reject(c->fd, SEQPACK_ERR_NOMEM, "out of memory");
		return -1;
	}
	if (s->live >= t->cfg->max_clients_per_uid) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "too many connections from uid %u (max-clients-per-uid = %u); try again later",
			 (unsigned)c->cred.uid, t->cfg->max_clients_per_uid);
		log_warn("refusing pid %d uid %u: %u connections of that uid (max-clients-per-uid)",
			 (int)c->cred.pid, (unsigned)c->cred.uid, s->live);
		stats_rejected();
		reject(c->fd, SEQPACK_ERR_LIMIT, msg);
		budget_share_put(&t->budget, s);
		return -1;
	}
	s->live++;
	c->share = s;
	return 0;
}

int conn_add(struct conn_table *t, struct conn *c)
{
	c->tab = t;
	if (take_share(t, c) != 0)
		return -1;
	c->serial = ++t->serial;
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &e) != 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		c->share->live--;
		budget_share_put(&t->budget, c->share);
		c->share = NULL;
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
	return c->fd >= 0 && !c->closing && !c->budget_wait &&
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

int conn_reserve(struct conn *c)
{
	struct budget *b = &c->tab->budget;
	uint64_t n = c->h.length;
	if (!budget_fits(b, c->share, n)) {
		c->budget_wait = 1;
		/* the read-timeout starts again when reading does */
		c->msg_start_ms = 0;
		budget_wait(b, 1);
		return -1;
	}
	budget_take(b, c->share, n);
	c->reserved = n;
	return 0;
}

/* Resume the connections waiting whose payloads now fit.  At most
 * max-clients of them, and only when someone waits. */
static void wake_waiting(struct conn_table *t)
{
	struct budget *b = &t->budget;
	for (struct conn *c = t->head; c && b->waiting; c = c->next) {
		if (!c->budget_wait || !budget_fits(b, c->share, c->h.length))
			continue;
		c->budget_wait = 0;
		budget_wait(b, -1);
		budget_take(b, c->share, c->h.length);
		c->reserved = c->h.length;
		c->msg_start_ms = c->last_ms = util_now_ms();
		update_events(c);
	}
}

void conn_give(struct conn *c, uint64_t n)
{
	if (!n)
		return;
	budget_give(&c->tab->budget, c->share, n);
	wake_waiting(c->tab);
}

void conn_drop_partial(struct conn *c)
{
	if (c->budget_wait) {
		c->budget_wait = 0;
		budget_wait(&c->tab->budget, -1);
	}
	uint64_t held = c->reserved;
	c->reserved = 0;
	if (held)
		conn_give(c, held);
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
	budget_share_put(&t->budget, c->share);
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
	c->share->live--;
	stats_connection(-1);
	log_debug("connection %llu closed", (unsigned long long)c->serial);
	while (c->out_head)
		pop_out(c);
	uint64_t unsent = c->out_bytes;
	c->out_bytes = 0;
	for (struct job *j; (j = job_queue_pop(&c->lane));) {
		c->inflight--;
		c->inflight_bytes -= j->len;
		unsent += j->len;
		job_free(j);
	}
	conn_give(c, unsent);
	conn_drop_partial(c);
	/* jobs in flight hold their own reference to the region */
	shm_unref(c->shm);
	c->shm = NULL;
	if (c->inflight == 0)
		conn_free(c);
}

void conn_queue(struct conn *c, struct sp_buf *b)
{
	if (b->oom) {
		/* a reply that could not be built is not silence: the
		 * client would wait for it forever */
		sp_buf_free(b);
		log_err("connection %llu: out of memory building a reply; closing",
			(unsigned long long)c->serial);
		c->closing = 1;
		return;
	}
	if (b->len == 0) {
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
	/* counted until sent, fitting or not: the work is done */
	budget_take(&c->tab->budget, c->share, o->len);
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
		conn_give(c, (uint64_t)w);
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
