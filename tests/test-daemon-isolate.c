/* seqpackd: a plugin that crashes, hangs or allocates without end costs
 * the request that ran it, never the daemon, the connection or the other
 * clients (issue 11, faults 2 and 3).  The plugins are in tests/isolate:
 * crash (SIGSEGV for an odd seed, abort() for an even one), hang (never
 * returns; tells a FIFO it was entered) and hog (allocates until malloc
 * fails).  Every request after a fault is checked against in-process
 * packing; the second SIGTERM must end the daemon while a hang is in
 * flight, under both isolation modes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* --plugin-path with the built plugins and tests/isolate; caller frees */
static char *isolate_path_arg(void)
{
	char *plugins = tl_builddir_path("plugins");
	char *iso = tl_builddir_path("tests/isolate");
	char *buf = malloc(8400);
	ck_assert(buf != NULL);
	snprintf(buf, 8400, "--plugin-path=%s:%s", plugins, iso);
	free(plugins);
	free(iso);
	return buf;
}

/* The daemon with two workers, as the attack had it, and the isolate
 * plugins on its path. */
static void start(struct td *d, const char *conf)
{
	char *arg = isolate_path_arg();
	const char *extra[] = {arg, "--threads=2", NULL};
	td_start(d, conf, extra);
	free(arg);
}

static seqpack_client *client_mode(const struct td *d, const char *shm)
{
	ck_assert_int_eq(setenv("SEQPACK_CLIENT_SHM", shm, 1), 0);
	seqpack_client *c = td_client(d);
	unsetenv("SEQPACK_CLIENT_SHM");
	return c;
}

/* One obfd PACK of n lengths, compared with in-process packing. */
static void good_pack(seqpack_client *c, size_t n, uint64_t seed)
{
	seqpack_registry *reg = tl_registry();
	uint32_t *lengths = malloc(n * sizeof(*lengths));
	ck_assert(lengths != NULL);
	tl_rng rng;
	tl_rng_seed(&rng, seed);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	tl_gen(&rng, TL_UNIFORM, p.capacity, lengths, n);
	seqpack_result *got = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_pack(c, "obfd", lengths, n, &p, &got, &err);
	ck_assert_msg(rc == SEQPACK_OK, "obfd after a fault: %s (%s)",
		      seqpack_strerror(rc), err.message);
	seqpack_result *want = tl_pack(reg, "obfd", lengths, n, &p);
	ck_assert_msg(tl_same_result(got, want), "obfd answer differs");
	seqpack_result_free(got);
	seqpack_result_free(want);
	seqpack_registry_unref(reg);
	free(lengths);
}

/* A PACK with algorithm alg that must fail; returns its status, the
 * message in msg. */
static int bad_pack(seqpack_client *c, const char *alg, uint64_t seed,
		    size_t n, char *msg, size_t size)
{
	uint32_t lengths[4096];
	ck_assert_uint_le(n, 4096);
	for (size_t i = 0; i < n; i++)
		lengths[i] = 1 + (uint32_t)(i % 100);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	p.seed = seed;
	seqpack_result *r = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_pack(c, alg, lengths, n, &p, &r, &err);
	ck_assert_msg(rc != SEQPACK_OK, "%s succeeded", alg);
	ck_assert_ptr_null(r);
	snprintf(msg, size, "%s", err.message);
	return rc;
}

static void assert_alive(const struct td *d)
{
	int st;
	ck_assert_msg(waitpid(d->pid, &st, WNOHANG) == 0,
		      "the daemon is gone");
}

/* ------------------------------------------------------------------ */

