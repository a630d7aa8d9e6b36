/* A crash loop under socket activation loses no request: the test plays
 * systemd with Restart=always (it holds the listening socket, passes it
 * with LISTEN_FDS and starts the daemon again whenever it dies) and
 * SIGKILLs the daemon 100 times (times $SEQPACK_TEST_SCALE) while client
 * threads pack; a client that loses a request reconnects and sends it
 * once more, and a request counts as failed only when that retry fails
 * too.
 *
 * No timing decides anything: the daemon is killed only once every client
 * has had an answer from the current instance.  A client's retry starts
 * after the instance that failed it died, so it is answered by a later
 * instance, and that instance is not killed before the retry's answer is
 * recorded: a retry is never killed, and any failed request is the
 * daemon's fault, not the test's. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

#define KILLS 100
#define NCLIENTS 4
#define NLENGTHS 2000
/* A guard against a hung daemon or client, not a synchronisation delay. */
#define GUARD_S 60

struct loop;

struct client {
	struct loop *l;
	int index;
	const char *alg;
	seqpack_params p;
	uint32_t lengths[NLENGTHS];
	seqpack_result *want;       /* in-process answer */
	pthread_t thread;
	/* under l->mu */
	unsigned seen;              /* instance at its last answer */
	unsigned answers, retries, failed, wrong;
	char last_error[300];
};

struct loop {
	char dir[64], sock[100], log[100];
	int lfd;                    /* the listening socket "systemd" holds */
	pid_t pid;                  /* the running instance */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned gen;               /* instances started so far */
	int done;
	struct client c[NCLIENTS];
};

/* What Restart=always does: start the daemon on the socket we hold. */
static void spawn(struct loop *l)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fd = open(l->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		/* fd 3 is SD_LISTEN_FDS_START; dup2 clears FD_CLOEXEC, and
		 * a socket that already is 3 gets it cleared by hand */
		if (l->lfd != 3)
			dup2(l->lfd, 3);
		else
			fcntl(3, F_SETFD, 0);
		char pid_s[32];
		snprintf(pid_s, sizeof(pid_s), "%d", (int)getpid());
		setenv("LISTEN_PID", pid_s, 1);
		setenv("LISTEN_FDS", "1", 1);
		unsetenv("LISTEN_FDNAMES");
		unsetenv("NOTIFY_SOCKET");
		char sockarg[160];
		snprintf(sockarg, sizeof(sockarg), "--socket=%s/unused", l->dir);
		const char *argv[] = {td_daemon_path(), sockarg,
				      "--socket-group=", "--config=/dev/null",
				      "--log-level=notice", "--threads=2",
				      NULL};
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	l->pid = pid;
}

