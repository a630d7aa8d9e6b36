/* The event loop: one thread owns the listening socket, the connection
 * table (conn.c), the signals (signalfd) and the registry pointer, and
 * waits in epoll for them and for the workers' eventfd.  Complete
 * requests go to the worker pool (dispatch.c) and come back, with their
 * replies, through that eventfd.  Sockets are nonblocking and epoll is
 * level-triggered, so a slow or hostile peer can only ever stall its
 * own connection. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "busy.h"
#include "conn.h"
#include "dispatch.h"
#include "fdlimit.h"
#include "listen.h"
#include "log.h"
#include "pack.h"
#include "packer.h"
#include "plugins.h"
#include "pool.h"
#include "read.h"
#include "sd.h"
#include "server.h"
#include "stats.h"
#include "timeout.h"
#include "util/cleanup-internal.h"
#include "util/clock-internal.h"

struct server {
	struct config *cfg;
	int ep, sfd, efd;
	struct listener lis;
	struct conn_table tab;
	uint64_t wd_interval_ms, wd_next_ms;
	int wd_withheld;        /* a worker is stuck: no pings (busy.c) */
	/* Out of descriptors: the listener is out of epoll until then
	 * (0: listening), and the next message may be logged at log_ms. */
	uint64_t accept_resume_ms, accept_log_ms;
	unsigned accept_failures;
};

/* How long accepting pauses when descriptors or memory run out: a
 * level-triggered listener would otherwise make every epoll_wait return
 * at once, and the loop spin at full CPU until a descriptor frees. */
#define ACCEPT_PAUSE_MS 100
/* At most one message about it per interval. */
#define ACCEPT_LOG_MS 10000

/* Whatever of s was set up, in the reverse order. */
static void server_done(struct server *s)
{
	listener_close(&s->lis);
	seqpack_registry_unref(s->tab.reg);
	s->tab.reg = NULL;
	util_closep(&s->ep);
	util_closep(&s->sfd);
	util_closep(&s->efd);
}

/* ------------------------------------------------------------------ */
/* Accepting */

/* Best effort: the socket is fresh, so the error fits. */
static void conn_reject(int fd, int status, const char *msg)
{
	struct sp_buf b = {0};
	sp_put_error(&b, SP_ERROR, 0, status, msg);
	if (!b.oom) {
		ssize_t w = send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
	}
	sp_buf_free(&b);
}

static void accept_pause(struct server *s, int error)
{
	uint64_t now = util_now_ms();
	struct epoll_event e = {.events = 0, .data.ptr = &s->lis};
	epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lis.fd, &e);
	s->accept_resume_ms = now + ACCEPT_PAUSE_MS;
	s->accept_failures++;
	if (now < s->accept_log_ms)
		return;
	log_warn("accept: %s; not accepting for %d ms (%u times since the last message)",
		 strerror(error), ACCEPT_PAUSE_MS, s->accept_failures);
	s->accept_failures = 0;
	s->accept_log_ms = now + ACCEPT_LOG_MS;
}

static void accept_resume(struct server *s, uint64_t now)
{
	if (!s->accept_resume_ms || now < s->accept_resume_ms)
		return;
	s->accept_resume_ms = 0;
	if (s->tab.stopping || s->lis.fd < 0)
		return; /* begin_stop() took the listener out for good */
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &s->lis};
	epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lis.fd, &e);
}

