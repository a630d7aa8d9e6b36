/* seqpackd's shared-memory transport (SHM_ATTACH, PACK_SHM): the same
 * packings as in-process and as the socket path for every algorithm, a
 * region reused and grown, every malformed or hostile attach and request
 * refused with its documented status (no crash, no descriptor leaked),
 * and the client's fallback to the socket against a daemon that does not
 * know the new messages. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* A client whose $SEQPACK_CLIENT_SHM was mode (NULL: unset) at connect. */
static seqpack_client *client_mode(const struct td *d, const char *mode)
{
	if (mode)
		ck_assert_int_eq(setenv("SEQPACK_CLIENT_SHM", mode, 1), 0);
	else
		unsetenv("SEQPACK_CLIENT_SHM");
	seqpack_client *c = td_client(d);
	unsetenv("SEQPACK_CLIENT_SHM");
	return c;
}

static void assert_same(const seqpack_result *a, const seqpack_result *b,
			const char *alg, const char *how)
{
	ck_assert_msg(tl_same_result(a, b), "%s: %s result differs", alg, how);
	ck_assert_str_eq(a->algorithm, b->algorithm);
	const seqpack_metrics *x = &a->metrics, *y = &b->metrics;
	ck_assert_uint_eq(x->bins, y->bins);
	ck_assert_uint_eq(x->total_tokens, y->total_tokens);
	ck_assert_uint_eq(x->padding_tokens, y->padding_tokens);
	ck_assert_uint_eq(x->lower_bound, y->lower_bound);
	ck_assert_uint_eq(x->max_items_per_bin, y->max_items_per_bin);
	ck_assert(memcmp(&x->efficiency, &y->efficiency, sizeof(double)) == 0);
	ck_assert(memcmp(&x->mean_items_per_bin, &y->mean_items_per_bin,
			 sizeof(double)) == 0);
}

static uint64_t stat_of(seqpack_client *c, const char *name)
{
	seqpack_daemon_stats *s = NULL;
	seqpack_error err = {0};
	ck_assert_msg(seqpack_client_stats(c, &s, &err) == SEQPACK_OK, "%s",
		      err.message);
	uint64_t v = seqpack_daemon_stats_get(s, name);
	seqpack_daemon_stats_free(s);
	return v;
}

