/* The client under a daemon that hangs, dies or restarts, and a caller
 * that re-enters the client from a stream callback: deadlines
 * (SEQPACK_ERR_TIMEOUT, never a hang), the one transparent reconnect of
 * idempotent requests (exactly one, never for streams), and
 * SEQPACK_ERR_STATE from a callback with the connection still usable.
 * A fake daemon (a thread behind a Unix socket in a temporary directory)
 * misbehaves on purpose; the real one is killed and restarted on the
 * same socket path.  No sleeps: every wait is on a socket or a pid. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* ------------------------------------------------------------------ */
/* A fake daemon                                                       */

enum fake_mode {
	FAKE_SILENT,       /* reads requests, never answers */
	FAKE_HELLO_SILENT, /* answers HELLO, then never again */
	FAKE_DROP_FIRST,   /* 1st connection closes after HELLO, then serves */
	FAKE_DROP_ALWAYS,  /* every connection closes after HELLO */
	FAKE_IDLE_FIRST,   /* 1st: HELLO, then the daemon's idle close */
	FAKE_STREAM_DROP,  /* opens a stream, closes on its first push */
};

struct fake {
	char dir[64];
	char sock[100];
	int lfd;
	enum fake_mode mode;
	pthread_t th;
	atomic_int accepted; /* connections served, the stop one excepted */
	seqpack_registry *reg;
};

/* 1 with a whole message (payload malloc'd), 0 on EOF, -1 otherwise
 * (including the stop connection's bytes, which are no message). */
