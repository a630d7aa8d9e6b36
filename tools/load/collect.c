/* The parent's side of a run: fork the clients, start them together once
 * every one is connected (so that connecting is not timed), read their
 * records, sample the daemon's /proc entry between reads, reap them.
 *
 * The clients write to one pipe; the parent waits in poll() with the
 * sampling interval as timeout, so a sample is taken at least every
 * --sample-ms however busy or idle the pipe is.  VmHWM covers what
 * falls between samples. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"
#include "util/cleanup-internal.h"
#include "util/clock-internal.h"

struct collector {
	const struct load_run *run;
	struct load_result *res;
	size_t cap;            /* room in res->recs */
	unsigned ready;
	pid_t *kids;
	unsigned reaped;       /* children reaped so far */
	int lost;              /* the daemon's /proc entry went away */
	uint64_t next_sample_ms;
	uint64_t last_rec_ns;
	struct load_rec buf[1024];
	size_t have;           /* bytes in buf */
};

static void peak(struct load_proc *p, const struct load_proc *s)
{
	if (s->rss_kb > p->rss_kb)
		p->rss_kb = s->rss_kb;
	if (s->hwm_kb > p->hwm_kb)
		p->hwm_kb = s->hwm_kb;
	if (s->fds > p->fds)
		p->fds = s->fds;
}

static void sample(struct collector *k, int force)
{
	struct load_result *res = k->res;
	uint64_t now = util_now_ms();
	if (!res->daemon_pid || k->lost ||
	    (!force && now < k->next_sample_ms))
		return;
	k->next_sample_ms = now + k->run->o->sample_ms;
	struct load_proc s;
	if (load_proc_sample(res->daemon_pid, &s) != 0) {
		load_error("cannot read /proc/%d: %s; no more samples",
			   (int)res->daemon_pid, strerror(errno));
		k->lost = 1;
		return;
	}
	res->end = s;
	peak(&res->peak, &s);
	res->samples++;
}

static void take(struct collector *k, const struct load_rec *r)
{
	if (r->kind == LOAD_READY) {
		k->ready++;
		return;
	}
	/* more records than requests would be a client's bug: grow, so
	 * that the count shows it */
	if (k->res->nrecs == k->cap) {
		size_t ncap = 2 * k->cap + 1;
		struct load_rec *p = realloc(k->res->recs, ncap * sizeof(*p));
		if (!p)
			return;
		k->res->recs = p;
		k->cap = ncap;
	}
	k->res->recs[k->res->nrecs++] = *r;
	k->last_rec_ns = util_now_ns();
}

/* Read what the pipe has; returns 0 at EOF (every client closed it). */
static int drain(struct collector *k, int fd)
{
	ssize_t r = read(fd, (char *)k->buf + k->have, sizeof(k->buf) - k->have);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (r == 0)
		return 0;
	k->have += (size_t)r;
	size_t whole = k->have / sizeof(struct load_rec);
	for (size_t i = 0; i < whole; i++)
		take(k, &k->buf[i]);
	size_t used = whole * sizeof(struct load_rec);
	memmove(k->buf, (char *)k->buf + used, k->have - used);
	k->have -= used;
	return 1;
}

/* Reap the clients that have exited (all of them when block). */
static void reap(struct collector *k, int block)
{
	unsigned n = k->run->o->clients;
	for (unsigned c = 0; c < n; c++) {
		if (k->kids[c] <= 0)
			continue;
		int st;
		pid_t r = waitpid(k->kids[c], &st, block ? 0 : WNOHANG);
		if (r != k->kids[c])
			continue;
		k->kids[c] = 0;
		k->reaped++;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		k->res->failed_clients++;
		if (WIFEXITED(st))
			load_error("client %u exited with status %d", c,
				   WEXITSTATUS(st));
		else
			load_error("client %u killed by signal %d", c,
				   WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
}

/* Read and sample until every client is ready (phase 0) or the pipe
 * reaches EOF (phase 1).  A client that dies before it is ready is
 * counted as ready so that the others are not held forever. */
static void run_phase(struct collector *k, int fd, int phase)
{
	unsigned n = k->run->o->clients;
	for (;;) {
		if (phase == 0 && k->ready + k->reaped >= n)
			return;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)k->run->o->sample_ms);
		if (r > 0 && !drain(k, fd))
			return;
		if (r < 0 && errno != EINTR)
			return;
		sample(k, 0);
		if (phase == 0)
			reap(k, 0);
	}
}

static void kill_all(struct collector *k, unsigned forked)
{
	for (unsigned c = 0; c < forked; c++)
		if (k->kids[c] > 0)
			kill(k->kids[c], SIGTERM);
	reap(k, 1);
}

int load_collect(const struct load_run *run, struct load_result *res)
{
	const struct load_opts *o = run->o;
	int recp[2], gop[2];
	if (pipe2(recp, O_CLOEXEC) != 0) {
		load_error("pipe: %s", strerror(errno));
		return -1;
	}
	_cleanup_close_ int rec_rd = recp[0], rec_wr = recp[1];
	if (pipe2(gop, O_CLOEXEC) != 0) {
		load_error("pipe: %s", strerror(errno));
		return -1;
	}
	_cleanup_close_ int go_rd = gop[0], go_wr = gop[1];
	_cleanup_free_ pid_t *kids = calloc(o->clients, sizeof(pid_t));
	struct collector k = {.run = run, .res = res, .kids = kids};
	k.cap = (size_t)o->clients * o->requests;
	res->recs = malloc(k.cap * sizeof(*res->recs));
	if (!kids || !res->recs) {
		load_error("no memory for %zu records", k.cap);
		return -1;
	}
	/* what stdio holds would be written again by every child */
	fflush(stdout);
	fflush(stderr);
	for (unsigned c = 0; c < o->clients; c++) {
		kids[c] = fork();
		if (kids[c] < 0) {
			load_error("fork client %u: %s", c, strerror(errno));
			kill_all(&k, c);
			return -1;
		}
		if (kids[c] == 0) {
			close(rec_rd);
			close(go_wr);
			exit(load_worker(run, c, rec_wr, go_rd));
		}
	}
	close(TAKE_FD(rec_wr));
	close(TAKE_FD(go_rd));
	run_phase(&k, rec_rd, 0);
	/* every client connected: the daemon's baseline for the run */
	sample(&k, 1);
	res->start = res->end;
	uint64_t t0 = util_now_ns();
	k.last_rec_ns = t0;
	close(TAKE_FD(go_wr));
	run_phase(&k, rec_rd, 1);
	res->wall_ns = k.last_rec_ns - t0;
	sample(&k, 1);
	reap(&k, 1);
	return 0;
}
