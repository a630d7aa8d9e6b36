/* seqpackd against bad clients.  Every case runs on its own connection
 * while a well-behaved client thread keeps packing (and checking every
 * answer) on another; after each case the test waits until that client
 * has had at least two more answers, so the daemon provably served it
 * while and after the bad client did its worst. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

static struct td D;
static seqpack_registry *REG;

/* The well-behaved client. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long ok, bad;
	int stop;
	char why[300];
	pthread_t thread;
} G = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *good_client(void *arg)
{
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	tl_rng rng;
	tl_rng_seed(&rng, 1234);
	uint32_t lengths[2000];
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	int rc = seqpack_client_connect(D.sock, &c, &err);
	for (;;) {
		pthread_mutex_lock(&G.lock);
		int stop = G.stop;
		pthread_mutex_unlock(&G.lock);
		if (stop || rc != SEQPACK_OK)
			break;
		tl_gen(&rng, TL_MIXED, p.capacity, lengths, 2000);
		seqpack_result *a = NULL, *b = NULL;
		rc = seqpack_client_pack(c, "nf", lengths, 2000, &p, &a, &err);
		int same = 0;
		if (rc == SEQPACK_OK &&
		    seqpack_pack(REG, "nf", lengths, 2000, &p, &b, NULL) == SEQPACK_OK)
			same = tl_same_result(a, b);
		seqpack_result_free(a);
		seqpack_result_free(b);
		pthread_mutex_lock(&G.lock);
		if (rc == SEQPACK_OK && same) {
			G.ok++;
		} else {
			G.bad++;
			snprintf(G.why, sizeof(G.why), "%s",
				 rc ? err.message : "result differs");
		}
		pthread_cond_broadcast(&G.cond);
		pthread_mutex_unlock(&G.lock);
	}
	if (rc != SEQPACK_OK) {
		pthread_mutex_lock(&G.lock);
		G.bad++;
		snprintf(G.why, sizeof(G.why), "%s", err.message);
		pthread_cond_broadcast(&G.cond);
		pthread_mutex_unlock(&G.lock);
	}
	seqpack_client_close(c);
	return arg;
}

/* Wait until the good client got two more answers than now. */
static void good_client_progresses(void)
{
	pthread_mutex_lock(&G.lock);
	unsigned long target = G.ok + 2;
	while (G.ok < target && G.bad == 0)
		pthread_cond_wait(&G.cond, &G.lock);
	ck_assert_msg(G.bad == 0, "the good client failed: %s", G.why);
	pthread_mutex_unlock(&G.lock);
}

static void setup(void)
{
	char *liar = tl_builddir_path("tests/plugins");
	char *plugins = tl_builddir_path("plugins");
	char arg[2048];
	snprintf(arg, sizeof(arg), "--plugin-path=%s:%s", plugins, liar);
	free(liar);
	free(plugins);
	const char *extra[] = {arg, "--read-timeout=1",
			       "--max-request-size=1M", "--max-lengths=100000",
			       NULL};
	td_start(&D, NULL, extra);
	REG = tl_registry();
	tl_require(REG, "nf");
	G.ok = G.bad = 0;
	G.stop = 0;
	ck_assert_int_eq(pthread_create(&G.thread, NULL, good_client, NULL), 0);
	good_client_progresses();
}

static void teardown(void)
{
	pthread_mutex_lock(&G.lock);
	G.stop = 1;
	pthread_mutex_unlock(&G.lock);
	pthread_join(G.thread, NULL);
	ck_assert_msg(G.bad == 0, "the good client failed: %s", G.why);
	seqpack_registry_unref(REG);
	ck_assert_int_eq(td_stop(&D), 0);
}

/* Read one message and check its type, id and status; returns the error
 * message (static) for further checks. */
static const char *expect(int fd, uint16_t type, uint64_t id, int status)
{
	static char msg[256];
	struct sp_header h;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
	ck_assert_msg(h.type == type, "reply type 0x%x, expected 0x%x",
		      h.type, type);
	ck_assert_uint_eq(h.id, id);
	struct sp_rd r;
	sp_rd_init(&r, pl, h.length);
	uint32_t st = sp_get_u32(&r);
	msg[0] = '\0';
	if (st != SEQPACK_OK)
		sp_get_str(&r, msg, sizeof(msg));
	ck_assert_msg(!r.bad, "malformed reply");
	ck_assert_msg(st == (uint32_t)status, "status %u (%s), expected %d",
		      st, msg, status);
	free(pl);
	return msg;
}