static int fake_recv(int fd, struct sp_header *h, uint8_t **payload)
{
	uint8_t hb[SP_HEADER_SIZE];
	size_t have = 0;
	while (have < sizeof(hb)) {
		ssize_t r = read(fd, hb + have, sizeof(hb) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? 0 : -1;
		have += (size_t)r;
	}
	sp_header_decode(hb, h);
	if (h->magic != SP_MAGIC || h->length > (1u << 26))
		return -1;
	*payload = malloc(h->length + 1);
	for (have = 0; *payload && have < h->length;) {
		ssize_t r = read(fd, *payload + have, h->length - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(*payload);
			return -1;
		}
		have += (size_t)r;
	}
	return *payload ? 1 : -1;
}

static void fake_send(int fd, struct sp_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t w = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	sp_buf_free(b);
}

static void fake_hello(int fd, const struct sp_header *h)
{
	struct sp_buf b = {0};
	size_t off = sp_begin(&b, SP_HELLO | SP_REPLY, h->id);
	sp_put_u32(&b, SEQPACK_OK);
	sp_put_u16(&b, SP_VERSION);
	sp_put_u16(&b, SP_VERSION_MIN);
	sp_put_u16(&b, SP_VERSION);
	sp_put_u16(&b, 0);
	sp_put_str(&b, "fake");
	sp_put_u32(&b, 1u << 20); /* max_request_bytes */
	sp_put_u32(&b, 1u << 16); /* max_lengths */
	sp_put_u32(&b, 16);
	sp_put_u32(&b, 16);
	sp_put_u32(&b, 10000);
	sp_put_u32(&b, 60000);
	sp_end(&b, off);
	fake_send(fd, &b);
}

static void fake_error(int fd, uint16_t type, uint64_t id, int status,
		       const char *msg)
{
	struct sp_buf b = {0};
	sp_put_error(&b, type, id, status, msg);
	fake_send(fd, &b);
}

/* PACK, answered with what in-process packing gives. */
static void fake_pack(struct fake *f, int fd, const struct sp_header *h,
		      const uint8_t *p)
{
	struct sp_rd r;
	sp_rd_init(&r, p, h->length);
	char alg[SEQPACK_NAME_MAX];
	sp_get_str(&r, alg, sizeof(alg));
	seqpack_params params;
	sp_get_params(&r, &params);
	uint32_t n = sp_get_u32(&r);
	uint32_t *lengths = calloc(n + 1, sizeof(*lengths));
	sp_get_u32_array(&r, lengths, n);
	seqpack_result *res = NULL;
	seqpack_error err = {0};
	int rc = r.bad || !lengths ? SEQPACK_ERR_PROTOCOL
				   : seqpack_pack(f->reg, alg, lengths, n,
						  &params, &res, &err);
	if (rc != SEQPACK_OK) {
		fake_error(fd, SP_PACK | SP_REPLY, h->id, rc, err.message);
	} else {
		struct sp_buf b = {0};
		size_t off = sp_begin(&b, SP_PACK | SP_REPLY, h->id);
		sp_put_u32(&b, SEQPACK_OK);
		sp_put_result(&b, res);
		sp_end(&b, off);
		fake_send(fd, &b);
	}
	seqpack_result_free(res);
	free(lengths);
}

static void fake_stream_open(int fd, const struct sp_header *h)
{
	struct sp_buf b = {0};
	size_t off = sp_begin(&b, SP_STREAM_OPEN | SP_REPLY, h->id);
	sp_put_u32(&b, SEQPACK_OK);
	sp_put_u32(&b, 1); /* the stream's id */
	sp_end(&b, off);
	fake_send(fd, &b);
}

/* One connection, the k-th (from 1); returns 0 when it was the stop
 * connection. */
static int fake_serve(struct fake *f, int fd, int k)
{
	int drop = f->mode == FAKE_DROP_ALWAYS ||
		   ((f->mode == FAKE_DROP_FIRST || f->mode == FAKE_IDLE_FIRST) &&
		    k == 1);
	int answered = 0;
	for (;;) {
		struct sp_header h;
		uint8_t *p = NULL;
		int r = fake_recv(fd, &h, &p);
		if (r <= 0)
			return r == 0 || answered;
		answered = 1;
		uint16_t type = h.type;
		if (f->mode == FAKE_SILENT ||
		    (f->mode == FAKE_HELLO_SILENT && type != SP_HELLO)) {
			free(p);
			continue; /* read on, until the client goes */
		}
		if (type == SP_HELLO) {
			fake_hello(fd, &h);
		} else if (drop && f->mode == FAKE_IDLE_FIRST) {
			fake_error(fd, SP_ERROR, 0, SEQPACK_ERR_TIMEOUT,
				   "connection idle for idle-timeout; closing");
			free(p);
			return 1;
		} else if (drop) {
			free(p);
			return 1; /* the request was read: a clean EOF */
		} else if (type == SP_PACK) {
			fake_pack(f, fd, &h, p);
		} else if (type == SP_STREAM_OPEN) {
			fake_stream_open(fd, &h);
		} else if (type == SP_STREAM_PUSH) {
			free(p);
			return 1; /* FAKE_STREAM_DROP */
		} else {
			fake_error(fd, type | SP_REPLY, h.id,
				   SEQPACK_ERR_UNSUPPORTED,
				   "unknown message type");
		}
		free(p);
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	for (int k = 1;; k++) {
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return NULL;
		int served = fake_serve(f, fd, k);
		close(fd);
		if (!served)
			return NULL;
		atomic_fetch_add(&f->accepted, 1);
	}
}

static void fake_listen(struct fake *f, int backlog)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof(f->dir), "%s/client-robust.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(f->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f->lfd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	ck_assert(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(listen(f->lfd, backlog) == 0);
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	if (mode == FAKE_DROP_FIRST || mode == FAKE_IDLE_FIRST)
		f->reg = tl_registry();
	fake_listen(f, 16);
	ck_assert(pthread_create(&f->th, NULL, fake_main, f) == 0);
}

static int connect_to(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "connect %s: %s", path, strerror(errno));
	return fd;
}

/* Stop the thread (a connection that sends no message) and return the
 * connections it served.  Connections still queued are served first, so
 * the count is exact. */
