/* seqpackd's budgets, shares and fairness (docs/reliability.md, "Budgets,
 * shares and fairness"): a connection whose next payload does not fit in
 * the memory budget is not read until bytes come back; a request larger
 * than a UID's share is refused; a UID above max-clients-per-uid is
 * refused; a stream holding max-stream-ids sequences refuses the next
 * push; and with one worker, a small client's request runs before a busy
 * client's queued ones.  Requests are held inside the gate test plugin
 * (tests/daemon/gate.c) so that every order is decided by the test, with
 * no sleeps and no timing. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-gate.h"
#include "test-daemon-util.h"
#include "testlib.h"

/* A guard against a hung daemon, not a synchronisation delay. */
#define GUARD_MS 60000

/* The daemon with the gate plugin on its path and extra settings. */
static void start_gated(struct td *d, const char *config_text,
			const char *threads)
{
	char *plugins = tl_builddir_path("plugins");
	char *gatedir = tl_builddir_path("tests/daemon");
	char path[4200];
	snprintf(path, sizeof(path), "--plugin-path=%s:%s", plugins, gatedir);
	free(plugins);
	free(gatedir);
	const char *extra[] = {path, threads, NULL};
	td_start(d, config_text, extra);
}

/* ------------------------------------------------------------------ */
/* Raw messages */

/* Send a PACK of n lengths on algorithm alg; returns its payload size. */
static size_t send_pack(int fd, uint64_t id, const char *alg, size_t n)
{
	uint32_t *lengths = malloc(n * sizeof(*lengths));
	ck_assert(lengths != NULL);
	for (size_t i = 0; i < n; i++)
		lengths[i] = 1 + (uint32_t)(i % 100);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	struct sp_buf pl = {0}, m = {0};
	td_pack_payload(&pl, alg, &p, lengths, n, (uint32_t)n);
	td_msg(&m, SP_PACK, id, pl.data, pl.len);
	td_send(fd, m.data, m.len);
	size_t len = pl.len;
	sp_buf_free(&pl);
	sp_buf_free(&m);
	free(lengths);
	return len;
}

/* A message of an unknown type: refused on the event loop at once, so
 * its reply says that everything sent before it on fd was read and
 * dispatched. */
static void send_barrier(int fd, uint64_t id)
{
	struct sp_buf m = {0};
	td_msg(&m, 200, id, NULL, 0);
	td_send(fd, m.data, m.len);
	sp_buf_free(&m);
}

/* Read one message; check its id and status, return its type and (in
 * msg, when not OK) its error message. */
static uint16_t expect(int fd, uint64_t id, int status, char *msg,
		       size_t msgsz)
{
	struct sp_header h;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
	struct sp_rd r;
	sp_rd_init(&r, pl, h.length);
	uint32_t st = sp_get_u32(&r);
	char m[256] = "";
	if (st != SEQPACK_OK)
		sp_get_str(&r, m, sizeof(m));
	free(pl);
	ck_assert_msg(h.id == id, "reply id %llu, expected %llu (%s)",
		      (unsigned long long)h.id, (unsigned long long)id, m);
	ck_assert_msg(st == (uint32_t)status, "status %u (%s), expected %d",
		      st, m, status);
	if (msg)
		snprintf(msg, msgsz, "%s", m);
	return h.type;
}

/* PACK 2 and the barrier, sent from a thread: the daemon stops reading
 * PACK 2 after its header, so the send blocks until PACK 1 is done. */
struct sender {
	int fd;
	size_t len;
};

static void *send_rest(void *arg)
{
	struct sender *x = arg;
	x->len = send_pack(x->fd, 2, "gate", 200000);
	send_barrier(x->fd, 3);
	return NULL;
}

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static uint64_t stat_of(seqpack_client *c, const char *name)
{
	seqpack_daemon_stats *s = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	uint64_t v = seqpack_daemon_stats_get(s, name);
	seqpack_daemon_stats_free(s);
	return v;
}

/* ------------------------------------------------------------------ */

/* Two PACKs of ~800 KB each in a budget of 1.5 MB: the second is not
 * read while the first is in flight (and its reply unsent), so the
 * barrier behind it is not answered before the first PACK's reply.
 * Before the budget, the second was read at once (the per-connection
 * bound let two payloads in), and the barrier came back first. */