static void send_header(int fd, uint32_t magic, uint16_t version,
			uint16_t type, uint32_t flags, uint32_t length,
			uint64_t id)
{
	struct sp_header h = {magic, version, type, flags, length, id};
	uint8_t b[SP_HEADER_SIZE];
	sp_header_encode(b, &h);
	td_send(fd, b, sizeof(b));
}

static void hello_works(int fd, uint64_t id)
{
	uint8_t pl[4] = {1, 0, 1, 0};
	struct sp_buf b = {0};
	td_msg(&b, SP_HELLO, id, pl, 4);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	expect(fd, SP_HELLO | SP_REPLY, id, SEQPACK_OK);
}

START_TEST(garbage)
{
	int fd = td_connect_raw(&D);
	uint8_t junk[64];
	tl_rng rng;
	tl_rng_seed(&rng, 77);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)tl_rng_next(&rng);
	junk[0] = 'G'; /* certainly not the magic */
	td_send(fd, junk, sizeof(junk));
	const char *m = expect(fd, SP_ERROR, 0, SEQPACK_ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(m, "magic"));
	ck_assert(td_closed(fd));
	close(fd);
	good_client_progresses();
}
END_TEST

START_TEST(wrong_magic_and_version)
{
	int fd = td_connect_raw(&D);
	send_header(fd, 0x4B505154, 1, SP_HELLO, 0, 0, 1);
	expect(fd, SP_ERROR, 0, SEQPACK_ERR_PROTOCOL);
	ck_assert(td_closed(fd));
	close(fd);
	fd = td_connect_raw(&D);
	send_header(fd, SP_MAGIC, 2, SP_HELLO, 0, 4, 9);
	const char *m = expect(fd, SP_ERROR, 9, SEQPACK_ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(m, "version 2"));
	ck_assert(td_closed(fd));
	close(fd);
	/* a HELLO with no common version is an error reply, not a close */
	fd = td_connect_raw(&D);
	uint8_t pl[4] = {2, 0, 3, 0};
	struct sp_buf b = {0};
	td_msg(&b, SP_HELLO, 3, pl, 4);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	expect(fd, SP_HELLO | SP_REPLY, 3, SEQPACK_ERR_PROTOCOL);
	hello_works(fd, 4);
	close(fd);
	good_client_progresses();
}
END_TEST

START_TEST(unknown_type_and_flags)
{
	int fd = td_connect_raw(&D);
	struct sp_buf b = {0};
	td_msg(&b, 99, 5, "abcd", 4);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	const char *m = expect(fd, 99 | SP_REPLY, 5, SEQPACK_ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(m, "unknown message type 99"));
	/* the framing was intact: the connection goes on */
	hello_works(fd, 6);
	send_header(fd, SP_MAGIC, 1, SP_LIST, 0x10, 0, 7);
	expect(fd, SP_LIST | SP_REPLY, 7, SEQPACK_ERR_PROTOCOL);
	/* a malformed HELLO, and LIST with a payload */
	td_msg(&b, SP_HELLO, 8, "abc", 3);
	td_msg(&b, SP_LIST, 9, "x", 1);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	/* replies to non-stream requests come in any order */
	for (int i = 0; i < 2; i++) {
		struct sp_header h;
		uint8_t *pl = NULL;
		ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
		ck_assert(h.id == 8 || h.id == 9);
		ck_assert_uint_eq(h.type, (h.id == 8 ? SP_HELLO : SP_LIST) | SP_REPLY);
		ck_assert_uint_eq(pl[0], SEQPACK_ERR_PROTOCOL);
		free(pl);
	}
	hello_works(fd, 10);
	close(fd);
	good_client_progresses();
}
END_TEST