static int fake_stop(struct fake *f)
{
	int fd = connect_to(f->sock);
	static const char junk[SP_HEADER_SIZE] = "stop, this is no message";
	ck_assert(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	ck_assert(pthread_join(f->th, NULL) == 0);
	close(fd);
	close(f->lfd);
	unlink(f->sock);
	rmdir(f->dir);
	seqpack_registry_unref(f->reg);
	return atomic_load(&f->accepted);
}

static seqpack_client *connect_ok(const char *path)
{
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_connect(path, &c, &err);
	ck_assert_msg(rc == SEQPACK_OK, "connect: %s", err.message);
	return c;
}

static void params_for(seqpack_params *p)
{
	seqpack_params_init(p);
	p->capacity = 100;
}

static const uint32_t small[] = {60, 50, 40, 30, 20, 10, 90, 5};
#define NSMALL (sizeof(small) / sizeof(small[0]))

/* ------------------------------------------------------------------ */
/* Deadlines                                                           */

START_TEST(connect_times_out_when_hello_is_not_answered)
{
	struct fake f;
	fake_start(&f, FAKE_SILENT);
	setenv("SEQPACK_CLIENT_TIMEOUT_MS", "200", 1);
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_connect(f.sock, &c, &err);
	unsetenv("SEQPACK_CLIENT_TIMEOUT_MS");
	ck_assert_int_eq(rc, SEQPACK_ERR_TIMEOUT);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err.message, "200 ms") &&
			      strstr(err.message, f.sock),
		      "message names neither timeout nor socket: %s",
		      err.message);
	ck_assert_int_eq(fake_stop(&f), 1);
}
END_TEST

START_TEST(connect_times_out_on_a_full_listen_queue)
{
	struct fake f;
	memset(&f, 0, sizeof(f));
	/* Backlog 0 queues one connection, which we make; nobody accepts. */
	fake_listen(&f, 0);
	int filler = connect_to(f.sock);
	setenv("SEQPACK_CLIENT_TIMEOUT_MS", "200", 1);
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_connect(f.sock, &c, &err);
	unsetenv("SEQPACK_CLIENT_TIMEOUT_MS");
	ck_assert_msg(rc == SEQPACK_ERR_TIMEOUT, "rc %d: %s", rc, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "200 ms"));
	ck_assert_ptr_nonnull(strstr(err.message, f.sock));
	close(filler);
	close(f.lfd);
	unlink(f.sock);
	rmdir(f.dir);
}
END_TEST

START_TEST(pack_times_out_then_state)
{
	struct fake f;
	fake_start(&f, FAKE_HELLO_SILENT);
	seqpack_client *c = connect_ok(f.sock);
	ck_assert_int_eq(seqpack_client_set_timeout(c, 200), SEQPACK_OK);
	seqpack_params p;
	params_for(&p);
	seqpack_result *r = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_pack(c, "ffd", small, NSMALL, &p, &r, &err);
	ck_assert_msg(rc == SEQPACK_ERR_TIMEOUT, "rc %d: %s", rc, err.message);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err.message, "200 ms"));
	ck_assert_ptr_nonnull(strstr(err.message, f.sock));
	/* A late reply could still come: the connection is done. */
	seqpack_algorithm_list *l = NULL;
	ck_assert_int_eq(seqpack_client_list(c, &l, &err), SEQPACK_ERR_STATE);
	seqpack_client_close(c);
	/* not retried: a timeout is no daemon restart */
	ck_assert_int_eq(fake_stop(&f), 1);
}
END_TEST

START_TEST(bad_timeout_variable)
{
	static const char *const bad[] = {"abc", "-1", "12ms", " 5",
					  "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SEQPACK_CLIENT_TIMEOUT_MS", bad[i], 1);
		seqpack_client *c = NULL;
		seqpack_error err = {0};
		int rc = seqpack_client_connect("/nonexistent/sock", &c, &err);
		ck_assert_int_eq(rc, SEQPACK_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.message,
					     "SEQPACK_CLIENT_TIMEOUT_MS"));
	}
	unsetenv("SEQPACK_CLIENT_TIMEOUT_MS");
	ck_assert_int_eq(seqpack_client_set_timeout(NULL, 1),
			 SEQPACK_ERR_INVALID);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The one transparent reconnect                                       */

