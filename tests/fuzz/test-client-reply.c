/* The client's handling of a daemon's error reply, against the fake
 * daemon of the fuzz target: the caller's error always has a message.
 * A HELLO error without a message string gave status 9 and an empty
 * message, so the tool printed "seqpack: pack: " and nothing (found by
 * tests/fuzz/fuzz-client; corpus/client/regress-empty-error-message). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/client.h>

#include "fake-daemon.h"
#include "proto.h"

static char dir[64], path[100];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/test-client-reply-XXXXXX");
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sock", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* Connect to a daemon whose HELLO reply is an error of status with the
 * message msg (NULL: no string at all). */
static int connect_to_error(uint32_t status, const char *msg,
			    seqpack_error *err)
{
	struct sp_buf b = {0};
	size_t off = sp_begin(&b, SP_HELLO | SP_REPLY, 1);
	sp_put_u32(&b, status);
	if (msg)
		sp_put_str(&b, msg);
	sp_end(&b, off);
	ck_assert(!b.oom);
	struct fake_daemon d;
	fake_daemon_start(&d, path, b.data, b.len);
	seqpack_client *c = NULL;
	int rc = seqpack_client_connect(path, &c, err);
	seqpack_client_close(c);
	fake_daemon_stop(&d);
	sp_buf_free(&b);
	return rc;
}

START_TEST(empty_message_names_the_status)
{
	seqpack_error err;
	int rc = connect_to_error(SEQPACK_ERR_LIMIT, "", &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_LIMIT);
	ck_assert_int_eq(err.status, SEQPACK_ERR_LIMIT);
	ck_assert_str_eq(err.message, seqpack_strerror(SEQPACK_ERR_LIMIT));
}
END_TEST

START_TEST(unknown_status_without_message)
{
	seqpack_error err;
	int rc = connect_to_error(0x30000000u, "", &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_PROTOCOL);
	ck_assert_str_eq(err.message, seqpack_strerror(SEQPACK_ERR_PROTOCOL));
}
END_TEST

START_TEST(missing_string_names_the_status)
{
	seqpack_error err;
	int rc = connect_to_error(SEQPACK_ERR_PERMISSION, NULL, &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_PERMISSION);
	ck_assert_str_eq(err.message,
			 seqpack_strerror(SEQPACK_ERR_PERMISSION));
}
END_TEST

START_TEST(message_is_passed_on)
{
	seqpack_error err;
	int rc = connect_to_error(SEQPACK_ERR_LIMIT, "too many clients", &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_LIMIT);
	ck_assert_str_eq(err.message, "too many clients");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client-reply");
	TCase *tc = tcase_create("error-reply");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_message_names_the_status);
	tcase_add_test(tc, unknown_status_without_message);
	tcase_add_test(tc, missing_string_names_the_status);
	tcase_add_test(tc, message_is_passed_on);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