START_TEST(pipelined_pack_waits_for_budget)
{
	struct gate g;
	gate_open(&g);
	struct td d;
	start_gated(&d,
		    "[seqpackd]\nmax-request-size = 1M\n"
		    "memory-budget = 1536K\nmemory-budget-per-uid = 1536K\n",
		    "--threads=2");
	seqpack_client *watch = td_client(&d);
	ck_assert_uint_eq(stat_of(watch, "budget.limit"), 1536u * 1024);
	int fd = td_connect_raw(&d);
	size_t len1 = send_pack(fd, 1, "gate", 200000);
	ck_assert_uint_gt(2 * len1, 1536u * 1024);
	gate_wait_entered(&g, 1);
	struct sender x = {.fd = fd};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, send_rest, &x), 0);
	/* PACK 1 is inside the plugin.  Wait (guarded, no timing) until
	 * the daemon reports the connection waiting for budget, or
	 * answers the barrier, which it must not. */
	uint64_t waiting = 0;
	for (int i = 0; i < 100000 && !waiting && !readable(fd); i++)
		waiting = stat_of(watch, "budget.waiting");
	ck_assert_msg(!readable(fd),
		      "the request behind PACK 2 was answered while PACK 1 held the budget");
	ck_assert_uint_eq(waiting, 1);
	uint64_t held = stat_of(watch, "budget.bytes");
	ck_assert_uint_ge(held, len1);
	ck_assert_uint_lt(held, 2 * len1);
	ck_assert_uint_ge(stat_of(watch, "budget.waits"), 1);

	gate_release(&g, 1);
	ck_assert_uint_eq(expect(fd, 1, SEQPACK_OK, NULL, 0),
			  SP_PACK | SP_REPLY);
	/* now PACK 2 is read, and the barrier with it */
	pthread_join(th, NULL);
	ck_assert_uint_eq(x.len, len1);
	gate_wait_entered(&g, 1);
	char msg[256];
	expect(fd, 3, SEQPACK_ERR_PROTOCOL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "unknown message type"), "%s", msg);
	gate_release(&g, 1);
	ck_assert_uint_eq(expect(fd, 2, SEQPACK_OK, NULL, 0),
			  SP_PACK | SP_REPLY);
	close(fd);
	seqpack_client_close(watch);
	ck_assert_int_eq(td_stop(&d), 0);
	gate_close(&g);
}
END_TEST

/* The budget is one for all connections: B's PACK waits unread while
 * A's holds the budget inside the gate, and is read and answered once
 * A's is done and its reply read.  (Per connection, B's fitted.) */
START_TEST(budget_shared_across_connections)
{
	struct gate g;
	gate_open(&g);
	struct td d;
	start_gated(&d,
		    "[seqpackd]\nmax-request-size = 1M\n"
		    "memory-budget = 1536K\nmemory-budget-per-uid = 1536K\n",
		    "--threads=2");
	seqpack_client *watch = td_client(&d);
	int a = td_connect_raw(&d), b = td_connect_raw(&d);
	size_t len = send_pack(a, 1, "gate", 200000);
	gate_wait_entered(&g, 1);
	struct sender x = {.fd = b};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, send_rest, &x), 0);
	uint64_t waiting = 0;
	for (int i = 0; i < 100000 && !waiting && !readable(b); i++)
		waiting = stat_of(watch, "budget.waiting");
	ck_assert_msg(!readable(b), "B was answered while A held the budget");
	ck_assert_uint_eq(waiting, 1);
	gate_release(&g, 1);
	ck_assert_uint_eq(expect(a, 1, SEQPACK_OK, NULL, 0),
			  SP_PACK | SP_REPLY);
	pthread_join(th, NULL);
	ck_assert_uint_eq(x.len, len);
	gate_wait_entered(&g, 1);
	expect(b, 3, SEQPACK_ERR_PROTOCOL, NULL, 0);
	gate_release(&g, 1);
	ck_assert_uint_eq(expect(b, 2, SEQPACK_OK, NULL, 0),
			  SP_PACK | SP_REPLY);
	ck_assert_uint_eq(stat_of(watch, "budget.waiting"), 0);
	close(a);
	close(b);
	seqpack_client_close(watch);
	ck_assert_int_eq(td_stop(&d), 0);
	gate_close(&g);
}
END_TEST

/* A request larger than the UID's whole share can never fit: refused
 * with SEQPACK_ERR_LIMIT, naming the key. */
START_TEST(request_above_share_refused)
{
	struct td d;
	td_start(&d, "[seqpackd]\nmemory-budget-per-uid = 64K\n", NULL);
	int fd = td_connect_raw(&d);
	send_pack(fd, 7, "nf", 20000);
	char msg[256];
	expect(fd, 7, SEQPACK_ERR_LIMIT, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "memory-budget-per-uid"), "%s", msg);
	/* the framing is lost with it; a new connection's request within
	 * the share is served */
	ck_assert(td_closed(fd));
	close(fd);
	fd = td_connect_raw(&d);
	send_pack(fd, 8, "nf", 1000);
	ck_assert_uint_eq(expect(fd, 8, SEQPACK_OK, NULL, 0),
			  SP_PACK | SP_REPLY);
	close(fd);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* All test connections are one UID: with max-clients-per-uid = 2 the
 * third is refused, naming the key, though max-clients (256) is far;
 * once one closes, a new one is accepted. */