static void assert_packs_as_in_process(seqpack_client *c, const uint32_t *l,
				       size_t n)
{
	seqpack_registry *reg = tl_registry();
	seqpack_params p;
	params_for(&p);
	seqpack_result *in = NULL, *out = NULL;
	seqpack_error e1 = {0}, e2 = {0};
	ck_assert_int_eq(seqpack_pack(reg, "ffd", l, n, &p, &in, &e1),
			 SEQPACK_OK);
	int rc = seqpack_client_pack(c, "ffd", l, n, &p, &out, &e2);
	ck_assert_msg(rc == SEQPACK_OK, "pack: %s", e2.message);
	ck_assert(tl_same_result(in, out));
	seqpack_result_free(in);
	seqpack_result_free(out);
	seqpack_registry_unref(reg);
}

START_TEST(pack_retried_once_on_a_new_connection)
{
	struct fake f;
	fake_start(&f, FAKE_DROP_FIRST);
	seqpack_client *c = connect_ok(f.sock);
	assert_packs_as_in_process(c, small, NSMALL);
	assert_packs_as_in_process(c, small, NSMALL); /* and it stays */
	seqpack_client_close(c);
	ck_assert_int_eq(fake_stop(&f), 2);
}
END_TEST

START_TEST(idle_close_retried)
{
	struct fake f;
	fake_start(&f, FAKE_IDLE_FIRST);
	seqpack_client *c = connect_ok(f.sock);
	assert_packs_as_in_process(c, small, NSMALL);
	seqpack_client_close(c);
	ck_assert_int_eq(fake_stop(&f), 2);
}
END_TEST

START_TEST(second_failure_returned)
{
	struct fake f;
	fake_start(&f, FAKE_DROP_ALWAYS);
	seqpack_client *c = connect_ok(f.sock);
	seqpack_params p;
	params_for(&p);
	seqpack_result *r = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_pack(c, "ffd", small, NSMALL, &p, &r, &err);
	ck_assert_msg(rc == SEQPACK_ERR_IO, "rc %d: %s", rc, err.message);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err.message, "closed the connection"));
	ck_assert_int_eq(seqpack_client_pack(c, "ffd", small, NSMALL, &p, &r,
					     &err),
			 SEQPACK_ERR_STATE);
	seqpack_client_close(c);
	/* the first connection and exactly one more */
	ck_assert_int_eq(fake_stop(&f), 2);
}
END_TEST

static int count_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		    size_t count, uint64_t used)
{
	(void)pack;
	(void)ids;
	(void)used;
	*(size_t *)ctx += count;
	return 0;
}

START_TEST(stream_request_not_retried)
{
	struct fake f;
	fake_start(&f, FAKE_STREAM_DROP);
	seqpack_client *c = connect_ok(f.sock);
	seqpack_params p;
	params_for(&p);
	size_t got = 0;
	seqpack_client_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_stream_open(c, "ff", &p, count_cb,
						    &got, &s, &err),
			 SEQPACK_OK);
	ck_assert_int_eq(seqpack_client_stream_push(s, 1, 10, &err),
			 SEQPACK_OK);
	int rc = seqpack_client_stream_flush(s, &err);
	ck_assert_msg(rc == SEQPACK_ERR_IO, "rc %d: %s", rc, err.message);
	/* nor does a later call reconnect what a stream request broke */
	seqpack_algorithm_list *l = NULL;
	ck_assert_int_eq(seqpack_client_list(c, &l, &err), SEQPACK_ERR_STATE);
	seqpack_client_stream_free(s);
	seqpack_client_close(c);
	ck_assert_int_eq(fake_stop(&f), 1);
}
END_TEST

/* Kill the daemon (no clean close: the client learns it from its next
 * request) and start another on the same socket path. */
static void restart(struct td *d1, struct td *d2, const char *config)
{
	ck_assert(kill(d1->pid, SIGKILL) == 0);
	int st;
	ck_assert(waitpid(d1->pid, &st, 0) == d1->pid);
	d1->pid = 0;
	char sockarg[120];
	snprintf(sockarg, sizeof(sockarg), "--socket=%s", d1->sock);
	const char *const extra[] = {sockarg, NULL};
	td_start(d2, config, extra);
}