START_TEST(truncated_header)
{
	int fd = td_connect_raw(&D);
	uint8_t hb[SP_HEADER_SIZE];
	struct sp_header h = {SP_MAGIC, 1, SP_LIST, 0, 0, 1};
	sp_header_encode(hb, &h);
	td_send(fd, hb, 10);
	shutdown(fd, SHUT_WR);
	/* nothing to answer: the daemon drops the connection */
	struct sp_header rh;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &rh, &pl), 0);
	close(fd);
	good_client_progresses();
}
END_TEST

START_TEST(oversized_length)
{
	static const uint32_t lens[] = {(1u << 20) + 1, 0xFFFFFFFFu};
	for (int i = 0; i < 2; i++) {
		int fd = td_connect_raw(&D);
		send_header(fd, SP_MAGIC, 1, SP_PACK, 0, lens[i], 42);
		const char *m = expect(fd, SP_PACK | SP_REPLY, 42,
				       SEQPACK_ERR_LIMIT);
		ck_assert_ptr_nonnull(strstr(m, "limit"));
		ck_assert(td_closed(fd));
		close(fd);
	}
	good_client_progresses();
}
END_TEST

static const char *pack_raw(int fd, uint64_t id, const char *alg,
			    const seqpack_params *p, const uint32_t *lengths,
			    size_t n, uint32_t claimed, int status)
{
	struct sp_buf pl = {0}, b = {0};
	td_pack_payload(&pl, alg, p, lengths, n, claimed);
	td_msg(&b, SP_PACK, id, pl.data, pl.len);
	td_send(fd, b.data, b.len);
	sp_buf_free(&pl);
	sp_buf_free(&b);
	return expect(fd, SP_PACK | SP_REPLY, id, status);
}