START_TEST(uid_connection_share)
{
	struct td d;
	td_start(&d, "[seqpackd]\nmax-clients-per-uid = 2\n", NULL);
	seqpack_client *a = td_client(&d);
	seqpack_client *b = td_client(&d);
	int fd = td_connect_raw(&d);
	char msg[256];
	ck_assert_uint_eq(expect(fd, 0, SEQPACK_ERR_LIMIT, msg, sizeof(msg)),
			  SP_ERROR);
	ck_assert_msg(strstr(msg, "max-clients-per-uid"), "%s", msg);
	ck_assert(td_closed(fd));
	close(fd);
	ck_assert_uint_eq(stat_of(a, "connections.rejected"), 1);
	seqpack_client_close(b);
	/* the daemon has seen b go once it counts one connection */
	uint64_t cur = 2;
	for (int i = 0; i < 100000 && cur != 1; i++)
		cur = stat_of(a, "connections.current");
	ck_assert_uint_eq(cur, 1);
	seqpack_client *c = td_client(&d);
	ck_assert_uint_eq(stat_of(c, "connections.current"), 2);
	seqpack_client_close(c);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* Send a stream request: open (alg, params) or the u32 stream id
 * followed by count (id, length) pushes of length 1 from first. */
static void send_stream(int fd, uint16_t type, uint64_t req, uint32_t sid,
			uint32_t first, uint32_t count)
{
	struct sp_buf pl = {0}, m = {0};
	if (type == SP_STREAM_OPEN) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 1u << 30;
		sp_put_str(&pl, "ff");
		sp_put_params(&pl, &p);
	} else {
		sp_put_u32(&pl, sid);
	}
	if (type == SP_STREAM_PUSH) {
		sp_put_u32(&pl, count);
		for (uint32_t i = 0; i < count; i++) {
			sp_put_u64(&pl, first + i);
			sp_put_u32(&pl, 1);
		}
	}
	ck_assert(!pl.oom);
	td_msg(&m, type, req, pl.data, pl.len);
	td_send(fd, m.data, m.len);
	sp_buf_free(&pl);
	sp_buf_free(&m);
}

/* The reply to req, after the pack events before it; *ids counts the
 * sequences in those events, *value is the u32 (open) or u64 (push,
 * finish) after an OK status. */
static void expect_stream(int fd, uint64_t req, int status, size_t *ids,
			  uint64_t *value, char *msg, size_t msgsz)
{
	for (;;) {
		struct sp_header h;
		uint8_t *pl = NULL;
		ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
		ck_assert_uint_eq(h.id, req);
		struct sp_rd r;
		sp_rd_init(&r, pl, h.length);
		if (h.type == SP_EVENT_PACK) {
			(void)sp_get_u32(&r);
			(void)sp_get_u64(&r);
			(void)sp_get_u64(&r);
			*ids += sp_get_u32(&r);
			free(pl);
			continue;
		}
		uint32_t st = sp_get_u32(&r);
		char m[256] = "";
		if (st != SEQPACK_OK)
			sp_get_str(&r, m, sizeof(m));
		else if (value)
			*value = h.type == (SP_STREAM_OPEN | SP_REPLY)
					 ? sp_get_u32(&r)
					 : sp_get_u64(&r);
		free(pl);
		ck_assert_msg(st == (uint32_t)status,
			      "status %u (%s), expected %d", st, m, status);
		if (msg)
			snprintf(msg, msgsz, "%s", m);
		return;
	}
}

/* An ff stream that never fills a bin (capacity far above the lengths)
 * holds every sequence pushed: the push beyond max-stream-ids is
 * refused with SEQPACK_ERR_LIMIT, and the stream stays open: finishing
 * it emits the sequences it took.  Before, it took them all. */
START_TEST(stream_ids_bounded)
{
	struct td d;
	td_start(&d, "[seqpackd]\nmax-stream-ids = 100\n", NULL);
	int fd = td_connect_raw(&d);
	size_t ids = 0;
	uint64_t sid = 0, packs = 0;
	send_stream(fd, SP_STREAM_OPEN, 1, 0, 0, 0);
	expect_stream(fd, 1, SEQPACK_OK, &ids, &sid, NULL, 0);
	send_stream(fd, SP_STREAM_PUSH, 2, (uint32_t)sid, 0, 60);
	expect_stream(fd, 2, SEQPACK_OK, &ids, &packs, NULL, 0);
	/* 40 fit, the 41st of this request does not */
	send_stream(fd, SP_STREAM_PUSH, 3, (uint32_t)sid, 60, 50);
	char msg[256];
	expect_stream(fd, 3, SEQPACK_ERR_LIMIT, &ids, NULL, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "max-stream-ids = 100") &&
			      strstr(msg, "pushed 40 of this request's 50"),
		      "%s", msg);
	ck_assert_uint_eq(ids, 0);
	send_stream(fd, SP_STREAM_FINISH, 4, (uint32_t)sid, 0, 0);
	expect_stream(fd, 4, SEQPACK_OK, &ids, &packs, NULL, 0);
	ck_assert_uint_eq(ids, 100);
	ck_assert_uint_eq(packs, 1);
	close(fd);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* One worker.  A's first request is held in the gate, A queues two
 * more, then B one: B's runs second, before A's second and third.  The
 * gate lets one request out at a time, so the reply after each release
 * names the request that ran.  With one FIFO the order was A1 A2 A3 B. */