static uint32_t *lengths_of(size_t n)
{
	uint32_t *l = malloc(n * sizeof(*l));
	ck_assert_ptr_nonnull(l);
	for (size_t i = 0; i < n; i++)
		l[i] = 1 + (uint32_t)(i * 7919 % 100);
	return l;
}

START_TEST(daemon_restart_between_packs)
{
	/* _i: 0 the socket, 1 shared memory (16384 lengths and more) */
	size_t n = _i ? 20000 : 1000;
	uint32_t *l = lengths_of(n);
	struct td d1, d2;
	td_start(&d1, NULL, NULL);
	seqpack_client *c = td_client(&d1);
	assert_packs_as_in_process(c, l, n);
	restart(&d1, &d2, NULL);
	assert_packs_as_in_process(c, l, n);
	seqpack_daemon_stats *st = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_stats(c, &st, &err), SEQPACK_OK);
	/* the new daemon got the request, through a new region */
	ck_assert_uint_eq(seqpack_daemon_stats_get(st, "requests.hello"), 1);
	ck_assert_uint_eq(seqpack_daemon_stats_get(st, "requests.shm_attach"),
			  _i ? 1 : 0);
	ck_assert_uint_eq(seqpack_daemon_stats_get(st, "requests.pack_shm") +
				  seqpack_daemon_stats_get(st, "requests.pack"),
			  1);
	seqpack_daemon_stats_free(st);
	seqpack_client_close(c);
	free(l);
	ck_assert_int_eq(td_stop(&d2), 0);
	td_stop(&d1);
}
END_TEST

START_TEST(restart_loses_open_streams_only)
{
	struct td d1, d2;
	td_start(&d1, NULL, NULL);
	seqpack_client *c = td_client(&d1);
	seqpack_params p;
	params_for(&p);
	size_t got = 0;
	seqpack_client_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_stream_open(c, "ff", &p, count_cb,
						    &got, &s, &err),
			 SEQPACK_OK);
	ck_assert_int_eq(seqpack_client_stream_push(s, 1, 10, &err),
			 SEQPACK_OK);
	restart(&d1, &d2, NULL);
	assert_packs_as_in_process(c, small, NSMALL);
	int rc = seqpack_client_stream_flush(s, &err);
	ck_assert_msg(rc == SEQPACK_ERR_IO, "rc %d: %s", rc, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "not resumed"));
	seqpack_client_stream_free(s);
	seqpack_daemon_stats *st = NULL;
	ck_assert_int_eq(seqpack_client_stats(c, &st, &err), SEQPACK_OK);
	/* nothing of the stream reached the new daemon, not even a close */
	ck_assert_uint_eq(seqpack_daemon_stats_get(st, "requests.stream_push"),
			  0);
	ck_assert_uint_eq(seqpack_daemon_stats_get(st, "requests.stream_close"),
			  0);
	seqpack_daemon_stats_free(st);
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d2), 0);
	td_stop(&d1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Re-entry from a stream callback                                     */

struct reenter {
	seqpack_client *c;
	seqpack_client_stream *s;
	size_t packs, items;
	int pack_rc, push_rc, flush_rc, open_rc, list_rc;
	int free_self, close_client;
};

static int reenter_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		      size_t count, uint64_t used)
{
	(void)pack;
	(void)ids;
	(void)used;
	struct reenter *x = ctx;
	x->packs++;
	x->items += count;
	seqpack_params p;
	params_for(&p);
	seqpack_error err = {0};
	seqpack_result *r = NULL;
	x->pack_rc = seqpack_client_pack(x->c, "ffd", small, NSMALL, &p, &r,
					 &err);
	seqpack_result_free(r);
	x->push_rc = seqpack_client_stream_push(x->s, 99, 1, &err);
	x->flush_rc = seqpack_client_stream_flush(x->s, &err);
	seqpack_client_stream *other = NULL;
	x->open_rc = seqpack_client_stream_open(x->c, "ff", &p, count_cb,
						&x->items, &other, &err);
	seqpack_client_stream_free(other);
	seqpack_algorithm_list *l = NULL;
	x->list_rc = seqpack_client_list(x->c, &l, &err);
	seqpack_algorithm_list_free(l);
	if (x->free_self)
		seqpack_client_stream_free(x->s);
	if (x->close_client)
		seqpack_client_close(x->c);
	return 0;
}

