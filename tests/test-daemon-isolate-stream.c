/* seqpackd: a streaming plugin that crashes or hangs costs the stream op
 * that ran it and the streams of its connection, never the daemon nor
 * another connection's streams (issue 11, streams).  The plugins are in
 * tests/isolate: crashstream (SIGSEGV on push number seed),
 * hangstream (its push never returns) and hogstream (allocates until
 * malloc fails).  Every stream that must go on is
 * checked pack by pack against the same stream in-process; the code
 * before stream packers fails every test here but the keys' check: the
 * crash took the daemon down. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* How the message says the packer died.  AddressSanitizer catches the
 * SIGSEGV and exits with status 1 instead, or aborts when
 * ASAN_OPTIONS has abort_on_error=1 (as CI sets it). */
static int crashed_said(const char *msg)
{
#if defined(__SANITIZE_ADDRESS__)
	return strstr(msg, "plugin crashstream ended its packer process (exit status 1)") ||
	       strstr(msg, "plugin crashstream crashed (signal 6, Aborted)");
#else
	return strstr(msg, "plugin crashstream crashed (signal 11, Segmentation fault)") != NULL;
#endif
}

static void start(struct td *d, const char *conf)
{
	char *plugins = tl_builddir_path("plugins");
	char *iso = tl_builddir_path("tests/isolate");
	char arg[8400];
	snprintf(arg, sizeof(arg), "--plugin-path=%s:%s", plugins, iso);
	free(plugins);
	free(iso);
	const char *extra[] = {arg, "--threads=2", NULL};
	td_start(d, conf, extra);
}

static void assert_alive(const struct td *d)
{
	int st;
	ck_assert_msg(waitpid(d->pid, &st, WNOHANG) == 0,
		      "the daemon is gone");
}

/* Every pack a stream emitted: pack, used, count, ids... */
struct slog {
	uint64_t *v;
	size_t n, cap;
};

static int slog_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct slog *l = ctx;
	if (l->n + count + 3 > l->cap) {
		l->cap = (l->n + count + 3) * 2;
		l->v = realloc(l->v, l->cap * sizeof(uint64_t));
		ck_assert(l->v != NULL);
	}
	l->v[l->n++] = pack;
	l->v[l->n++] = used;
	l->v[l->n++] = count;
	for (size_t i = 0; i < count; i++)
		l->v[l->n++] = ids[i];
	return 0;
}

/* One stream on the daemon and the same one in-process. */
struct twin {
	seqpack_registry *reg;
	seqpack_stream *local;
	seqpack_client_stream *remote;
	struct slog want, got;
	uint64_t next_id;
};

static void twin_open(struct twin *t, seqpack_client *c, const char *alg)
{
	memset(t, 0, sizeof(*t));
	t->reg = tl_registry();
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_open(t->reg, alg, &p, slog_cb,
					     &t->want, &t->local, &err),
			 SEQPACK_OK);
	int rc = seqpack_client_stream_open(c, alg, &p, slog_cb, &t->got,
					    &t->remote, &err);
	ck_assert_msg(rc == SEQPACK_OK, "open %s: %s (%s)", alg,
		      seqpack_strerror(rc), err.message);
	t->next_id = 77;
}

/* n pushes to both, then a flush, so the daemon has run them. */
static void twin_push(struct twin *t, size_t n)
{
	seqpack_error err = {0};
	for (size_t i = 0; i < n; i++, t->next_id += 3) {
		uint32_t len = 1 + (uint32_t)(t->next_id * 7919 % 999);
		ck_assert_int_eq(seqpack_stream_push(t->local, t->next_id, len,
						     &err),
				 SEQPACK_OK);
		int rc = seqpack_client_stream_push(t->remote, t->next_id,
						    len, &err);
		ck_assert_msg(rc == SEQPACK_OK, "push: %s (%s)",
			      seqpack_strerror(rc), err.message);
	}
	int rc = seqpack_client_stream_flush(t->remote, &err);
	ck_assert_msg(rc == SEQPACK_OK, "flush: %s (%s)",
		      seqpack_strerror(rc), err.message);
}

/* Finish both; the packs must be the same, one for one. */
static void twin_finish(struct twin *t)
{
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_stream_finish(t->local, &err), SEQPACK_OK);
	int rc = seqpack_client_stream_finish(t->remote, &err);
	ck_assert_msg(rc == SEQPACK_OK, "finish: %s (%s)",
		      seqpack_strerror(rc), err.message);
	ck_assert_uint_gt(t->want.n, 0);
	ck_assert_uint_eq(t->got.n, t->want.n);
	ck_assert(memcmp(t->got.v, t->want.v, t->want.n * 8) == 0);
	seqpack_stream_free(t->local);
	seqpack_client_stream_free(t->remote);
	seqpack_registry_unref(t->reg);
	free(t->want.v);
	free(t->got.v);
}