static void accept_all(struct server *s)
{
	for (;;) {
		_cleanup_close_ int fd = accept4(s->lis.fd, NULL, NULL,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_pause(s, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		struct ucred cr = {0};
		socklen_t l = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) != 0) {
			log_warn("SO_PEERCRED: %s; refusing the connection",
				 strerror(errno));
			continue;
		}
		if (s->tab.live >= s->cfg->max_clients) {
			log_warn("refusing pid %d uid %u: %u clients connected (max-clients)",
				 (int)cr.pid, (unsigned)cr.uid, s->tab.live);
			stats_rejected();
			conn_reject(fd, SEQPACK_ERR_LIMIT,
				    "too many clients; try again later");
			continue;
		}
		if (!access_allowed(s->cfg, fd, &cr)) {
			log_warn("refusing pid %d uid %u gid %u: not in allowed-users/allowed-groups",
				 (int)cr.pid, (unsigned)cr.uid,
				 (unsigned)cr.gid);
			stats_rejected();
			conn_reject(fd, SEQPACK_ERR_PERMISSION,
				    "access denied by seqpackd's allowed-users/allowed-groups");
			continue;
		}
		_cleanup_free_ struct conn *c = conn_new(fd, &cr);
		if (!c) {
			conn_reject(fd, SEQPACK_ERR_NOMEM, "out of memory");
			continue;
		}
		if (conn_add(&s->tab, c) != 0)
			continue;
		/* the table's now, and the socket the connection's */
		TAKE_PTR(c);
		TAKE_FD(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Jobs back, signals, stopping */

static void on_done(struct server *s)
{
	uint64_t v;
	ssize_t r = read(s->efd, &v, sizeof(v));
	(void)r; /* only a wake-up; the list below is the truth */
	for (struct job *j = pool_take_done(), *nx; j; j = nx) {
		nx = j->next;
		struct conn *c = dispatch_finished(j);
		/* reading may resume now that a job is back */
		if (c)
			conn_read(c);
	}
}

static void begin_stop(struct server *s, const char *why)
{
	if (s->tab.stopping)
		return;
	log_notice("%s: no new connections; answering the requests already sent, then closing",
		   why);
	/* Connections in our own socket's queue were made before the stop
	 * and would be reset with it: take them in, to be answered like the
	 * rest.  systemd's socket outlives us and keeps its queue for the
	 * next instance. */
	if (s->lis.fd >= 0 && !s->lis.activated && !s->accept_resume_ms)
		accept_all(s);
	s->tab.stopping = 1;
	if (s->lis.fd >= 0)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lis.fd, NULL);
	listener_close(&s->lis);
	/* after the socket is gone, so "stopping" means no new clients */
	sdx_notify("STOPPING=1");
	conns_stop(&s->tab);
}

static void reload(struct server *s)
{
	char msg[64];
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(util_now_ns() / 1000));
	sdx_notify(msg);
	log_notice("SIGHUP: rescanning plugin directories");
	seqpack_registry *reg;
	if (plugins_open(s->cfg, &reg) == 0) {
		/* Jobs in flight hold their own reference to the old one. */
		seqpack_registry_unref(s->tab.reg);
		s->tab.reg = reg;
		stats_reload();
	} else {
		log_err("keeping the previous plugins");
	}
	sdx_notify("READY=1");
}

/* The second stop signal exits without waiting for anything: a plugin
 * may be stuck in a worker thread (streams run there, and PACK too with
 * isolation = thread), and a thread cannot be stopped, so joining them
 * could wait forever.  The packer processes are killed here rather than
 * left to their parent-death signal. */
static _Noreturn void exit_now(void)
{
	log_notice("second stop signal: exiting now");
	packer_kill_all();
	_exit(0);
}

static int on_signal(struct server *s)
{
	struct signalfd_siginfo si;
	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(s);
			break;
		case SIGTERM:
		case SIGINT:
			if (s->tab.stopping)
				exit_now();
			begin_stop(s, si.ssi_signo == SIGTERM ? "SIGTERM"
							      : "SIGINT");
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static int setup(struct server *s)
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
	s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->sfd < 0 || s->efd < 0 || s->ep < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	s->tab.ep = s->ep;
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &s->sfd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sfd, &e);
	e.data.ptr = &s->efd;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->efd, &e);
	e.data.ptr = &s->lis;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lis.fd, &e) != 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The events of one connection. */
static void on_conn(struct conn *c, unsigned ev)
{
	if (ev & (EPOLLHUP | EPOLLERR)) {
		/* the peer is gone: nobody to answer */
		conn_kill(c);
		return;
	}
	if ((ev & EPOLLOUT) && conn_flush(c) != 0)
		return;
	if (c->fd >= 0 && (ev & EPOLLIN))
		conn_read(c);
}

/* How far past twice the request deadline a worker may be before the
 * watchdog stops being pinged. */
#define WD_GRACE_MS 5000

/* The loop turning is not enough: a worker that has been in one request
 * far past the deadline (a plugin stuck in a stream, or in a thread with
 * isolation = thread, which nothing can stop) is a wedged daemon, so the
 * pings stop and the service manager restarts it.  A packer process
 * never gets there: its worker kills it at the deadline. */
static void watchdog_ping(struct server *s, uint64_t now)
{
	uint64_t to = s->cfg->request_timeout_ms;
	uint64_t busy = busy_longest_ms(now);
	s->wd_next_ms = now + s->wd_interval_ms;
	if (to && busy > 2 * to + WD_GRACE_MS) {
		if (!s->wd_withheld) {
			char msg[160];
			snprintf(msg, sizeof(msg),
				 "STATUS=a worker has been in one request for %llu ms; watchdog pings withheld",
				 (unsigned long long)busy);
			log_err("%s", msg + 7);
			sdx_notify(msg);
		}
		s->wd_withheld = 1;
		return;
	}
	if (s->wd_withheld)
		sdx_notify("STATUS=serving");
	s->wd_withheld = 0;
	sdx_notify("WATCHDOG=1");
}