START_TEST(crash_costs_its_request)
{
	struct td d;
	start(&d, NULL);
	seqpack_client *a = td_client(&d), *b = td_client(&d);
	char msg[256];
	/* odd seed: SIGSEGV; even: abort() */
	for (uint64_t seed = 1; seed <= 4; seed++) {
		int rc = bad_pack(a, "crash", seed, 100, msg, sizeof(msg));
		ck_assert_msg(rc == SEQPACK_ERR_PLUGIN, "crash: %s (%s)",
			      seqpack_strerror(rc), msg);
		ck_assert_msg(strstr(msg, "plugin crash") != NULL,
			      "the message does not name the plugin: %s", msg);
		assert_alive(&d);
		/* the same connection and another one still get answers */
		good_pack(a, 1000, seed);
		good_pack(b, 2000, seed + 10);
	}
	seqpack_client_close(a);
	seqpack_client_close(b);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* A daemon started with SIGCHLD ignored (inherited from whoever started
 * it) still learns how its packer ended: otherwise the kernel reaps the
 * packer and the message cannot name the signal. */
START_TEST(crash_named_with_sigchld_ignored)
{
	struct td d;
	signal(SIGCHLD, SIG_IGN);
	start(&d, NULL);
	signal(SIGCHLD, SIG_DFL);
	seqpack_client *a = td_client(&d);
	char msg[256];
	ck_assert_int_eq(bad_pack(a, "crash", 1, 10, msg, sizeof(msg)),
			 SEQPACK_ERR_PLUGIN);
	/* Under AddressSanitizer the SIGSEGV is caught by the sanitizer,
	 * which ends the packer with an exit status instead: either way
	 * the message must say how it ended, which it cannot once the
	 * kernel has reaped the packer behind the daemon's back. */
	ck_assert_msg(strstr(msg, "plugin crash crashed (signal ") != NULL ||
		      strstr(msg, "plugin crash ended its packer process (exit status ") != NULL,
		      "%s", msg);
	ck_assert_msg(strstr(msg, "lost its packer") == NULL, "%s", msg);
	good_pack(a, 100, 1);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The same through shared memory (PACK_SHM), whose result goes into the
 * client's region. */
START_TEST(crash_over_shm)
{
	struct td d;
	start(&d, NULL);
	seqpack_client *a = client_mode(&d, "always");
	char msg[256];
	int rc = bad_pack(a, "crash", 1, 4096, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_PLUGIN, "crash: %s (%s)",
		      seqpack_strerror(rc), msg);
	ck_assert_msg(strstr(msg, "plugin crash") != NULL, "%s", msg);
	good_pack(a, 30000, 5);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The request timeouts below, in ms: 25 times longer when $SEQPACKD
 * wraps the daemon (make check-valgrind), where a packer's start and an
 * obfd PACK take longer than 200 ms under memcheck. */
static unsigned timeout_ms(unsigned ms)
{
	return getenv("SEQPACKD") ? 25 * ms : ms;
}

/* Two workers and three hangs in a row: each one times out, and then
 * the workers serve again. */
START_TEST(hang_times_out)
{
	struct td d;
	char conf[128], said[64];
	snprintf(conf, sizeof(conf), "[seqpackd]\nrequest-timeout = %.3f\n",
		 timeout_ms(200) / 1000.0);
	snprintf(said, sizeof(said), "request timeout of %u ms",
		 timeout_ms(200));
	start(&d, conf);
	seqpack_client *a = td_client(&d), *b = td_client(&d);
	char msg[256];
	for (int i = 0; i < 3; i++) {
		int rc = bad_pack(a, "hang", 1, 10, msg, sizeof(msg));
		ck_assert_msg(rc == SEQPACK_ERR_TIMEOUT, "hang %d: %s (%s)", i,
			      seqpack_strerror(rc), msg);
		ck_assert_msg(strstr(msg, "plugin hang") &&
				      strstr(msg, said),
			      "%s", msg);
	}
	good_pack(a, 1000, 1);
	good_pack(b, 1000, 2);
	good_pack(b, 1000, 3);
	/* and through shared memory */
	seqpack_client *c = client_mode(&d, "always");
	int rc = bad_pack(c, "hang", 1, 4096, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_TIMEOUT, "hang over shm: %s (%s)",
		      seqpack_strerror(rc), msg);
	good_pack(c, 30000, 4);
	seqpack_client_close(c);
	seqpack_client_close(a);
	seqpack_client_close(b);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(hog_gets_an_error)
{
	struct td d;
	start(&d, "[seqpackd]\npacker-memory-max = 256M\n");
	seqpack_client *a = td_client(&d);
	char msg[256];
	int rc = bad_pack(a, "hog", 1, 10, msg, sizeof(msg));
	ck_assert_msg(rc == SEQPACK_ERR_NOMEM || rc == SEQPACK_ERR_PLUGIN,
		      "hog: %s (%s)", seqpack_strerror(rc), msg);
	ck_assert_msg(strstr(msg, "hog") != NULL, "%s", msg);
	assert_alive(&d);
	good_pack(a, 5000, 4);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The children of pid (its packers); returns how many, the first in
 * *first. */
static unsigned children(pid_t pid, pid_t *first)
{
	unsigned n = 0;
	*first = 0;
	DIR *dp = opendir("/proc");
	ck_assert_ptr_nonnull(dp);
	struct dirent *e;
	while ((e = readdir(dp))) {
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		/* pid (comm) state ppid: comm may hold spaces, not ')' */
		char *close_paren = strrchr(buf, ')');
		int ppid = 0;
		char state;
		if (close_paren &&
		    sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
		    ppid == (int)pid) {
			if (!n)
				*first = (pid_t)atoi(e->d_name);
			n++;
		}
	}
	closedir(dp);
	return n;
}

static int oom_score_adj(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	int v = 0;
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

/* One worker: one packer, the OOM killer's first choice, replaced by
 * another process when it crashes (and the old one reaped). */
START_TEST(packer_replaced)
{
	struct td d;
	char *arg = isolate_path_arg();
	const char *extra[] = {arg, "--threads=1", NULL};
	td_start(&d, NULL, extra);
	free(arg);
	seqpack_client *a = td_client(&d);
	good_pack(a, 100, 1);
	pid_t before, after;
	ck_assert_uint_eq(children(d.pid, &before), 1);
	/* it has packed, so it is past its start */
	ck_assert_int_eq(oom_score_adj(before), 1000);
	char msg[256];
	ck_assert_int_eq(bad_pack(a, "crash", 1, 10, msg, sizeof(msg)),
			 SEQPACK_ERR_PLUGIN);
	/* the reply comes after the reaping and the new start */
	ck_assert_uint_eq(children(d.pid, &after), 1);
	ck_assert_int_ne(before, after);
	good_pack(a, 100, 2);
	ck_assert_int_eq(oom_score_adj(after), 1000);
	seqpack_client_close(a);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The second SIGTERM, with a request provably inside hang. */

struct entered {
	char dir[64];
	int rd, wr;
};

static void entered_open(struct entered *g)
{
	snprintf(g->dir, sizeof(g->dir), "/tmp/seqpack-hang.XXXXXX");
	ck_assert(mkdtemp(g->dir) != NULL);
	char p[128];
	snprintf(p, sizeof(p), "%s/entered", g->dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	g->rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(g->rd, 0);
	/* our own writer: the plugin's open() never waits for a reader,
	 * and reads block until its byte comes */
	g->wr = open(p, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(g->wr, 0);
	fcntl(g->rd, F_SETFL, 0);
	setenv("SEQPACK_TEST_GATE", g->dir, 1);
}

static void entered_wait(struct entered *g)
{
	struct pollfd p = {.fd = g->rd, .events = POLLIN};
	ck_assert_msg(poll(&p, 1, 60000) == 1, "no request reached hang");
	char b;
	ck_assert_int_eq(read(g->rd, &b, 1), 1);
}

static void entered_close(struct entered *g)
{
	unsetenv("SEQPACK_TEST_GATE");
	close(g->rd);
	close(g->wr);
	char p[128];
	snprintf(p, sizeof(p), "%s/entered", g->dir);
	unlink(p);
	rmdir(g->dir);
}

static void second_sigterm(const char *conf)
{
	struct entered g;
	entered_open(&g);
	struct td d;
	start(&d, conf);
	int fd = td_connect_raw(&d);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	uint32_t lengths[3] = {1, 2, 3};
	struct sp_buf pl = {0}, msg = {0};
	td_pack_payload(&pl, "hang", &p, lengths, 3, 3);
	td_msg(&msg, SP_PACK, 1, pl.data, pl.len);
	td_send(fd, msg.data, msg.len);
	sp_buf_free(&pl);
	sp_buf_free(&msg);
	entered_wait(&g);
	/* the request is inside the plugin, which never returns */
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&d, "STOPPING=1"));
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	/* "exits at once": the tcase timeout is the guard */
	ck_assert_int_eq(td_wait_exit(&d), 0);
	ck_assert(td_closed(fd));
	close(fd);
	ck_assert_int_eq(td_stop(&d), 0);
	entered_close(&g);
}

START_TEST(second_sigterm_exits_process)
{
	second_sigterm("[seqpackd]\nrequest-timeout = 0\n");
}
END_TEST

START_TEST(second_sigterm_exits_thread)
{
	second_sigterm("[seqpackd]\nisolation = thread\n");
}
END_TEST

/* A plugin stuck in a worker thread, which nothing can stop: far past
 * twice the request deadline the watchdog pings stop, and the daemon
 * says why in STATUS=, so that systemd restarts it. */
START_TEST(stuck_thread_withholds_watchdog)
{
	struct entered g;
	entered_open(&g);
	/* a ping every 100 ms */
	ck_assert_int_eq(setenv("WATCHDOG_USEC", "200000", 1), 0);
	unsetenv("WATCHDOG_PID");
	struct td d;
	char conf[128];
	snprintf(conf, sizeof(conf),
		 "[seqpackd]\nisolation = thread\nrequest-timeout = %.3f\n",
		 timeout_ms(100) / 1000.0);
	start(&d, conf);
	unsetenv("WATCHDOG_USEC");
	ck_assert(td_wait_notify(&d, "WATCHDOG=1"));
	seqpack_client *a = td_client(&d);
	good_pack(a, 100, 1);
	int fd = td_connect_raw(&d);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 100;
	uint32_t lengths[1] = {1};
	struct sp_buf pl = {0}, msg = {0};
	td_pack_payload(&pl, "hang", &p, lengths, 1, 1);
	td_msg(&msg, SP_PACK, 1, pl.data, pl.len);
	td_send(fd, msg.data, msg.len);
	sp_buf_free(&pl);
	sp_buf_free(&msg);
	entered_wait(&g);
	ck_assert(td_wait_notify(&d, "watchdog pings withheld"));
	/* the other worker still answers meanwhile */
	good_pack(a, 100, 2);
	seqpack_client_close(a);
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&d, "STOPPING=1"));
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert_int_eq(td_wait_exit(&d), 0);
	close(fd);
	ck_assert_int_eq(td_stop(&d), 0);
	entered_close(&g);
}
END_TEST

/* ------------------------------------------------------------------ */

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
	ck_assert_int_ne(WEXITSTATUS(st), 125);
	ck_assert_int_ne(WEXITSTATUS(st), 127);
	return WEXITSTATUS(st);
}

START_TEST(keys_checked)
{
	ck_assert_int_eq(check_config("--isolation=thread"), 0);
	ck_assert_int_eq(check_config("--isolation=process"), 0);
	ck_assert_int_eq(check_config("--request-timeout=0"), 0);
	ck_assert_int_eq(check_config("--request-timeout=2.5"), 0);
	ck_assert_int_eq(check_config("--packer-memory-max=16G"), 0);
	ck_assert_int_ne(check_config("--isolation=sometimes"), 0);
	ck_assert_int_ne(check_config("--request-timeout=-1"), 0);
	ck_assert_int_ne(check_config("--request-timeout=soon"), 0);
	ck_assert_int_ne(check_config("--packer-memory-max=lots"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-isolate");
	TCase *tc = tcase_create("isolate");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crash_costs_its_request);
	tcase_add_test(tc, crash_over_shm);
	tcase_add_test(tc, crash_named_with_sigchld_ignored);
	tcase_add_test(tc, hang_times_out);
	tcase_add_test(tc, hog_gets_an_error);
	tcase_add_test(tc, packer_replaced);
	tcase_add_test(tc, second_sigterm_exits_process);
	tcase_add_test(tc, second_sigterm_exits_thread);
	tcase_add_test(tc, stuck_thread_withholds_watchdog);
	tcase_add_test(tc, keys_checked);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
