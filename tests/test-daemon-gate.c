/* The gate's side in the tests: see test-daemon-gate.h. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-daemon-gate.h"

/* A guard against a hung daemon, not a synchronisation delay. */
#define GATE_GUARD_MS 60000

void gate_open(struct gate *g)
{
	snprintf(g->dir, sizeof(g->dir), "/tmp/seqpack-gate.XXXXXX");
	ck_assert(mkdtemp(g->dir) != NULL);
	char p[128];
	snprintf(p, sizeof(p), "%s/entered", g->dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	g->entered_rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(g->entered_rd, 0);
	/* our own writer keeps the FIFO from reporting EOF between the
	 * plugin's writes, so reads simply block until a byte comes */
	g->entered_wr = open(p, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(g->entered_wr, 0);
	fcntl(g->entered_rd, F_SETFL, 0);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	/* O_RDWR never blocks on a FIFO and keeps a writer present, so a
	 * plugin opening it for reading never waits for us to open it */
	g->release = open(p, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(g->release, 0);
	setenv("SEQPACK_TEST_GATE", g->dir, 1);
}

void gate_wait_entered(struct gate *g, int k)
{
	for (int i = 0; i < k; i++) {
		struct pollfd p = {.fd = g->entered_rd, .events = POLLIN};
		ck_assert_msg(poll(&p, 1, GATE_GUARD_MS) == 1,
			      "no request reached the gate");
		char b;
		ck_assert_int_eq(read(g->entered_rd, &b, 1), 1);
	}
}

void gate_release(struct gate *g, int k)
{
	for (int i = 0; i < k; i++)
		ck_assert_int_eq(write(g->release, "r", 1), 1);
}

void gate_close(struct gate *g)
{
	unsetenv("SEQPACK_TEST_GATE");
	close(g->entered_rd);
	close(g->entered_wr);
	close(g->release);
	char p[128];
	snprintf(p, sizeof(p), "%s/entered", g->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	unlink(p);
	rmdir(g->dir);
}