START_TEST(bad_pack_requests)
{
	int fd = td_connect_raw(&D);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	uint32_t l[12] = {5, 3, 11, 2, 8, 1, 1, 1, 1, 1, 1, 1};
	uint32_t ok[12] = {5, 3, 7, 2, 8, 1, 1, 1, 1, 1, 1, 1};
	/* payload length disagrees with n, both ways */
	const char *m = pack_raw(fd, 1, "nf", &p, ok, 9, 10,
				 SEQPACK_ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(m, "n = 10"));
	pack_raw(fd, 2, "nf", &p, ok, 11, 10, SEQPACK_ERR_PROTOCOL);
	/* n far beyond what was sent, but under the limit */
	pack_raw(fd, 3, "nf", &p, ok, 2, 90000, SEQPACK_ERR_PROTOCOL);
	/* n above max-lengths */
	pack_raw(fd, 4, "nf", &p, ok, 2, 100001, SEQPACK_ERR_LIMIT);
	/* capacity 0 and above the maximum */
	p.capacity = 0;
	m = pack_raw(fd, 5, "nf", &p, ok, 6, 6, SEQPACK_ERR_CAPACITY);
	ck_assert_ptr_nonnull(strstr(m, "capacity is 0"));
	p.capacity = 0x80000000u;
	pack_raw(fd, 6, "nf", &p, ok, 6, 6, SEQPACK_ERR_CAPACITY);
	p.capacity = 10;
	/* length above capacity, and zero: in-process's messages */
	m = pack_raw(fd, 7, "nf", &p, l, 6, 6, SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(m, "sequence 2 has length 11 > capacity 10");
	ok[4] = 0;
	m = pack_raw(fd, 8, "nf", &p, ok, 6, 6, SEQPACK_ERR_LENGTH);
	ck_assert_ptr_nonnull(strstr(m, "sequence 4 has length 0"));
	ok[4] = 8;
	/* unknown algorithms */
	m = pack_raw(fd, 9, "nosuch", &p, ok, 6, 6, SEQPACK_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(m, "nosuch"));
	ck_assert_ptr_nonnull(strstr(m, "nf"));
	pack_raw(fd, 10, "averyveryveryverylongalgorithmname", &p, ok, 6, 6,
		 SEQPACK_ERR_NOT_FOUND);
	pack_raw(fd, 11, "", &p, ok, 6, 6, SEQPACK_ERR_NOT_FOUND);
	/* unknown parameter flags, k = 0 */
	p.flags = 0x80;
	pack_raw(fd, 12, "nf", &p, ok, 6, 6, SEQPACK_ERR_INVALID);
	seqpack_params_init(&p);
	p.capacity = 10;
	p.k = 0;
	pack_raw(fd, 13, "nf", &p, ok, 6, 6, SEQPACK_ERR_INVALID);
	p.k = 10;
	/* a plugin that lies is caught even when the client did not ask
	 * for verification */
	p.flags = 0;
	m = pack_raw(fd, 14, "liar", &p, ok, 6, 6, SEQPACK_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(m, "liar"));
	/* a name with a NUL inside: malformed */
	struct sp_buf pl = {0}, b = {0};
	sp_put_u16(&pl, 3);
	sp_put_u8(&pl, 'n');
	sp_put_u8(&pl, 0);
	sp_put_u8(&pl, 'f');
	sp_put_params(&pl, &p);
	sp_put_u32(&pl, 0);
	td_msg(&b, SP_PACK, 15, pl.data, pl.len);
	td_send(fd, b.data, b.len);
	expect(fd, SP_PACK | SP_REPLY, 15, SEQPACK_ERR_PROTOCOL);
	sp_buf_free(&pl);
	sp_buf_free(&b);
	/* stream requests on a stream that does not exist */
	uint8_t sid[4] = {7, 0, 0, 0};
	td_msg(&b, SP_STREAM_FINISH, 16, sid, 4);
	td_msg(&b, SP_STREAM_PUSH, 17, "\x07\0\0\0\x01\0\0\0", 8);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	expect(fd, SP_STREAM_FINISH | SP_REPLY, 16, SEQPACK_ERR_STATE);
	expect(fd, SP_STREAM_PUSH | SP_REPLY, 17, SEQPACK_ERR_PROTOCOL);
	/* after all that, the connection still packs */
	p.flags = SEQPACK_PARAM_VERIFY;
	pack_raw(fd, 18, "nf", &p, ok, 6, 6, SEQPACK_OK);
	close(fd);
	good_client_progresses();
}
END_TEST

/* Let the daemon see everything this test did on other connections
 * before: the second STATS is dispatched in a later loop iteration than
 * anything that happened before the first was sent. */
static seqpack_daemon_stats *settled_stats(seqpack_client *c)
{
	seqpack_daemon_stats *s = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	seqpack_daemon_stats_free(s);
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	return s;
}

START_TEST(disconnect_mid_request)
{
	seqpack_client *c = td_client(&D);
	seqpack_daemon_stats_free(settled_stats(c));
	unsigned fds0 = td_fd_count(D.pid);
	seqpack_client_close(c);
	for (int i = 0; i < 20; i++) {
		int fd = td_connect_raw(&D);
		send_header(fd, SP_MAGIC, 1, SP_PACK, 0, 1000, 1);
		uint8_t part[100] = {0};
		td_send(fd, part, (size_t)(i % 2) * 100);
		close(fd);
	}
	c = td_client(&D);
	seqpack_daemon_stats *s = settled_stats(c);
	/* only the good client and this one */
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "connections.current"), 2);
	seqpack_daemon_stats_free(s);
	ck_assert_uint_eq(td_fd_count(D.pid), fds0);
	seqpack_client_close(c);
	good_client_progresses();
}
END_TEST

/* Send bytes one at a time, waiting up to interval_ms for the daemon to
 * say something between bytes; returns how many were sent before it
 * did.  The daemon must answer long before all are sent. */
static size_t dribble(int fd, const uint8_t *p, size_t n, int interval_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, interval_ms) > 0)
			return i;
		ssize_t w = send(fd, p + i, 1, MSG_NOSIGNAL);
		if (w != 1)
			return i;
	}
	return n;
}

