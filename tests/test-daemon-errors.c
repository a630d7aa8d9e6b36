/* The table "Replies and errors" of docs/protocol.md, row by row: what
 * each error is answered with (a reply to the request's type or ERROR,
 * its id and status) and whether the connection goes on (a HELLO on it
 * is answered afterwards) or is closed (the next read sees EOF).  The
 * client's shared-memory fallback relies on the "goes on" rows: an
 * unknown message type is a reply and the connection stays usable. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

static struct td D;

static void setup(void)
{
	const char *extra[] = {"--max-request-size=4096", NULL};
	td_start(&D, NULL, extra);
}

static void teardown(void)
{
	ck_assert_int_eq(td_stop(&D), 0);
}

static void send_header(int fd, uint32_t magic, uint16_t version,
			uint16_t type, uint32_t flags, uint32_t length,
			uint64_t id)
{
	struct sp_header h = {magic, version, type, flags, length, id};
	uint8_t b[SP_HEADER_SIZE];
	sp_header_encode(b, &h);
	td_send(fd, b, sizeof(b));
}

/* The next message is type/id/status. */
static void expect(int fd, uint16_t type, uint64_t id, uint32_t status)
{
	struct sp_header h;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
	ck_assert_msg(h.type == type, "type 0x%x, expected 0x%x", h.type, type);
	ck_assert_uint_eq(h.id, id);
	ck_assert_uint_ge(h.length, 4);
	uint32_t st = pl[0] | pl[1] << 8 | pl[2] << 16 | (uint32_t)pl[3] << 24;
	ck_assert_msg(st == status, "status %u, expected %u", st, status);
	free(pl);
}

/* "goes on": the same connection answers a HELLO. */
static void goes_on(int fd, uint64_t id)
{
	uint8_t pl[4] = {1, 0, 1, 0};
	struct sp_buf b = {0};
	td_msg(&b, SP_HELLO, id, pl, 4);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	expect(fd, SP_HELLO | SP_REPLY, id, SEQPACK_OK);
}

/* "closed": EOF (or the reset of a close with our bytes unread). */
static void closed(int fd)
{
	ck_assert(td_closed(fd));
	close(fd);
}

static void send_msg(int fd, uint16_t type, uint64_t id, const void *pl,
		     size_t len)
{
	struct sp_buf b = {0};
	td_msg(&b, type, id, pl, len);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
}

START_TEST(rows_that_go_on)
{
	int fd = td_connect_raw(&D);
	/* malformed: a HELLO payload of 3 bytes */
	send_msg(fd, SP_HELLO, 1, "abc", 3);
	expect(fd, SP_HELLO | SP_REPLY, 1, SEQPACK_ERR_PROTOCOL);
	goes_on(fd, 2);
	/* unknown message type */
	send_msg(fd, 99, 3, "abcd", 4);
	expect(fd, 99 | SP_REPLY, 3, SEQPACK_ERR_PROTOCOL);
	goes_on(fd, 4);
	/* header flags not 0 */
	send_header(fd, SP_MAGIC, 1, SP_LIST, 0x10, 0, 5);
	expect(fd, SP_LIST | SP_REPLY, 5, SEQPACK_ERR_PROTOCOL);
	goes_on(fd, 6);
	/* a descriptor with a LIST */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct sp_buf b = {0};
	td_msg(&b, SP_LIST, 7, NULL, 0);
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	memset(&cm, 0, sizeof(cm));
	struct iovec iov = {.iov_base = b.data, .iov_len = b.len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[0], sizeof(int));
	ck_assert_int_eq(sendmsg(fd, &mh, MSG_NOSIGNAL), (ssize_t)b.len);
	sp_buf_free(&b);
	close(p[0]);
	close(p[1]);
	expect(fd, SP_LIST | SP_REPLY, 7, SEQPACK_ERR_PROTOCOL);
	goes_on(fd, 8);
	/* a failed request: an unknown algorithm */
	uint32_t lengths[3] = {1, 2, 3};
	seqpack_params prm;
	seqpack_params_init(&prm);
	prm.capacity = 10;
	td_pack_payload(&b, "no-such-algorithm", &prm, lengths, 3, 3);
	send_msg(fd, SP_PACK, 9, b.data, b.len);
	sp_buf_free(&b);
	expect(fd, SP_PACK | SP_REPLY, 9, SEQPACK_ERR_NOT_FOUND);
	goes_on(fd, 10);
	close(fd);
}
END_TEST

START_TEST(rows_that_close)
{
	/* length above max-request-size: a reply to its type, then closed */
	int fd = td_connect_raw(&D);
	send_header(fd, SP_MAGIC, 1, SP_PACK, 0, 4097, 11);
	expect(fd, SP_PACK | SP_REPLY, 11, SEQPACK_ERR_LIMIT);
	closed(fd);
	/* wrong magic: ERROR with id 0 */
	fd = td_connect_raw(&D);
	send_header(fd, 0x4B505154, 1, SP_HELLO, 0, 0, 12);
	expect(fd, SP_ERROR, 0, SEQPACK_ERR_PROTOCOL);
	closed(fd);
	/* unsupported version: ERROR with the header's id */
	fd = td_connect_raw(&D);
	send_header(fd, SP_MAGIC, 2, SP_HELLO, 0, 4, 13);
	expect(fd, SP_ERROR, 13, SEQPACK_ERR_PROTOCOL);
	closed(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-errors");
	TCase *tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rows_that_go_on);
	tcase_add_test(tc, rows_that_close);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