/* A stream on alg whose pushes (with seed) must fail on the daemon;
 * returns the status, the message in msg. */
static int bad_stream(seqpack_client *c, const char *alg, uint64_t seed,
		      char *msg, size_t size)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	p.seed = seed;
	struct slog l = {0};
	seqpack_client_stream *s = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_stream_open(c, alg, &p, slog_cb, &l, &s, &err);
	ck_assert_msg(rc == SEQPACK_OK, "open %s: %s (%s)", alg,
		      seqpack_strerror(rc), err.message);
	for (uint64_t i = 0; i < 5 && rc == SEQPACK_OK; i++)
		rc = seqpack_client_stream_push(s, i, 10, &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stream_flush(s, &err);
	ck_assert_msg(rc != SEQPACK_OK, "%s streamed", alg);
	snprintf(msg, size, "%s", err.message);
	seqpack_client_stream_free(s);
	free(l.v);
	return rc;
}

/* The other stream of the crashed connection: lost, and said so. */
static void assert_lost(struct twin *t)
{
	seqpack_error err = {0};
	int rc = seqpack_client_stream_push(t->remote, 1, 1, &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stream_flush(t->remote, &err);
	ck_assert_msg(rc == SEQPACK_ERR_PLUGIN, "lost stream: %s (%s)",
		      seqpack_strerror(rc), err.message);
	ck_assert_msg(strstr(err.message, "is lost: plugin "), "%s",
		      err.message);
	seqpack_client_stream_free(t->remote);
	seqpack_stream_free(t->local);
	seqpack_registry_unref(t->reg);
	free(t->want.v);
	free(t->got.v);
}

/* ------------------------------------------------------------------ */

START_TEST(crash_costs_its_streams)
{
	struct td d;
	start(&d, NULL);
	seqpack_client *a = td_client(&d), *b = td_client(&d);
	struct twin bs, as;
	twin_open(&bs, b, "nf");
	twin_push(&bs, 500);
	twin_open(&as, a, "nf");
	twin_push(&as, 100);
	char msg[256];
	int rc = bad_stream(a, "crashstream", 3, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_PLUGIN, "crash: %s (%s)",
		      seqpack_strerror(rc), msg);
	ck_assert_msg(crashed_said(msg) &&
			      strstr(msg, "the streams of this connection are lost"),
		      "%s", msg);
	assert_alive(&d);
	assert_lost(&as);
	/* a new stream on the same connection, in a new packer */
	struct twin as2;
	twin_open(&as2, a, "nf");
	twin_push(&as2, 3000);
	twin_finish(&as2);
	/* b's stream, opened before, never noticed */
	twin_push(&bs, 2000);
	twin_finish(&bs);
	/* and it happens again the same way */
	rc = bad_stream(a, "crashstream", 1, msg, sizeof(msg));
	ck_assert_int_eq(rc, SEQPACK_ERR_PLUGIN);
	twin_open(&as2, a, "ff");
	twin_push(&as2, 1000);
	twin_finish(&as2);
	seqpack_client_close(a);
	seqpack_client_close(b);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(hang_times_out)
{
	struct td d;
	start(&d, "[seqpackd]\nrequest-timeout = 0.2\n");
	seqpack_client *a = td_client(&d), *b = td_client(&d);
	struct twin bs, as;
	twin_open(&bs, b, "nf");
	twin_push(&bs, 100);
	twin_open(&as, a, "ff");
	twin_push(&as, 100);
	char msg[256];
	int rc = bad_stream(a, "hangstream", 1, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_TIMEOUT, "hang: %s (%s)",
		      seqpack_strerror(rc), msg);
	ck_assert_msg(strstr(msg, "plugin hangstream took longer than the request timeout of 200 ms") &&
			      strstr(msg, "the streams of this connection are lost"),
		      "%s", msg);
	assert_lost(&as);
	struct twin as2;
	twin_open(&as2, a, "nf");
	twin_push(&as2, 1000);
	twin_finish(&as2);
	twin_push(&bs, 1000);
	twin_finish(&bs);
	seqpack_client_close(a);
	seqpack_client_close(b);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* packer-memory-max bounds a stream packer too: the allocations of
 * hogstream fail there, not at the machine's memory. */
START_TEST(hog_gets_an_error)
{
	struct td d;
	start(&d, "[seqpackd]\npacker-memory-max = 256M\n");
	seqpack_client *a = td_client(&d);
	char msg[256];
	int rc = bad_stream(a, "hogstream", 1, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_NOMEM || rc == SEQPACK_ERR_PLUGIN,
		      "hog: %s (%s)", seqpack_strerror(rc), msg);
	unsigned mib = 0;
	const char *at = strstr(msg, "out of memory after ");
	if (rc == SEQPACK_ERR_NOMEM) {
		ck_assert_msg(at && sscanf(at, "out of memory after %u MiB",
					   &mib) == 1, "%s", msg);
		ck_assert_uint_le(mib, 256);
	} else {
		ck_assert_msg(strstr(msg, "plugin hogstream "), "%s", msg);
	}
	assert_alive(&d);
	struct twin t;
	twin_open(&t, a, "nf");
	twin_push(&t, 1000);
	twin_finish(&t);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* One stream packer at most: the second connection's STREAM_OPEN is
 * refused naming the key, the first one's second stream is not (it
 * shares its packer), and isolation = thread needs none. */
static void packers_bounded(const char *conf, int thread)
{
	struct td d;
	start(&d, conf);
	seqpack_client *a = td_client(&d), *b = td_client(&d);
	struct twin a1, a2;
	twin_open(&a1, a, "nf");
	twin_open(&a2, a, "ff");
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	struct slog l = {0};
	seqpack_client_stream *s = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_stream_open(b, "nf", &p, slog_cb, &l, &s,
					    &err);
	if (thread) {
		ck_assert_int_eq(rc, SEQPACK_OK);
		seqpack_client_stream_free(s);
	} else {
		ck_assert_msg(rc == SEQPACK_ERR_LIMIT, "%s (%s)",
			      seqpack_strerror(rc), err.message);
		ck_assert_msg(strstr(err.message, "max-stream-packers = 1"),
			      "%s", err.message);
	}
	twin_push(&a1, 100);
	twin_push(&a2, 100);
	twin_finish(&a1);
	twin_finish(&a2);
	seqpack_client_close(a);
	seqpack_client_close(b);
	ck_assert_int_eq(td_stop(&d), 0);
}

START_TEST(packers_bounded_process)
{
	packers_bounded("[seqpackd]\nmax-stream-packers = 1\n", 0);
}
END_TEST

START_TEST(packers_unused_thread)
{
	packers_bounded("[seqpackd]\nmax-stream-packers = 1\nisolation = thread\n",
			1);
}
END_TEST

/* max-stream-ids still bounds a stream in its packer, with the
 * in-thread message. */
START_TEST(stream_ids_bounded)
{
	struct td d;
	start(&d, "[seqpackd]\nmax-stream-ids = 10\n");
	seqpack_client *a = td_client(&d);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1u << 30;
	struct slog l = {0};
	seqpack_client_stream *s = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_stream_open(a, "nf", &p, slog_cb, &l,
						    &s, &err),
			 SEQPACK_OK);
	int rc = SEQPACK_OK;
	for (uint64_t i = 0; i < 20 && rc == SEQPACK_OK; i++)
		rc = seqpack_client_stream_push(s, i, 1, &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stream_flush(s, &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_LIMIT);
	ck_assert_msg(strstr(err.message, "holds 10 sequences not yet packed (max-stream-ids = 10): pushed 10 of this request's 20"),
		      "%s", err.message);
	seqpack_client_stream_free(s);
	free(l.v);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

static int check_config(const char *opt)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(125);
		execl(td_daemon_path(), td_daemon_path(), "--config=/dev/null",
		      "--check-config", opt, (char *)NULL);
		_exit(127);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(key_checked)
{
	ck_assert_int_eq(check_config("--max-stream-packers=0"), 0);
	ck_assert_int_eq(check_config("--max-stream-packers=64"), 0);
	ck_assert_int_ne(check_config("--max-stream-packers=-1"), 0);
	ck_assert_int_ne(check_config("--max-stream-packers=many"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-isolate-stream");
	TCase *tc = tcase_create("isolate-stream");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crash_costs_its_streams);
	tcase_add_test(tc, hang_times_out);
	tcase_add_test(tc, hog_gets_an_error);
	tcase_add_test(tc, packers_bounded_process);
	tcase_add_test(tc, packers_unused_thread);
	tcase_add_test(tc, stream_ids_bounded);
	tcase_add_test(tc, key_checked);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
