/* Who gets in, and what a refused user is told.  allowed-groups is
 * checked on the groups the connecting process really has (the socket's
 * SO_PEERGROUPS), not on /etc/group: a process with a group that no
 * /etc/group line gives its (even nonexistent) user gets in, one without
 * the group does not.  A user the socket's permissions refuse learns
 * which group the socket is for and how to join it.
 *
 * The peers are child processes that drop to ids no passwd or group file
 * knows, so the test needs root (it runs as root in CI and in the
 * package build's test container). */
#include <check.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* ids nothing on the system has */
#define NOBODY_UID 61616
#define NOBODY_GID 51515
#define GROUP_IN 42424
#define GROUP_OUT 42425

/* What the child saw, as its exit status. */
enum { SAW_OK = 0, SAW_PERMISSION = 1, SAW_OTHER = 2, SAW_SETUP = 3 };

/* Connect to sock as uid NOBODY_UID, primary gid NOBODY_GID and the one
 * supplementary group, from a child; what it saw, and (for a refusal)
 * the message in msg. */
static int connect_as(const char *sock, gid_t group, char *msg, size_t len)
{
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(1, &group) != 0 || setgid(NOBODY_GID) != 0 ||
		    setuid(NOBODY_UID) != 0)
			_exit(SAW_SETUP);
		seqpack_client *c = NULL;
		seqpack_error err = {0};
		int rc = seqpack_client_connect(sock, &c, &err);
		ssize_t w = write(pfd[1], err.message, strlen(err.message));
		(void)w;
		seqpack_client_close(c);
		_exit(rc == SEQPACK_OK ? SAW_OK
		      : rc == SEQPACK_ERR_PERMISSION ? SAW_PERMISSION
						     : SAW_OTHER);
	}
	close(pfd[1]);
	size_t have = 0;
	ssize_t r;
	while (have < len - 1 &&
	       (r = read(pfd[0], msg + have, len - 1 - have)) > 0)
		have += (size_t)r;
	msg[have] = '\0';
	close(pfd[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_msg(WEXITSTATUS(st) != SAW_SETUP,
		      "cannot drop to uid %d (the test needs root)", NOBODY_UID);
	return WEXITSTATUS(st);
}

/* The daemon's directory, searchable by the child. */
static void open_dir(const struct td *d)
{
	ck_assert_int_eq(chmod(d->dir, 0755), 0);
}

START_TEST(groups_come_from_the_socket)
{
	ck_assert_msg(geteuid() == 0, "this test drops to other ids: run it as root");
	char cfg[64];
	snprintf(cfg, sizeof(cfg), "allowed-groups = %d\n", GROUP_IN);
	const char *extra[] = {"--socket-mode=0666", NULL};
	struct td d;
	td_start(&d, cfg, extra);
	open_dir(&d);
	char msg[300];
	/* uid NOBODY_UID has no passwd entry, so the old getgrouplist()
	 * check found no groups and refused it */
	ck_assert_msg(connect_as(d.sock, GROUP_IN, msg, sizeof(msg)) == SAW_OK,
		      "a peer in group %d was refused: %s", GROUP_IN, msg);
	ck_assert_int_eq(connect_as(d.sock, GROUP_OUT, msg, sizeof(msg)),
			 SAW_PERMISSION);
	ck_assert_ptr_nonnull(strstr(msg, "allowed-users/allowed-groups"));
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(refused_user_told_the_group)
{
	ck_assert_msg(geteuid() == 0, "this test drops to other ids: run it as root");
	/* the daemon's socket: mode 0660, our group (root's, 0) */
	struct td d;
	td_start(&d, NULL, NULL);
	open_dir(&d);
	struct stat st;
	ck_assert_int_eq(stat(d.sock, &st), 0);
	struct group *g = getgrgid(st.st_gid);
	ck_assert_ptr_nonnull(g);
	char want[128];
	snprintf(want, sizeof(want), "the socket is for group '%s'", g->gr_name);
	char msg[300];
	ck_assert_int_eq(connect_as(d.sock, GROUP_OUT, msg, sizeof(msg)),
			 SAW_PERMISSION);
	ck_assert_msg(strstr(msg, "Permission denied") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
	snprintf(want, sizeof(want), "usermod -aG %s", g->gr_name);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "log in again") != NULL, "%s", msg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-access");
	TCase *tc = tcase_create("access");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, groups_come_from_the_socket);
	tcase_add_test(tc, refused_user_told_the_group);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