START_TEST(small_client_not_behind_queue)
{
	struct gate g;
	gate_open(&g);
	struct td d;
	start_gated(&d, NULL, "--threads=1");
	int a = td_connect_raw(&d), b = td_connect_raw(&d);
	send_pack(a, 1, "gate", 1000);
	gate_wait_entered(&g, 1);
	send_pack(a, 2, "gate", 1000);
	send_pack(a, 3, "gate", 1000);
	send_barrier(a, 99);
	expect(a, 99, SEQPACK_ERR_PROTOCOL, NULL, 0);
	send_pack(b, 1, "gate", 10);
	send_barrier(b, 99);
	expect(b, 99, SEQPACK_ERR_PROTOCOL, NULL, 0);
	/* A2, A3 and B1 are all queued now */
	char order[5] = "";
	uint64_t next_a = 1;
	for (int k = 0; k < 4; k++) {
		if (k)
			gate_wait_entered(&g, 1);
		gate_release(&g, 1);
		struct pollfd p[2] = {{.fd = a, .events = POLLIN},
				      {.fd = b, .events = POLLIN}};
		ck_assert_int_ge(poll(p, 2, GUARD_MS), 1);
		int from_b = !(p[0].revents & POLLIN);
		order[k] = from_b ? 'B' : 'A';
		expect(from_b ? b : a, from_b ? 1 : next_a++, SEQPACK_OK, NULL,
		       0);
	}
	ck_assert_str_eq(order, "ABAA");
	close(a);
	close(b);
	ck_assert_int_eq(td_stop(&d), 0);
	gate_close(&g);
}
END_TEST

/* seqpackd --check-config on a file holding text; its exit status, and
 * its messages in out[outsz]. */
static int check_config(const char *text, char *out, size_t outsz)
{
	char dir[] = "/tmp/seqpackd-budget-conf.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char path[128], log[128], arg[160];
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(arg, sizeof(arg), "--config=%s", path);
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execl(td_daemon_path(), td_daemon_path(), arg, "--check-config",
		      (char *)NULL);
		_exit(127);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	f = fopen(log, "r");
	ck_assert(f != NULL);
	size_t n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(log);
	unlink(path);
	rmdir(dir);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The new keys: good values accepted and resolved, bad ones refused
 * naming the key. */
START_TEST(budget_keys_checked)
{
	char out[16384];
	ck_assert_int_eq(check_config("[seqpackd]\nmemory-budget = 2G\n"
				      "memory-budget-per-uid = 0\n"
				      "max-clients = 40\n"
				      "max-stream-ids = 1000\n",
				      out, sizeof(out)),
			 0);
	/* the derived defaults, as --check-config shows them */
	ck_assert_msg(strstr(out, "memory-budget = 2147483648") &&
			      strstr(out, "memory-budget-per-uid = 1073741824") &&
			      strstr(out, "max-clients-per-uid = 10") &&
			      strstr(out, "max-stream-ids = 1000"),
		      "%s", out);
	static const char *const bad[][2] = {
		{"memory-budget = 12Q\n", "memory-budget"},
		{"memory-budget = 1K\n", "memory-budget must be at least 4K"},
		{"memory-budget-per-uid = -1\n", "memory-budget-per-uid"},
		{"max-clients-per-uid = many\n", "max-clients-per-uid"},
		{"max-stream-ids = 5000000000\n", "max-stream-ids"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[seqpackd]\n%s", bad[i][0]);
		ck_assert_msg(check_config(text, out, sizeof(out)) != 0,
			      "accepted: %s", bad[i][0]);
		ck_assert_msg(strstr(out, bad[i][1]), "%s: %s", bad[i][0], out);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-budget");
	TCase *tc = tcase_create("budget");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pipelined_pack_waits_for_budget);
	tcase_add_test(tc, budget_shared_across_connections);
	tcase_add_test(tc, request_above_share_refused);
	tcase_add_test(tc, uid_connection_share);
	tcase_add_test(tc, stream_ids_bounded);
	tcase_add_test(tc, small_client_not_behind_queue);
	tcase_add_test(tc, budget_keys_checked);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