START_TEST(slow_client)
{
	/* read-timeout is 1 s here; one byte per half second cannot
	 * deliver even a header in time */
	uint8_t hb[SP_HEADER_SIZE];
	struct sp_header h = {SP_MAGIC, 1, SP_LIST, 0, 0, 31};
	sp_header_encode(hb, &h);
	int fd = td_connect_raw(&D);
	ck_assert_uint_lt(dribble(fd, hb, sizeof(hb), 500), sizeof(hb));
	const char *m = expect(fd, SP_ERROR, 0, SEQPACK_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(m, "read-timeout"));
	ck_assert(td_closed(fd));
	close(fd);
	good_client_progresses();

	/* the same with a complete header and a dribbled payload */
	uint8_t pl[64];
	memset(pl, 1, sizeof(pl));
	h.type = SP_PACK;
	h.length = sizeof(pl);
	sp_header_encode(hb, &h);
	fd = td_connect_raw(&D);
	td_send(fd, hb, sizeof(hb));
	ck_assert_uint_lt(dribble(fd, pl, sizeof(pl), 500), sizeof(pl));
	expect(fd, SP_PACK | SP_REPLY, 31, SEQPACK_ERR_TIMEOUT);
	ck_assert(td_closed(fd));
	close(fd);
	seqpack_client *c = td_client(&D);
	seqpack_daemon_stats *s = settled_stats(c);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "connections.timed_out"), 2);
	seqpack_daemon_stats_free(s);
	seqpack_client_close(c);
	good_client_progresses();
}
END_TEST

START_TEST(many_bad_clients_at_once)
{
	/* A crowd of half-sent requests does not block anyone. */
	enum { N = 40 };
	int fds[N];
	for (int i = 0; i < N; i++) {
		fds[i] = td_connect_raw(&D);
		send_header(fds[i], SP_MAGIC, 1, SP_PACK, 0, 100000, 1);
		uint8_t part[500] = {0};
		td_send(fds[i], part, sizeof(part));
	}
	good_client_progresses();
	for (int i = 0; i < N; i++) {
		expect(fds[i], SP_PACK | SP_REPLY, 1, SEQPACK_ERR_TIMEOUT);
		close(fds[i]);
	}
	good_client_progresses();
}
END_TEST

START_TEST(client_that_never_reads)
{
	/* Pipelines PACK requests as fast as the socket takes them and never
	 * reads a reply: the daemon stops reading it (max-inflight, unsent
	 * reply bytes) instead of buffering without end, and others go on. */
	int fd = td_connect_raw(&D);
	int fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	uint32_t *lengths = malloc(20000 * sizeof(uint32_t));
	tl_rng rng;
	tl_rng_seed(&rng, 8);
	tl_gen(&rng, TL_UNIFORM, p.capacity, lengths, 20000);
	struct sp_buf pl = {0}, b = {0};
	td_pack_payload(&pl, "nf", &p, lengths, 20000, 20000);
	td_msg(&b, SP_PACK, 1, pl.data, pl.len);
	size_t sent = 0, total = 0;
	/* until the socket is full: the daemon has stopped reading */
	for (;;) {
		ssize_t w = send(fd, b.data + sent, b.len - sent, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			break;
		}
		sent += (size_t)w;
		total += (size_t)w;
		if (sent == b.len)
			sent = 0;
		ck_assert_msg(total < (256u << 20), "the daemon never pushed back");
	}
	good_client_progresses();
	close(fd);
	good_client_progresses();
	sp_buf_free(&pl);
	sp_buf_free(&b);
	free(lengths);
}
END_TEST

START_TEST(idle_and_max_clients)
{
	/* a second daemon with tight limits */
	struct td d2;
	const char *idle[] = {"--idle-timeout=0.3", NULL};
	td_start(&d2, NULL, idle);
	int fd = td_connect_raw(&d2);
	const char *m = expect(fd, SP_ERROR, 0, SEQPACK_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(m, "idle"));
	ck_assert(td_closed(fd));
	close(fd);
	ck_assert_int_eq(td_stop(&d2), 0);

	/* (with the default idle timeout, so nobody is dropped meanwhile) */
	const char *maxc[] = {"--max-clients=3", NULL};
	td_start(&d2, NULL, maxc);
	int c[4];
	for (int i = 0; i < 3; i++) {
		c[i] = td_connect_raw(&d2);
		hello_works(c[i], 1);
	}
	c[3] = td_connect_raw(&d2);
	m = expect(c[3], SP_ERROR, 0, SEQPACK_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(m, "too many clients"));
	ck_assert(td_closed(c[3]));
	close(c[3]);
	close(c[0]);
	/* two round trips on another connection: the close is seen */
	hello_works(c[1], 2);
	hello_works(c[1], 3);
	c[0] = td_connect_raw(&d2);
	hello_works(c[0], 4);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	ck_assert_int_eq(td_stop(&d2), 0);
	good_client_progresses();
}
END_TEST