static int attempt(struct client *c, seqpack_client **conn,
		   seqpack_result **got, seqpack_error *err)
{
	if (!*conn) {
		int rc = seqpack_client_connect(c->l->sock, conn, err);
		if (rc != SEQPACK_OK)
			return rc;
	}
	int rc = seqpack_client_pack(*conn, c->alg, c->lengths, NLENGTHS,
				     &c->p, got, err);
	if (rc != SEQPACK_OK)
		*conn = seqpack_client_close(*conn);
	return rc;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct loop *l = c->l;
	seqpack_client *conn = NULL;
	for (;;) {
		pthread_mutex_lock(&l->mu);
		int done = l->done;
		pthread_mutex_unlock(&l->mu);
		if (done)
			break;
		seqpack_result *got = NULL;
		seqpack_error err = {0};
		int retried = 0;
		int rc = attempt(c, &conn, &got, &err);
		if (rc != SEQPACK_OK) {
			/* the one retry: a new connection, the same request */
			retried = 1;
			err = (seqpack_error){0};
			rc = attempt(c, &conn, &got, &err);
		}
		int same = rc == SEQPACK_OK && tl_same_result(got, c->want);
		seqpack_result_free(got);
		pthread_mutex_lock(&l->mu);
		c->retries += retried;
		if (rc != SEQPACK_OK) {
			c->failed++;
			snprintf(c->last_error, sizeof(c->last_error),
				 "status %d: %s", rc, err.message);
		} else {
			c->answers++;
			c->wrong += !same;
			c->seen = l->gen;
		}
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	seqpack_client_close(conn);
	return NULL;
}

static int all_answered(const struct loop *l)
{
	for (int i = 0; i < NCLIENTS; i++)
		if (l->c[i].seen != l->gen)
			return 0;
	return 1;
}

/* Until every client has an answer from the current instance; fails the
 * test when the instance dies on its own or the guard passes. */
static void wait_all_answered(struct loop *l)
{
	pthread_mutex_lock(&l->mu);
	time_t give_up = time(NULL) + GUARD_S;
	while (!all_answered(l)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		int st;
		pid_t w = waitpid(l->pid, &st, WNOHANG);
		if (w == l->pid || time(NULL) > give_up) {
			pthread_mutex_unlock(&l->mu);
			ck_abort_msg("instance %u: %s", l->gen,
				     w == l->pid ? "the daemon died by itself"
						 : "no answers within the guard");
		}
	}
	pthread_mutex_unlock(&l->mu);
}

static void open_listener(struct loop *l)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(l->dir, sizeof(l->dir), "%s/seqpackd-crash.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(l->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(l->sock, sizeof(l->sock), "%s/sock", l->dir);
	snprintf(l->log, sizeof(l->log), "%s/log", l->dir);
	l->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(l->lfd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->sock);
	ck_assert_int_eq(bind(l->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(l->lfd, SOMAXCONN), 0);
}

static void dump_log(const struct loop *l)
{
	FILE *f = fopen(l->log, "r");
	if (!f)
		return;
	char line[1024];
	fprintf(stderr, "---- seqpackd log (every instance)\n");
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

START_TEST(sigkill_loop_loses_no_request)
{
	seqpack_registry *reg = tl_registry();
	static struct loop l;
	memset(&l, 0, sizeof(l));
	pthread_mutex_init(&l.mu, NULL);
	pthread_cond_init(&l.cv, NULL);
	open_listener(&l);
	tl_rng rng;
	tl_rng_seed(&rng, 2026);
	for (int i = 0; i < NCLIENTS; i++) {
		struct client *c = &l.c[i];
		c->l = &l;
		c->index = i;
		c->alg = tl_algorithms[(3 * i) % TL_NALGS];
		tl_require(reg, c->alg);
		seqpack_params_init(&c->p);
		c->p.capacity = 4096;
		tl_gen(&rng, TL_HEAVY, c->p.capacity, c->lengths, NLENGTHS);
		c->want = tl_pack(reg, c->alg, c->lengths, NLENGTHS, &c->p);
		c->seen = (unsigned)-1;
	}

	l.gen = 1;
	spawn(&l);
	for (int i = 0; i < NCLIENTS; i++)
		ck_assert_int_eq(pthread_create(&l.c[i].thread, NULL,
						client_main, &l.c[i]), 0);
	/* fewer under a reduced $SEQPACK_TEST_SCALE (make check-valgrind:
	 * a start under memcheck takes seconds) */
	const unsigned kills = tl_iters(KILLS);
	for (unsigned k = 0; k < kills; k++) {
		wait_all_answered(&l);
		ck_assert_int_eq(kill(l.pid, SIGKILL), 0);
		int st;
		ck_assert_int_eq(waitpid(l.pid, &st, 0), l.pid);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			      "instance %u ended by itself (status 0x%x)",
			      l.gen, st);
		pthread_mutex_lock(&l.mu);
		l.gen++;
		pthread_mutex_unlock(&l.mu);
		spawn(&l);
	}
	/* the last instance serves everybody too, then all stop */
	wait_all_answered(&l);
	pthread_mutex_lock(&l.mu);
	l.done = 1;
	pthread_mutex_unlock(&l.mu);
	for (int i = 0; i < NCLIENTS; i++)
		pthread_join(l.c[i].thread, NULL);
	ck_assert_int_eq(kill(l.pid, SIGTERM), 0);
	int st;
	ck_assert_int_eq(waitpid(l.pid, &st, 0), l.pid);

	unsigned answers = 0, retries = 0, failed = 0, wrong = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		struct client *c = &l.c[i];
		answers += c->answers;
		retries += c->retries;
		failed += c->failed;
		wrong += c->wrong;
		if (c->failed)
			fprintf(stderr, "client %d (%s): last failure %s\n", i,
				c->alg, c->last_error);
	}
	fprintf(stderr,
		"%u instances, %u SIGKILLs: %u answers, %u requests retried, %u failed, %u wrong\n",
		l.gen, kills, answers, retries, failed, wrong);
	if (failed || wrong || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		dump_log(&l);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(wrong, 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "the last instance did not stop cleanly (0x%x)", st);
	/* every instance answered every client at least once */
	ck_assert_uint_ge(answers, (kills + 1) * NCLIENTS);

	for (int i = 0; i < NCLIENTS; i++)
		seqpack_result_free(l.c[i].want);
	close(l.lfd);
	unlink(l.sock);
	unlink(l.log);
	rmdir(l.dir);
	seqpack_registry_unref(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-crashloop");
	TCase *tc = tcase_create("crashloop");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, sigkill_loop_loses_no_request);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