static void loop(struct server *s)
{
	struct epoll_event evs[64];
	uint64_t next_deadline = UINT64_MAX;
	while (!(s->tab.stopping && s->tab.n == 0)) {
		uint64_t t = util_now_ms();
		uint64_t wake = next_deadline;
		if (s->wd_interval_ms && s->wd_next_ms < wake)
			wake = s->wd_next_ms;
		if (s->accept_resume_ms && s->accept_resume_ms < wake)
			wake = s->accept_resume_ms;
		int timeout = -1;
		if (wake != UINT64_MAX)
			timeout = wake <= t ? 0
			     : wake - t > 60000 ? 60000 : (int)(wake - t);
		int n = epoll_wait(s->ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return;
		}
		int accept_ready = 0;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &s->sfd) {
				if (on_signal(s) != 0)
					return;
			} else if (p == &s->efd) {
				on_done(s);
			} else if (p == &s->lis) {
				accept_ready = 1;
			}
		}
		/* The other events are connections'.  One closed above (by
		 * on_done(), or by an earlier event of this batch) is not
		 * freed before conns_reap() below, so its pointer is still
		 * good and says fd -1. */
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &s->sfd || p == &s->efd || p == &s->lis)
				continue;
			struct conn *c = p;
			if (c->fd >= 0)
				on_conn(c, evs[i].events);
		}
		if (accept_ready && !s->tab.stopping)
			accept_all(s);
		t = util_now_ms();
		accept_resume(s, t);
		next_deadline = timeouts_check(&s->tab, t);
		if (s->wd_interval_ms && t >= s->wd_next_ms)
			watchdog_ping(s, t);
		/* no pointer of this batch is looked at after here */
		conns_reap(&s->tab);
	}
}

/* The CPU-derived defaults are resolved once here: glibc's sysconf()
 * opens a file in /sys for it, which workers should not do per request.
 * Each worker may keep a parallel plugin's pool of max-pack-threads, so
 * one per CPU for both made threads grow as CPUs squared (~16k on 128
 * CPUs); capped, the daemon runs at most 1 + W x (1 + P) threads with
 * W = min(CPUs, THREADS_CAP) and P = min(CPUs, PACK_THREADS_CAP): 145 on
 * any host of 16 CPUs or more (docs/reliability.md). */
#define THREADS_CAP 16
#define PACK_THREADS_CAP 8
static void resolve_cpus(struct config *cfg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (cfg->threads == 0)
		cfg->threads = (uint32_t)(ncpu < THREADS_CAP ? ncpu : THREADS_CAP);
	if (cfg->max_pack_threads == 0)
		cfg->max_pack_threads =
			(uint32_t)(ncpu < PACK_THREADS_CAP ? ncpu
							   : PACK_THREADS_CAP);
}

int server_run(struct config *cfg)
{
	_cleanup_(server_done) struct server s = {
		.cfg = cfg, .ep = -1, .sfd = -1, .efd = -1, .lis = {.fd = -1},
		.tab = {.ep = -1, .cfg = cfg},
	};
	stats_init();
	if (plugins_open(cfg, &s.tab.reg) != 0)
		return 1;
	if (listener_open(cfg, &s.lis) != 0)
		return 1;
	if (setup(&s) != 0)
		return 1;
	resolve_cpus(cfg);
	budget_init(&s.tab.budget, cfg);
	fdlimit_raise(cfg);
	if (cfg->isolation && packer_init() != 0)
		return 1;
	pack_setup(cfg, s.tab.reg);
	if (pool_start(cfg->threads, s.efd) != 0) {
		log_err("cannot start the worker pool");
		pool_stop();
		return 1;
	}
	uint64_t wd = sdx_watchdog_usec();
	if (wd) {
		/* half the interval, as sd_watchdog_enabled(3) advises */
		s.wd_interval_ms = wd / 2000 ? wd / 2000 : 1;
		s.wd_next_ms = util_now_ms();
	}
	/* The one line a start leaves at the default level: what serves,
	 * where, and the limits a refused client will ask about (the whole
	 * configuration is at debug level). */
	log_notice("seqpackd %s ready on %s%s%s: protocol %u, %u worker threads; max-clients %u, max-inflight %u, max-request-size %u, max-lengths %u, max-streams %u, read-timeout %.3g s, idle-timeout %.3g s",
		   seqpack_version(), s.lis.activated ? "" : "'",
		   s.lis.activated ? "the socket passed by systemd"
				   : cfg->socket,
		   s.lis.activated ? "" : "'", SP_VERSION, cfg->threads,
		   cfg->max_clients, cfg->max_inflight,
		   cfg->max_request_bytes, cfg->max_lengths,
		   cfg->max_streams, cfg->read_timeout_ms / 1000.0,
		   cfg->idle_timeout_ms / 1000.0);
	sdx_notify("READY=1\nSTATUS=serving");
	loop(&s);
	begin_stop(&s, "exiting");
	/* A second signal may leave connections: close them all, then let
	 * the workers finish what they hold; their jobs free the last
	 * connections as they come back. */
	conns_kill(&s.tab);
	pool_stop();
	for (struct job *j = pool_take_done(), *nx; j; j = nx) {
		nx = j->next;
		dispatch_finished(j);
	}
	conns_reap(&s.tab);
	log_notice("stopped");
	return 0;
}
