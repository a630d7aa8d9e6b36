/* seqpackd under systemd's protocols without systemd running: socket
 * activation through systemd-socket-activate (from Debian's systemd
 * package), readiness and watchdog pings on a NOTIFY_SOCKET the test
 * owns. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

START_TEST(socket_activation)
{
	struct td d;
	const char *extra[] = {"--log-level=info", NULL};
	/* connects once the activator listens; the daemon starts on it */
	int fd = td_start_activated(&d, extra);
	uint8_t hello[4] = {1, 0, 1, 0};
	struct sp_buf b = {0};
	td_msg(&b, SP_HELLO, 1, hello, 4);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	struct sp_header h;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
	ck_assert_uint_eq(h.type, SP_HELLO | SP_REPLY);
	ck_assert_uint_eq(pl[0] | pl[1] << 8 | pl[2] << 16 | (uint32_t)pl[3] << 24,
			  SEQPACK_OK);
	free(pl);
	ck_assert(td_wait_notify(&d, "READY=1"));

	/* the activator exec'd the daemon in place: same pid (unless
	 * $SEQPACKD wraps it, e.g. in valgrind) */
	char path[64], comm[64] = "seqpackd";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)d.pid);
	FILE *f = getenv("SEQPACKD") ? NULL : fopen(path, "r");
	ck_assert(f != NULL || getenv("SEQPACKD"));
	if (f) {
		ck_assert(fgets(comm, sizeof(comm), f) != NULL);
		fclose(f);
	}
	ck_assert_msg(strstr(comm, "seqpackd") != NULL, "pid runs %s", comm);

	/* and it packs like in-process */
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "nf");
	seqpack_client *c = td_client(&d);
	uint32_t lengths[500];
	tl_rng rng;
	tl_rng_seed(&rng, 11);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 300;
	tl_gen(&rng, TL_HEAVY, p.capacity, lengths, 500);
	for (size_t i = 0; i < seqpack_registry_count(reg); i++) {
		const char *alg = seqpack_registry_get(reg, i)->name;
		seqpack_result *got = NULL;
		seqpack_error err = {0};
		ck_assert_msg(seqpack_client_pack(c, alg, lengths, 500, &p, &got,
						  &err) == SEQPACK_OK,
			      "%s: %s", alg, err.message);
		seqpack_result *want = tl_pack(reg, alg, lengths, 500, &p);
		ck_assert(tl_same_result(got, want));
		seqpack_result_free(got);
		seqpack_result_free(want);
	}
	seqpack_client_close(c);
	close(fd);

	/* SIGTERM: exit 0, and the socket, which systemd owns, stays */
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&d, "STOPPING=1"));
	ck_assert_int_eq(td_wait_exit(&d), 0);
	struct stat st;
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(watchdog_pings)
{
	/* WATCHDOG_USEC as systemd would set it (no WATCHDOG_PID: any pid)
	 * makes the main loop ping at half the interval */
	setenv("WATCHDOG_USEC", "100000", 1);
	unsetenv("WATCHDOG_PID");
	struct td d;
	td_start(&d, NULL, NULL);
	unsetenv("WATCHDOG_USEC");
	for (int i = 0; i < 3; i++)
		ck_assert(td_wait_notify(&d, "WATCHDOG=1"));
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-systemd");
	TCase *tc = tcase_create("systemd");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, socket_activation);
	tcase_add_test(tc, watchdog_pings);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