START_TEST(same_as_in_process_and_socket)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	ck_assert_uint_ge(seqpack_registry_count(reg), 1);
	seqpack_client *sock = client_mode(&d, "never");
	seqpack_client *shm = client_mode(&d, "always");
	seqpack_client *aut = client_mode(&d, NULL);
	tl_rng rng;
	tl_rng_seed(&rng, 99);
	static const uint32_t caps[] = {1, 100, 4096, 2147483647u};
	static const size_t sizes[] = {1, 17, 5000, 20000};
	uint32_t *lengths = malloc(20000 * sizeof(uint32_t));
	ck_assert(lengths != NULL);
	uint64_t via_shm = 0;
	for (size_t a = 0; a < seqpack_registry_count(reg); a++) {
		const char *alg = seqpack_registry_get(reg, a)->name;
		for (int s = 0; s < TL_NSHAPES; s++) {
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = caps[(size_t)s % 4];
			p.max_items = s % 3 == 0 ? 3 : 0;
			p.seed = (uint64_t)s * 11 + 3;
			p.threads = 2;
			p.k = 1 + (uint32_t)s;
			size_t n = sizes[((size_t)s + a) % 4];
			tl_gen(&rng, (enum tl_shape)s, p.capacity, lengths, n);
			seqpack_result *in = NULL;
			seqpack_error e0 = {0};
			int r0 = seqpack_pack(reg, alg, lengths, n, &p, &in, &e0);
			/* fresh results from the socket and shm paths */
			seqpack_client *cs[] = {sock, shm, aut};
			const char *how[] = {"socket", "shm", "auto"};
			for (int k = 0; k < 3; k++) {
				seqpack_result *out = NULL;
				seqpack_error e = {0};
				int r = seqpack_client_pack(cs[k], alg, lengths, n,
							    &p, &out, &e);
				ck_assert_msg(r == r0, "%s (%s): in-process %d (%s), daemon %d (%s)",
					      alg, how[k], r0, e0.message, r,
					      e.message);
				if (r0 == SEQPACK_OK)
					assert_same(in, out, alg, how[k]);
				else
					ck_assert_str_eq(e0.message, e.message);
				seqpack_result_free(out);
				/* the client-owned result, same answer */
				const seqpack_result *view = NULL;
				r = seqpack_client_pack_reuse(cs[k], alg, lengths,
							      n, &p, &view, &e);
				ck_assert_int_eq(r, r0);
				if (r0 == SEQPACK_OK)
					assert_same(in, view, alg, how[k]);
			}
			if (r0 == SEQPACK_OK)
				via_shm += 2;
			seqpack_result_free(in);
		}
	}
	/* the "always" client really used shared memory, the "never" one
	 * the socket, and "auto" shared memory from 16384 lengths on */
	ck_assert_uint_ge(stat_of(sock, "requests.pack_shm"), via_shm);
	ck_assert_uint_eq(stat_of(sock, "errors.pack_shm"), 0);
	ck_assert_uint_eq(stat_of(sock, "errors.shm_attach"), 0);
	ck_assert_uint_ge(stat_of(sock, "requests.pack"), via_shm);
	free(lengths);
	seqpack_client_close(sock);
	seqpack_client_close(shm);
	seqpack_client_close(aut);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(auto_uses_shm_for_large_requests_only)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "nf");
	seqpack_client *c = client_mode(&d, NULL);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 4096;
	uint32_t *lengths = malloc(100000 * sizeof(uint32_t));
	ck_assert(lengths != NULL);
	tl_rng rng;
	tl_rng_seed(&rng, 5);
	tl_gen(&rng, TL_UNIFORM, p.capacity, lengths, 100000);
	const seqpack_result *r;
	ck_assert_int_eq(seqpack_client_pack_reuse(c, "nf", lengths, 1000, &p,
						   &r, NULL), SEQPACK_OK);
	ck_assert_uint_eq(stat_of(c, "requests.pack"), 1);
	ck_assert_uint_eq(stat_of(c, "requests.pack_shm"), 0);
	ck_assert_int_eq(seqpack_client_pack_reuse(c, "nf", lengths, 100000,
						   &p, &r, NULL), SEQPACK_OK);
	ck_assert_uint_eq(stat_of(c, "requests.pack"), 1);
	ck_assert_uint_eq(stat_of(c, "requests.pack_shm"), 1);
	ck_assert_uint_eq(stat_of(c, "requests.shm_attach"), 1);
	seqpack_result *in = tl_pack(reg, "nf", lengths, 100000, &p);
	assert_same(in, r, "nf", "auto");
	seqpack_result_free(in);
	free(lengths);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(region_reused_and_grown)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "ffd");
	seqpack_client *c = client_mode(&d, "always");
	unsigned fds = td_fd_count(d.pid);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	static const size_t sizes[] = {100, 10000, 30000, 100, 30000};
	/* the first three need a region of 256 KiB, 256 KiB, 512 KiB */
	static const uint64_t attaches[] = {1, 1, 2, 2, 2};
	uint32_t *lengths = malloc(30000 * sizeof(uint32_t));
	ck_assert(lengths != NULL);
	tl_rng rng;
	tl_rng_seed(&rng, 8);
	for (int i = 0; i < 5; i++) {
		size_t n = sizes[i];
		tl_gen(&rng, TL_MIXED, p.capacity, lengths, n);
		const seqpack_result *r = NULL;
		seqpack_error err = {0};
		ck_assert_msg(seqpack_client_pack_reuse(c, "ffd", lengths, n, &p,
							&r, &err) == SEQPACK_OK,
			      "%s", err.message);
		seqpack_result *in = tl_pack(reg, "ffd", lengths, n, &p);
		assert_same(in, r, "ffd", "shm");
		seqpack_result_free(in);
		ck_assert_uint_eq(stat_of(c, "requests.shm_attach"),
				  attaches[i]);
		ck_assert_uint_eq(stat_of(c, "requests.pack_shm"),
				  (uint64_t)i + 1);
	}
	/* the daemon keeps a mapping, not a descriptor */
	ck_assert_uint_eq(td_fd_count(d.pid), fds);
	seqpack_client_close(c);
	free(lengths);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Raw protocol */

