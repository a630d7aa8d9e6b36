/* What a start and a connection leave in the journal at the default
 * level (info): one notice line that says where the daemon serves and
 * its key limits, no line per connection, and no configuration dump from
 * the unit's ExecStartPre check (it used to log every key, about 20
 * lines a start, and a line per connection). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

static unsigned count_lines(const char *path, const char *prefix,
			    const char *what)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[2048];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0 &&
		     (!what || strstr(line, what));
	fclose(f);
	return n;
}

START_TEST(default_level_is_quiet)
{
	const char *extra[] = {"--log-level=info", NULL};
	struct td d;
	td_start(&d, NULL, extra);
	for (int i = 0; i < 5; i++)
		seqpack_client_close(td_client(&d));
	/* a round trip after the closes, so they are all logged by now */
	seqpack_client *c = td_client(&d);
	seqpack_daemon_info info;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_hello(c, &info, &err), SEQPACK_OK);
	seqpack_client_close(c);
	char log[100];
	snprintf(log, sizeof(log), "%s", d.log);
	unsigned notices_ready = count_lines(log, "<5>", "ready");
	unsigned limits = count_lines(log, "<5>", "max-clients 256");
	unsigned per_conn = count_lines(log, "<6>", "connection");
	unsigned info_lines = count_lines(log, "<6>", NULL);
	unsigned debug = count_lines(log, "<7>", NULL);
	if (per_conn || info_lines > 1 || notices_ready != 1)
		td_dump_log(&d);
	ck_assert_uint_eq(notices_ready, 1);
	ck_assert_uint_eq(limits, 1);
	ck_assert_uint_eq(per_conn, 0);
	/* the one info line is the list of algorithms */
	ck_assert_uint_le(info_lines, 1);
	ck_assert_uint_eq(debug, 0);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The unit's ExecStartPre, run as systemd runs it on every (re)start:
 * silent on a good configuration, the error on a bad one. */
static unsigned check_config_lines(const char *args, const char *cfg)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "%s %s --config=%s 2>&1", td_daemon_path(),
		 args, cfg);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[1024];
	unsigned n = 0;
	while (fgets(line, sizeof(line), p))
		n++;
	pclose(p);
	return n;
}

START_TEST(exec_start_pre_is_quiet)
{
	char *unit = tl_builddir_path("daemon/seqpackd.service");
	FILE *f = fopen(unit, "r");
	ck_assert_msg(f != NULL, "%s not built", unit);
	char line[1024], args[512] = "";
	while (fgets(line, sizeof(line), f)) {
		const char *k = "ExecStartPre=";
		if (strncmp(line, k, strlen(k)) != 0)
			continue;
		char *sp = strchr(line, ' '); /* after the daemon's path */
		ck_assert_ptr_nonnull(sp);
		line[strcspn(line, "\n")] = '\0';
		snprintf(args, sizeof(args), "%s", sp + 1);
	}
	fclose(f);
	free(unit);
	ck_assert_msg(strstr(args, "--check-config") != NULL,
		      "no ExecStartPre --check-config in the unit");
	ck_assert_uint_eq(check_config_lines(args, "/dev/null"), 0);
	char bad[] = "/tmp/seqpackd-bad.XXXXXX";
	int fd = mkstemp(bad);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(write(fd, "max-clients = lots\n", 19), 0);
	close(fd);
	ck_assert_uint_ge(check_config_lines(args, bad), 1);
	unlink(bad);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-log");
	TCase *tc = tcase_create("log");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, default_level_is_quiet);
	tcase_add_test(tc, exec_start_pre_is_quiet);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