/* Descriptor exhaustion: with the daemon's RLIMIT_NOFILE a few above what
 * it holds, a crowd of clients makes accept() fail with EMFILE.  The
 * listener then stays readable (level-triggered), and the loop used to
 * spin, logging "accept: Too many open files" on every turn (~150,000
 * times a second).  Now it stops accepting for a moment and says so at
 * most once per ten seconds; the connections it holds are served
 * meanwhile, and it accepts again once descriptors free. */
static unsigned count_in_log(const struct td *d, const char *what)
{
	FILE *f = fopen(d->log, "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

START_TEST(descriptor_exhaustion)
{
	struct td d2;
	td_start(&d2, NULL, NULL);
	int first = td_connect_raw(&d2);
	hello_works(first, 1);
	struct rlimit rl;
	rl.rlim_cur = rl.rlim_max = td_fd_count(d2.pid) + 3;
	ck_assert_int_eq(prlimit(d2.pid, RLIMIT_NOFILE, &rl, NULL), 0);

	enum { CROWD = 40, TRIPS = 300 };
	int crowd[CROWD];
	for (int i = 0; i < CROWD; i++)
		crowd[i] = td_connect_raw(&d2); /* queued in the backlog */
	/* Round trips on the connection the daemon holds: each wakes the
	 * loop, which then finds the listener readable. */
	for (unsigned i = 0; i < TRIPS; i++)
		hello_works(first, 2 + i);
	unsigned logged = count_in_log(&d2, "accept: Too many open files");
	ck_assert_msg(logged >= 1, "the exhaustion was not logged");
	ck_assert_msg(logged <= 2, "\"accept: Too many open files\" logged %u times",
		      logged);

	/* Descriptors free: the daemon accepts again and serves. */
	for (int i = 0; i < CROWD; i++)
		close(crowd[i]);
	close(first);
	int later = td_connect_raw(&d2);
	hello_works(later, 1);
	close(later);
	ck_assert_int_eq(td_stop(&d2), 0);
}
END_TEST

/* At start the soft descriptor limit is raised to the hard one. */
START_TEST(descriptor_limit_raised)
{
	struct rlimit mine, low;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &mine), 0);
	ck_assert_msg(mine.rlim_max > 200, "hard RLIMIT_NOFILE %llu too low for the test",
		      (unsigned long long)mine.rlim_max);
	low = mine;
	low.rlim_cur = 100; /* inherited by the daemon */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct td d2;
	td_start(&d2, NULL, NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &mine), 0);
	/* The daemon's own view: at 100 it warns that max-clients (256)
	 * may not fit. */
	ck_assert_uint_eq(count_in_log(&d2, "RLIMIT_NOFILE is 100 "), 0);
	/* From outside, unless $SEQPACKD wraps it: valgrind keeps
	 * descriptors of its own above the limit it shows the daemon, and
	 * sets the real one itself. */
	struct rlimit theirs;
	ck_assert_int_eq(prlimit(d2.pid, RLIMIT_NOFILE, NULL, &theirs), 0);
	if (!getenv("SEQPACKD"))
		ck_assert_uint_eq(theirs.rlim_cur, mine.rlim_max);
	ck_assert_int_eq(td_stop(&d2), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-bad-input");
	TCase *tc = tcase_create("bad");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, wrong_magic_and_version);
	tcase_add_test(tc, unknown_type_and_flags);
	tcase_add_test(tc, truncated_header);
	tcase_add_test(tc, oversized_length);
	tcase_add_test(tc, bad_pack_requests);
	tcase_add_test(tc, disconnect_mid_request);
	tcase_add_test(tc, slow_client);
	tcase_add_test(tc, many_bad_clients_at_once);
	tcase_add_test(tc, client_that_never_reads);
	tcase_add_test(tc, idle_and_max_clients);
	suite_add_tcase(s, tc);
	/* Daemons of their own, without the fixture's client. */
	TCase *fds = tcase_create("descriptors");
	tcase_set_timeout(fds, 300);
	tcase_add_test(fds, descriptor_exhaustion);
	tcase_add_test(fds, descriptor_limit_raised);
	suite_add_tcase(s, fds);
	return tl_run(s);
}