static int make_memfd(size_t size, int seals)
{
	int fd = memfd_create("test-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_msg(fd >= 0, "memfd_create: %s", strerror(errno));
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (seals)
		ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

/* Send b with nfds descriptors attached to its first byte. */
static void send_with_fds(int sock, const struct sp_buf *b, const int *fds,
			  int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cmsg;
	memset(&cmsg, 0, sizeof(cmsg));
	struct iovec iov = {.iov_base = b->data, .iov_len = b->len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds) {
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)b->len);
}

/* Read a reply, check type, id and status; returns the error message
 * (static), or "" on success with the body after the status in *body
 * (malloc'd, may be NULL when not wanted). */
static const char *expect(int fd, uint16_t type, uint64_t id, int status,
			  uint8_t **body, size_t *len)
{
	static char msg[256];
	struct sp_header h;
	uint8_t *pl = NULL;
	ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
	ck_assert_msg(h.type == type, "reply type 0x%x, expected 0x%x", h.type,
		      type);
	ck_assert_uint_eq(h.id, id);
	struct sp_rd r;
	sp_rd_init(&r, pl, h.length);
	uint32_t st = sp_get_u32(&r);
	msg[0] = '\0';
	if (st != SEQPACK_OK)
		sp_get_str(&r, msg, sizeof(msg));
	ck_assert_msg(!r.bad, "malformed reply");
	ck_assert_msg(st == (uint32_t)status, "status %u (%s), expected %d", st,
		      msg, status);
	if (body) {
		*len = h.length - 4;
		*body = malloc(*len + 1);
		ck_assert(*body != NULL);
		memcpy(*body, pl + 4, *len);
	}
	free(pl);
	return msg;
}

static const char *attach(int sock, uint64_t id, const int *fds, int nfds,
			  uint64_t size, int status)
{
	struct sp_buf pl = {0}, b = {0};
	sp_put_u64(&pl, size);
	td_msg(&b, SP_SHM_ATTACH, id, pl.data, pl.len);
	send_with_fds(sock, &b, fds, nfds);
	sp_buf_free(&pl);
	sp_buf_free(&b);
	return expect(sock, SP_SHM_ATTACH | SP_REPLY, id, status, NULL, NULL);
}

static const char *pack_shm(int sock, uint64_t id, const char *alg,
			    const seqpack_params *p, uint32_t n, uint64_t loff,
			    uint64_t roff, int status, uint8_t **body,
			    size_t *len)
{
	struct sp_buf pl = {0}, b = {0};
	sp_put_str(&pl, alg);
	sp_put_params(&pl, p);
	sp_put_u32(&pl, n);
	sp_put_u64(&pl, loff);
	sp_put_u64(&pl, roff);
	td_msg(&b, SP_PACK_SHM, id, pl.data, pl.len);
	td_send(sock, b.data, b.len);
	sp_buf_free(&pl);
	sp_buf_free(&b);
	return expect(sock, SP_PACK_SHM | SP_REPLY, id, status, body, len);
}

static void list_works(int sock, uint64_t id)
{
	struct sp_buf b = {0};
	td_msg(&b, SP_LIST, id, NULL, 0);
	td_send(sock, b.data, b.len);
	sp_buf_free(&b);
	expect(sock, SP_LIST | SP_REPLY, id, SEQPACK_OK, NULL, NULL);
}

static const char *const LIMITS[] = {"--max-request-size=1M",
				     "--max-lengths=100000", NULL};

START_TEST(bad_attach)
{
	struct td d;
	td_start(&d, NULL, LIMITS);
	int s = td_connect_raw(&d);
	list_works(s, 1);
	unsigned fds = td_fd_count(d.pid);
	const size_t size = 64 << 10;
	ck_assert_ptr_nonnull(strstr(attach(s, 2, NULL, 0, size,
					    SEQPACK_ERR_PROTOCOL),
				     "exactly one file descriptor"));
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_ptr_nonnull(strstr(attach(s, 3, pfd, 1, size,
					    SEQPACK_ERR_INVALID),
				     "not a sealable memfd"));
	int unsealed = make_memfd(size, 0);
	ck_assert_ptr_nonnull(strstr(attach(s, 4, &unsealed, 1, size,
					    SEQPACK_ERR_INVALID),
				     "F_SEAL_SHRINK"));
	int small = make_memfd(size / 2, F_SEAL_SHRINK);
	ck_assert_ptr_nonnull(strstr(attach(s, 5, &small, 1, size,
					    SEQPACK_ERR_INVALID),
				     "fewer than"));
	int ro = make_memfd(size, F_SEAL_SHRINK | F_SEAL_WRITE);
	ck_assert_ptr_nonnull(strstr(attach(s, 6, &ro, 1, size,
					    SEQPACK_ERR_INVALID),
				     "sealed against writing"));
	int good = make_memfd(size, F_SEAL_SHRINK);
	attach(s, 7, &good, 1, 0, SEQPACK_ERR_INVALID);
	/* 4 x max-request-size (1 MiB) is the largest region */
	int big = make_memfd((size_t)5 << 20, F_SEAL_SHRINK);
	ck_assert_ptr_nonnull(strstr(attach(s, 8, &big, 1, (uint64_t)5 << 20,
					    SEQPACK_ERR_LIMIT),
				     "above the limit"));
	int two[2] = {good, good};
	attach(s, 9, two, 2, size, SEQPACK_ERR_PROTOCOL);
	/* a descriptor with any other request is refused, request and all */
	struct sp_buf b = {0};
	td_msg(&b, SP_LIST, 10, NULL, 0);
	send_with_fds(s, &b, &good, 1);
	sp_buf_free(&b);
	ck_assert_ptr_nonnull(strstr(expect(s, SP_LIST | SP_REPLY, 10,
					    SEQPACK_ERR_PROTOCOL, NULL, NULL),
				     "unexpected file descriptor"));
	/* a payload that is not one u64 */
	uint8_t four[4] = {0};
	td_msg(&b, SP_SHM_ATTACH, 11, four, 4);
	send_with_fds(s, &b, &good, 1);
	sp_buf_free(&b);
	expect(s, SP_SHM_ATTACH | SP_REPLY, 11, SEQPACK_ERR_PROTOCOL, NULL,
	       NULL);
	/* the connection is fine, and the daemon kept none of them */
	list_works(s, 12);
	ck_assert_uint_eq(td_fd_count(d.pid), fds);
	attach(s, 13, &good, 1, size, SEQPACK_OK);
	ck_assert_uint_eq(td_fd_count(d.pid), fds);
	int fds_to_close[] = {pfd[0], pfd[1], unsealed, small, ro, good, big};
	for (size_t i = 0; i < sizeof(fds_to_close) / sizeof(int); i++)
		close(fds_to_close[i]);
	close(s);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(bad_pack_shm)
{
	struct td d;
	td_start(&d, NULL, LIMITS);
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "nf");
	int s = td_connect_raw(&d);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	ck_assert_ptr_nonnull(strstr(pack_shm(s, 1, "nf", &p, 6, 0, 24,
					      SEQPACK_ERR_STATE, NULL, NULL),
				     "shm_attach first"));
	const size_t size = 4096;
	int fd = make_memfd(size, F_SEAL_SHRINK);
	attach(s, 2, &fd, 1, size, SEQPACK_OK);
	/* the seal holds: the region cannot shrink under the daemon */
	ck_assert_int_eq(ftruncate(fd, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	uint32_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
	ck_assert(m != MAP_FAILED);
	static const uint32_t bad[6] = {5, 3, 11, 2, 8, 1};
	static const uint32_t ok[6] = {5, 3, 7, 2, 8, 1};
	memcpy(m, bad, sizeof(bad));
	/* same check, same message as in-process */
	seqpack_error e0 = {0};
	seqpack_result *r0 = NULL;
	ck_assert_int_eq(seqpack_pack(reg, "nf", bad, 6, &p, &r0, &e0),
			 SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(pack_shm(s, 3, "nf", &p, 6, 0, 24, SEQPACK_ERR_LENGTH,
				  NULL, NULL),
			 e0.message);
	memcpy(m, ok, sizeof(ok));
	pack_shm(s, 4, "nf", &p, 6, 2, 24, SEQPACK_ERR_INVALID, NULL, NULL);
	pack_shm(s, 5, "nf", &p, 6, 0, 26, SEQPACK_ERR_INVALID, NULL, NULL);
	/* out of the region: lengths, result, offsets that would wrap */
	pack_shm(s, 6, "nf", &p, 6, size - 20, 0, SEQPACK_ERR_INVALID, NULL,
		 NULL);
	pack_shm(s, 7, "nf", &p, 6, 0, size - 72, SEQPACK_ERR_INVALID, NULL,
		 NULL);
	pack_shm(s, 8, "nf", &p, 6, UINT64_MAX - 3, 24, SEQPACK_ERR_INVALID,
		 NULL, NULL);
	pack_shm(s, 9, "nf", &p, 6, 0, UINT64_MAX - 3, SEQPACK_ERR_INVALID,
		 NULL, NULL);
	/* the limits of PACK hold for PACK_SHM */
	pack_shm(s, 10, "nf", &p, 100001, 0, 24, SEQPACK_ERR_LIMIT, NULL, NULL);
	pack_shm(s, 11, "nosuch", &p, 6, 0, 24, SEQPACK_ERR_NOT_FOUND, NULL,
		 NULL);
	p.capacity = 0;
	pack_shm(s, 12, "nf", &p, 6, 0, 24, SEQPACK_ERR_CAPACITY, NULL, NULL);
	p.capacity = 10;
	/* a payload that does not match its fields */
	struct sp_buf pl = {0}, b = {0};
	sp_put_str(&pl, "nf");
	sp_put_params(&pl, &p);
	sp_put_u32(&pl, 6);
	sp_put_u64(&pl, 0);
	td_msg(&b, SP_PACK_SHM, 13, pl.data, pl.len);
	td_send(s, b.data, b.len);
	sp_buf_free(&pl);
	sp_buf_free(&b);
	expect(s, SP_PACK_SHM | SP_REPLY, 13, SEQPACK_ERR_PROTOCOL, NULL, NULL);
	/* and a good one: the arrays land in the region, after the lengths
	 * (result and lengths may even overlap: the daemon copies first) */
	seqpack_result *in = tl_pack(reg, "nf", ok, 6, &p);
	for (int overlap = 0; overlap < 2; overlap++) {
		memcpy(m, ok, sizeof(ok));
		uint64_t roff = overlap ? 0 : 24;
		uint8_t *body;
		size_t len;
		pack_shm(s, 14 + (uint64_t)overlap, "nf", &p, 6, 0, roff,
			 SEQPACK_OK, &body, &len);
		struct sp_rd r;
		sp_rd_init(&r, body, len);
		char name[SEQPACK_NAME_MAX];
		sp_get_str(&r, name, sizeof(name));
		ck_assert_str_eq(name, "nf");
		ck_assert_uint_eq(sp_get_u32(&r), 6);
		uint32_t nbins = sp_get_u32(&r);
		ck_assert_uint_eq(nbins, in->nbins);
		ck_assert_uint_eq(sp_get_u64(&r), in->metrics.bins);
		ck_assert_uint_eq(sp_get_u64(&r), in->metrics.total_tokens);
		for (int i = 0; i < 7; i++)
			(void)sp_get_u64(&r);
		ck_assert(!r.bad);
		ck_assert_uint_eq(sp_rd_left(&r), 0);
		const uint32_t *items = m + roff / 4;
		ck_assert(memcmp(items, in->items, 6 * 4) == 0);
		ck_assert(memcmp(items + 6, in->offsets, (nbins + 1) * 4) == 0);
		ck_assert(memcmp(items + 7 + nbins, in->used, nbins * 4) == 0);
		free(body);
	}
	seqpack_result_free(in);
	seqpack_result_free(r0);
	list_works(s, 20);
	munmap(m, size);
	close(fd);
	close(s);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The client drops its side of the region mid-use: the daemon's mapping
 * keeps the memory alive, and a new connection works as before. */
/* A refused PACK_SHM commits no more of the region than its lengths: the
 * daemon used to populate the lengths and the whole result area before it
 * checked the lengths, so a sparse region of zeros cost its full size in
 * shared memory (charged to the daemon) for a request that failed. */
START_TEST(refused_request_commits_little)
{
	struct td d;
	td_start(&d, NULL, LIMITS);
	int s = td_connect_raw(&d);
	const size_t size = 4u << 20; /* 4 x max-request-size */
	int fd = make_memfd(size, F_SEAL_SHRINK);
	attach(s, 1, &fd, 1, size, SEQPACK_OK);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	const uint32_t n = 100000; /* max-lengths; all zero in the hole */
	const uint64_t roff = (uint64_t)n * 4;
	ck_assert_ptr_nonnull(strstr(pack_shm(s, 2, "nf", &p, n, 0, roff,
					      SEQPACK_ERR_LENGTH, NULL, NULL),
				     "length 0"));
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	uint64_t committed = (uint64_t)st.st_blocks * 512;
	ck_assert_msg(committed <= roff + 2 * 4096,
		      "a refused request committed %llu bytes of the region (lengths: %llu)",
		      (unsigned long long)committed, (unsigned long long)roff);
	list_works(s, 3);
	close(fd);
	close(s);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(client_goes_away)
{
	struct td d;
	td_start(&d, NULL, NULL);
	int s = td_connect_raw(&d);
	int fd = make_memfd(4096, F_SEAL_SHRINK);
	attach(s, 1, &fd, 1, 4096, SEQPACK_OK);
	close(fd);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	/* the region is all zeros: length 0 is refused, nothing more */
	pack_shm(s, 2, "nf", &p, 6, 0, 24, SEQPACK_ERR_LENGTH, NULL, NULL);
	close(s);
	seqpack_client *c = client_mode(&d, "always");
	uint32_t l[3] = {4, 5, 6};
	const seqpack_result *r;
	ck_assert_int_eq(seqpack_client_pack_reuse(c, "nf", l, 3, &p, &r, NULL),
			 SEQPACK_OK);
	ck_assert_uint_eq(r->nbins, 2);
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* verify = always (the default) catches a lying plugin whatever the
 * client asked; verify = requested leaves it to the client's flag, as
 * in-process, on both transports. */
START_TEST(verify_setting)
{
	char *liar = tl_builddir_path("tests/plugins");
	char *plugins = tl_builddir_path("plugins");
	char arg[2048];
	snprintf(arg, sizeof(arg), "--plugin-path=%s:%s", plugins, liar);
	free(liar);
	free(plugins);
	/* they fit one bin: the liar lists index 0 twice, sums look right */
	static const uint32_t l[4] = {2, 2, 2, 2};
	for (int requested = 0; requested <= 1; requested++) {
		const char *extra[] = {arg, requested ? "--verify=requested"
						      : "--verify=always",
				       NULL};
		struct td d;
		td_start(&d, NULL, extra);
		for (int k = 0; k < 2; k++) {
			seqpack_client *c = client_mode(&d, k ? "always"
							       : "never");
			for (int flag = 0; flag <= 1; flag++) {
				seqpack_params p;
				seqpack_params_init(&p);
				p.capacity = 10;
				p.flags = flag ? SEQPACK_PARAM_VERIFY : 0;
				const seqpack_result *r = NULL;
				seqpack_error err = {0};
				int rc = seqpack_client_pack_reuse(c, "liar", l, 4,
								   &p, &r, &err);
				if (requested && !flag) {
					ck_assert_msg(rc == SEQPACK_OK, "%s",
						      err.message);
					ck_assert_uint_eq(r->nbins, 1);
					ck_assert_uint_eq(r->items[3], 0);
				} else {
					ck_assert_int_eq(rc, SEQPACK_ERR_VERIFY);
					/* the daemon's verdict, naming the plugin */
					ck_assert_ptr_nonnull(strstr(err.message,
								     "liar"));
				}
			}
			seqpack_client_close(c);
		}
		ck_assert_int_eq(td_stop(&d), 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fallback: a daemon from before the shared-memory messages.  It reads
 * with read(), so a descriptor sent to it is dropped by the kernel, and
 * it answers the new types "unknown message type", as seqpackd 0.1 did. */

struct old_daemon {
	char dir[64], path[108];
	int lfd;
	pthread_t thread;
	seqpack_registry *reg;
	unsigned attaches, packs, pack_shms;
	int corrupt;  /* 1: an index out of range; 2: one placed twice */
};

static void old_reply(int fd, struct old_daemon *o, const struct sp_header *h,
		      const uint8_t *pl)
{
	struct sp_buf b = {0};
	if (h->type == SP_HELLO) {
		size_t off = sp_begin(&b, SP_HELLO | SP_REPLY, h->id);
		sp_put_u32(&b, SEQPACK_OK);
		sp_put_u16(&b, 1);
		sp_put_u16(&b, 1);
		sp_put_u16(&b, 1);
		sp_put_u16(&b, 0);
		sp_put_str(&b, "0.1.0");
		sp_put_u32(&b, 64u << 20);
		sp_put_u32(&b, 1u << 24);
		sp_put_u32(&b, 16);
		sp_put_u32(&b, 16);
		sp_put_u32(&b, 10000);
		sp_put_u32(&b, 60000);
		sp_end(&b, off);
	} else if (h->type == SP_PACK) {
		o->packs++;
		struct sp_rd r;
		sp_rd_init(&r, pl, h->length);
		char name[SEQPACK_NAME_MAX];
		sp_get_str(&r, name, sizeof(name));
		seqpack_params p;
		sp_get_params(&r, &p);
		uint32_t n = sp_get_u32(&r);
		uint32_t *l = malloc(((size_t)n + 1) * 4);
		sp_get_u32_array(&r, l, n);
		seqpack_result *res = NULL;
		seqpack_error err = {0};
		if (!r.bad && seqpack_pack(o->reg, name, l, n, &p, &res, &err) ==
				      SEQPACK_OK) {
			/* a broken daemon: the bins' sums stay right */
			if (o->corrupt == 1)
				res->items[0] = n;
			if (o->corrupt == 2 && n > 1 &&
			    l[res->items[0]] == l[res->items[1]])
				res->items[1] = res->items[0];
			size_t off = sp_begin(&b, SP_PACK | SP_REPLY, h->id);
			sp_put_u32(&b, SEQPACK_OK);
			sp_put_result(&b, res);
			sp_end(&b, off);
		} else {
			sp_put_error(&b, SP_PACK | SP_REPLY, h->id,
				     SEQPACK_ERR_PROTOCOL, "bad pack");
		}
		seqpack_result_free(res);
		free(l);
	} else {
		o->attaches += h->type == SP_SHM_ATTACH;
		o->pack_shms += h->type == SP_PACK_SHM;
		char msg[64];
		snprintf(msg, sizeof(msg), "unknown message type %u", h->type);
		sp_put_error(&b, h->type | SP_REPLY, h->id,
			     SEQPACK_ERR_PROTOCOL, msg);
	}
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
}

static void old_daemon_start(struct old_daemon *o)
{
	o->reg = tl_registry();
	strcpy(o->dir, "/tmp/seqpack-shm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(o->dir));
	snprintf(o->path, sizeof(o->path), "%s/sock", o->dir);
	o->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(o->lfd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, o->path);
	ck_assert_int_eq(bind(o->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(o->lfd, 1), 0);
}

static void old_daemon_stop(struct old_daemon *o)
{
	pthread_join(o->thread, NULL);
	close(o->lfd);
	unlink(o->path);
	rmdir(o->dir);
	seqpack_registry_unref(o->reg);
}

static void *old_daemon_main(void *arg)
{
	struct old_daemon *o = arg;
	int fd = accept(o->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	struct sp_header h;
	uint8_t *pl = NULL;
	while (td_recv(fd, &h, &pl) == 1) {
		old_reply(fd, o, &h, pl);
		free(pl);
		pl = NULL;
	}
	close(fd);
	return NULL;
}

START_TEST(fallback_to_socket)
{
	struct old_daemon o = {0};
	old_daemon_start(&o);
	tl_require(o.reg, "bfd");
	ck_assert_int_eq(pthread_create(&o.thread, NULL, old_daemon_main, &o),
			 0);
	ck_assert_int_eq(setenv("SEQPACK_CLIENT_SHM", "always", 1), 0);
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_connect(o.path, &c, &err), SEQPACK_OK);
	unsetenv("SEQPACK_CLIENT_SHM");
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 2048;
	uint32_t *l = malloc(20000 * sizeof(uint32_t));
	ck_assert(l != NULL);
	tl_rng rng;
	tl_rng_seed(&rng, 77);
	for (int i = 0; i < 3; i++) {
		size_t n = i == 1 ? 20000 : 500;
		tl_gen(&rng, TL_HEAVY, p.capacity, l, n);
		seqpack_result *in = tl_pack(o.reg, "bfd", l, n, &p), *out = NULL;
		ck_assert_msg(seqpack_client_pack(c, "bfd", l, n, &p, &out,
						  &err) == SEQPACK_OK,
			      "%s", err.message);
		assert_same(in, out, "bfd", "fallback");
		seqpack_result_free(out);
		const seqpack_result *view;
		ck_assert_int_eq(seqpack_client_pack_reuse(c, "bfd", l, n, &p,
							   &view, &err),
				 SEQPACK_OK);
		assert_same(in, view, "bfd", "fallback (reuse)");
		seqpack_result_free(in);
	}
	seqpack_client_close(c);
	/* asked once, then the socket for good */
	ck_assert_uint_eq(o.attaches, 1);
	ck_assert_uint_eq(o.pack_shms, 0);
	ck_assert_uint_eq(o.packs, 6);
	old_daemon_stop(&o);
	free(l);
}
END_TEST

/* A daemon whose answers are wrong: with SEQPACK_PARAM_VERIFY the client
 * finds any error; without, an index out of range still never reaches
 * the caller, while a repeated index does, as in-process without it. */
START_TEST(client_checks_answers)
{
	static const uint32_t l[8] = {3, 3, 3, 3, 3, 3, 3, 3};
	for (int corrupt = 1; corrupt <= 2; corrupt++)
		for (int verify = 0; verify <= 1; verify++) {
			struct old_daemon o = {0};
			o.corrupt = corrupt;
			old_daemon_start(&o);
			tl_require(o.reg, "ffd");
			ck_assert_int_eq(pthread_create(&o.thread, NULL,
							old_daemon_main, &o),
					 0);
			seqpack_client *c = NULL;
			seqpack_error err = {0};
			ck_assert_int_eq(seqpack_client_connect(o.path, &c, &err),
					 SEQPACK_OK);
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = 10;
			if (!verify)
				p.flags = 0;
			const seqpack_result *r = NULL;
			int rc = seqpack_client_pack_reuse(c, "ffd", l, 8, &p, &r,
							   &err);
			if (corrupt == 2 && !verify) {
				ck_assert_int_eq(rc, SEQPACK_OK);
				ck_assert_uint_eq(r->items[0], r->items[1]);
			} else {
				ck_assert_int_eq(rc, SEQPACK_ERR_VERIFY);
				ck_assert_ptr_nonnull(strstr(err.message,
							     verify ? "wrong packing"
								    : "malformed"));
			}
			seqpack_client_close(c);
			old_daemon_stop(&o);
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-shm");
	TCase *tc = tcase_create("shm");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, same_as_in_process_and_socket);
	tcase_add_test(tc, auto_uses_shm_for_large_requests_only);
	tcase_add_test(tc, region_reused_and_grown);
	tcase_add_test(tc, bad_attach);
	tcase_add_test(tc, bad_pack_shm);
	tcase_add_test(tc, refused_request_commits_little);
	tcase_add_test(tc, client_goes_away);
	tcase_add_test(tc, verify_setting);
	tcase_add_test(tc, fallback_to_socket);
	tcase_add_test(tc, client_checks_answers);
	suite_add_tcase(s, tc);
	return tl_run(s);
}