static void open_reenter(struct td *d, struct reenter *x)
{
	memset(x, 0, sizeof(*x));
	x->c = td_client(d);
	seqpack_params p;
	params_for(&p);
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_stream_open(x->c, "nf", &p,
						    reenter_cb, x, &x->s,
						    &err),
			 SEQPACK_OK);
	/* nf closes a pack when the next length does not fit: 60+50 */
	for (uint64_t i = 0; i < NSMALL; i++)
		ck_assert_int_eq(seqpack_client_stream_push(x->s, i, small[i],
							    &err),
				 SEQPACK_OK);
}

START_TEST(reentry_refused_connection_kept)
{
	struct td d;
	td_start(&d, NULL, NULL);
	struct reenter x;
	open_reenter(&d, &x);
	seqpack_error err = {0};
	int rc = seqpack_client_stream_finish(x.s, &err);
	ck_assert_msg(rc == SEQPACK_OK, "finish: %s", err.message);
	ck_assert_uint_ge(x.packs, 2);
	ck_assert_uint_eq(x.items, NSMALL); /* the refused push added none */
	ck_assert_uint_eq(seqpack_client_stream_packs(x.s), x.packs);
	ck_assert_int_eq(x.pack_rc, SEQPACK_ERR_STATE);
	ck_assert_int_eq(x.push_rc, SEQPACK_ERR_STATE);
	ck_assert_int_eq(x.flush_rc, SEQPACK_ERR_STATE);
	ck_assert_int_eq(x.open_rc, SEQPACK_ERR_STATE);
	ck_assert_int_eq(x.list_rc, SEQPACK_ERR_STATE);
	seqpack_client_stream_free(x.s);
	/* the connection still works */
	assert_packs_as_in_process(x.c, small, NSMALL);
	seqpack_client_close(x.c);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(free_from_callback_deferred)
{
	struct td d;
	td_start(&d, NULL, NULL);
	struct reenter x;
	open_reenter(&d, &x);
	x.free_self = 1;
	seqpack_error err = {0};
	int rc = seqpack_client_stream_finish(x.s, &err);
	ck_assert_msg(rc == SEQPACK_ERR_STATE, "rc %d: %s", rc, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "freed from a pack callback"));
	ck_assert_uint_eq(x.packs, 1); /* none delivered after the free */
	assert_packs_as_in_process(x.c, small, NSMALL);
	seqpack_client_close(x.c);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(close_from_callback_deferred)
{
	struct td d;
	td_start(&d, NULL, NULL);
	struct reenter x;
	open_reenter(&d, &x);
	x.close_client = 1;
	seqpack_error err = {0};
	int rc = seqpack_client_stream_finish(x.s, &err);
	ck_assert_msg(rc == SEQPACK_ERR_STATE, "rc %d: %s", rc, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "closed from a stream"));
	ck_assert_uint_eq(x.packs, 1);
	/* x.c and x.s are gone; the daemon saw the connection close */
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client-robust");
	TCase *tc = tcase_create("deadlines");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, connect_times_out_when_hello_is_not_answered);
	tcase_add_test(tc, connect_times_out_on_a_full_listen_queue);
	tcase_add_test(tc, pack_times_out_then_state);
	tcase_add_test(tc, bad_timeout_variable);
	suite_add_tcase(s, tc);
	tc = tcase_create("reconnect");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pack_retried_once_on_a_new_connection);
	tcase_add_test(tc, idle_close_retried);
	tcase_add_test(tc, second_failure_returned);
	tcase_add_test(tc, stream_request_not_retried);
	tcase_add_loop_test(tc, daemon_restart_between_packs, 0, 2);
	tcase_add_test(tc, restart_loses_open_streams_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("reentry");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reentry_refused_connection_kept);
	tcase_add_test(tc, free_from_callback_deferred);
	tcase_add_test(tc, close_from_callback_deferred);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
