/* SIGTERM loses no request a client already sent: requests pipelined on
 * one connection beyond max-inflight (still in the socket when the stop
 * came) are read, run and answered, and the connection then ends with
 * EOF, not a reset; a request cut in half by the stop is answered with a
 * status that says so.  The gate plugin (tests/daemon/gate.c) holds the
 * first requests inside pack(), so the others provably sit unread in the
 * socket when the signal arrives. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-daemon-gate.h"
#include "test-daemon-util.h"
#include "testlib.h"

static struct gate G;
static struct td D;
static char *ARG;

/* A daemon with the gate loaded and 2 workers, so 2 requests are held. */
#define WORKERS 2
static void start(void)
{
	gate_open(&G);
	char *plugins = tl_builddir_path("plugins");
	char *gatedir = tl_builddir_path("tests/daemon");
	ARG = malloc(4200);
	snprintf(ARG, 4200, "--plugin-path=%s:%s", plugins, gatedir);
	free(plugins);
	free(gatedir);
	const char *extra[] = {ARG, "--threads=2", "--max-inflight=16", NULL};
	td_start(&D, NULL, extra);
}

static void finish(void)
{
	ck_assert_int_eq(td_wait_exit(&D), 0);
	ck_assert_int_eq(td_stop(&D), 0);
	gate_close(&G);
	free(ARG);
}

static void pack_msg(struct sp_buf *b, uint64_t id, const uint32_t *lengths,
		     size_t n)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	struct sp_buf pl = {0};
	td_pack_payload(&pl, "gate", &p, lengths, n, (uint32_t)n);
	td_msg(b, SP_PACK, id, pl.data, pl.len);
	sp_buf_free(&pl);
}

static uint32_t status_of(const uint8_t *pl)
{
	return pl[0] | pl[1] << 8 | pl[2] << 16 | (uint32_t)pl[3] << 24;
}

/* read() returns 0: an orderly close, not ECONNRESET. */
static void expect_eof(int fd)
{
	uint8_t b;
	ssize_t r;
	do
		r = read(fd, &b, 1);
	while (r < 0 && errno == EINTR);
	ck_assert_msg(r == 0, "expected EOF, got %zd (%s)", r,
		      r < 0 ? strerror(errno) : "data");
}

START_TEST(pipelined_requests_all_answered)
{
	enum { N = 100 };
	start();
	int fd = td_connect_raw(&D);
	uint32_t lengths[20];
	for (int i = 0; i < 20; i++)
		lengths[i] = 1 + (uint32_t)(i * 7) % 100;
	struct sp_buf b = {0};
	for (int i = 1; i <= N; i++)
		pack_msg(&b, (uint64_t)i, lengths, 20);
	/* about 12 KB: all of it in the daemon's socket at once */
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	gate_wait_entered(&G, WORKERS);
	/* max-inflight (16) are read, 2 held in the plugin; the other 84
	 * are unread in the socket */
	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&D, "STOPPING=1"));
	gate_release(&G, N);
	int seen[N + 1] = {0}, got = 0;
	for (int i = 0; i < N; i++) {
		struct sp_header h;
		uint8_t *pl = NULL;
		int r = td_recv(fd, &h, &pl);
		ck_assert_msg(r == 1, "reply %d of %d: %s", i + 1, N,
			      r == 0 ? "connection closed (or reset)"
				     : strerror(errno));
		ck_assert_uint_eq(h.type, SP_PACK | SP_REPLY);
		ck_assert(h.id >= 1 && h.id <= N && !seen[h.id]);
		seen[h.id] = 1;
		ck_assert_msg(status_of(pl) == SEQPACK_OK, "request %llu: status %u",
			      (unsigned long long)h.id, status_of(pl));
		free(pl);
		got++;
	}
	ck_assert_int_eq(got, N);
	expect_eof(fd);
	close(fd);
	finish();
}
END_TEST

START_TEST(request_cut_by_the_stop_is_answered)
{
	start();
	/* one request held in the plugin keeps the daemon up */
	int held = td_connect_raw(&D);
	uint32_t lengths[20];
	for (int i = 0; i < 20; i++)
		lengths[i] = 5;
	struct sp_buf b = {0};
	pack_msg(&b, 1, lengths, 20);
	td_send(held, b.data, b.len);
	sp_buf_free(&b);
	gate_wait_entered(&G, 1);
	/* a header that announces more payload than comes before the stop */
	int cut = td_connect_raw(&D);
	pack_msg(&b, 77, lengths, 20);
	size_t part = b.len - 10;
	td_send(cut, b.data, part);
	ck_assert_int_eq(kill(D.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&D, "STOPPING=1"));
	struct sp_header h;
	uint8_t *pl = NULL;
	int rr = td_recv(cut, &h, &pl);
	if (rr != 1)
		td_dump_log(&D);
	ck_assert_int_eq(rr, 1);
	ck_assert_uint_eq(h.type, SP_PACK | SP_REPLY);
	ck_assert_uint_eq(h.id, 77);
	ck_assert_uint_eq(status_of(pl), SEQPACK_ERR_LIMIT);
	pl[h.length] = '\0';
	ck_assert_msg(strstr((char *)pl + 6, "stopping") != NULL, "message: %s",
		      (char *)pl + 6);
	free(pl);
	expect_eof(cut);
	/* and the rest of it has nowhere to go */
	ck_assert_int_lt(send(cut, b.data + part, 10, MSG_NOSIGNAL), 0);
	ck_assert_int_eq(errno, EPIPE);
	sp_buf_free(&b);
	close(cut);
	gate_release(&G, 1);
	ck_assert_int_eq(td_recv(held, &h, &pl), 1);
	ck_assert_uint_eq(h.id, 1);
	ck_assert_uint_eq(status_of(pl), SEQPACK_OK);
	free(pl);
	expect_eof(held);
	close(held);
	finish();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-stop");
	TCase *tc = tcase_create("stop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pipelined_requests_all_answered);
	tcase_add_test(tc, request_cut_by_the_stop_is_answered);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
