/* One client process of seqpack-load: its own connection, its own
 * in-process workspace on the parent's registry, and a record per
 * request for the parent.  Requests cycle through the algorithms and the
 * workload's shapes, so that every algorithm meets every shape. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/client.h>

#include "load.h"
#include "plugins/common/rng.h"
#include "util/cleanup-seqpack-internal.h"
#include "util/clock-internal.h"

/* Failed requests printed per client without --verbose: enough to see
 * what went wrong, not a screen per client when the daemon is gone. */
#define REPORTED_MAX 3

static int send_rec(int fd, const struct load_rec *r)
{
	for (;;) {
		ssize_t w = write(fd, r, sizeof(*r));
		if (w == (ssize_t)sizeof(*r))
			return 0;
		if (w < 0 && errno == EINTR)
			continue;
		load_error("cannot write to the parent: %s",
			   w < 0 ? strerror(errno) : "short write");
		return -1;
	}
}

/* The parent closes the go pipe when every client is connected. */
static int wait_go(int fd)
{
	char b;
	ssize_t r;
	do
		r = read(fd, &b, 1);
	while (r < 0 && errno == EINTR);
	if (r != 0) {
		load_error("the parent's go pipe: %s",
			   r < 0 ? strerror(errno) : "unexpected data");
		return -1;
	}
	return 0;
}

/* Errors after which the connection is unusable (client.h): connect
 * again for the next request. */
static int connection_lost(int status)
{
	return status == SEQPACK_ERR_IO || status == SEQPACK_ERR_PROTOCOL ||
	       status == SEQPACK_ERR_STATE || status == SEQPACK_ERR_TIMEOUT;
}

/* One request: its record's kind, with why filled unless LOAD_OK. */
static int one_request(const struct load_run *run, seqpack_client **cl,
		       seqpack_workspace *ws, const char *alg,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *p, struct load_rec *rec,
		       char *why, size_t len)
{
	seqpack_error err = {0};
	if (!*cl &&
	    seqpack_client_connect(run->o->socket, cl, &err) != SEQPACK_OK) {
		*cl = NULL;
		snprintf(why, len, "connect: %s", err.message);
		return LOAD_ERROR;
	}
	/* The daemon verifies every answer itself at its default (verify =
	 * always) and the client keeps its index-safety checks, so the
	 * client's second verification is left out of the latency.  The
	 * in-process reference is verified, so that a wrong answer there
	 * is never taken as the truth. */
	seqpack_params remote = *p, local = *p;
	remote.flags &= ~SEQPACK_PARAM_VERIFY;
	local.flags |= SEQPACK_PARAM_VERIFY;
	const seqpack_result *got = NULL, *want = NULL;
	uint64_t t0 = util_now_ns();
	int rc = seqpack_client_pack_reuse(*cl, alg, lengths, n, &remote, &got,
					   &err);
	rec->latency_ns = util_now_ns() - t0;
	if (rc != SEQPACK_OK) {
		snprintf(why, len, "daemon: %s", err.message);
		if (connection_lost(rc))
			*cl = seqpack_client_close(*cl);
		return LOAD_ERROR;
	}
	if (seqpack_workspace_pack(ws, alg, lengths, n, &local, &want,
				   &err) != SEQPACK_OK) {
		snprintf(why, len, "in-process: %s", err.message);
		return LOAD_ERROR;
	}
	return load_same_result(got, want, why, len) ? LOAD_OK : LOAD_MISMATCH;
}

int load_worker(const struct load_run *run, unsigned c, int rec_fd,
		int go_fd)
{
	const struct load_opts *o = run->o;
	seqpack_error err = {0};
	_cleanup_client_ seqpack_client *cl = NULL;
	/* A failed connect is retried by the first request and counted
	 * there, so that every client sends its share of records. */
	if (seqpack_client_connect(o->socket, &cl, &err) != SEQPACK_OK)
		cl = NULL;
	_cleanup_workspace_ seqpack_workspace *ws = NULL;
	if (seqpack_workspace_new(run->reg, &ws, &err) != SEQPACK_OK) {
		load_error("client %u: %s", c, err.message);
		return 1;
	}
	_cleanup_free_ uint32_t *lengths =
		malloc((size_t)o->size_max * sizeof(uint32_t));
	if (!lengths) {
		load_error("client %u: no memory for %u lengths", c,
			   o->size_max);
		return 1;
	}
	struct load_rec ready = {.kind = LOAD_READY};
	if (send_rec(rec_fd, &ready) != 0 || wait_go(go_fd) != 0)
		return 1;
	struct rng r;
	load_workload_client_rng(run->w, c, &r);
	unsigned reported = 0;
	for (unsigned i = 0; i < o->requests; i++) {
		/* the request's number in the whole run picks its algorithm
		 * and shape: with 4 shapes, any 4 x nalg consecutive
		 * requests meet every pair when nalg is odd */
		uint64_t g = (uint64_t)c * o->requests + i;
		struct load_rec rec = {.algorithm =
					       (uint16_t)(g % run->nalg)};
		const char *alg = run->algorithms[rec.algorithm];
		size_t n = load_workload_draw(run->w, &r, (unsigned)(g % 4),
					      lengths);
		rec.nlengths = (uint32_t)n;
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = o->capacity;
		p.threads = o->threads;
		p.seed = rng_next(&r);
		char why[400];
		rec.kind = (uint8_t)one_request(run, &cl, ws, alg, lengths, n,
						&p, &rec, why, sizeof(why));
		if (rec.kind != LOAD_OK &&
		    (o->verbose || reported++ < REPORTED_MAX))
			load_error("client %u, request %u (%s, %zu lengths, seed 0x%" PRIx64 "): %s%s",
				   c, i, alg, n, p.seed,
				   rec.kind == LOAD_MISMATCH ? "differs: " : "",
				   why);
		if (send_rec(rec_fd, &rec) != 0)
			return 1;
	}
	return 0;
}
