/* PACK through shared memory: the client's one sealed memfd region,
 * passed to the daemon once (SHM_ATTACH) and reused, and PACK_SHM, whose
 * lengths and result sit in it while only counts and metrics cross the
 * socket.  When the daemon or the kernel cannot, the socket does. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client-check.h"
#include "client-io.h"
#include "client-shm.h"
#include "util/cleanup-internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* PACKs of at least this many lengths go through shared memory when the
 * daemon takes it.  Below it the socket's copies cost less than the
 * extra system calls, and a small region is not worth a descriptor. */
#define SHM_MIN_LENGTHS 16384u
/* Smallest region we attach; larger ones double, so a caller whose n
 * grows re-attaches a few times only. */
#define SHM_MIN_SIZE ((size_t)256 << 10)

enum { SHM_AUTO, SHM_NEVER, SHM_ALWAYS };

void client_shm_init(seqpack_client *c)
{
	const char *mode = secure_getenv("SEQPACK_CLIENT_SHM");
	if (mode && (!strcmp(mode, "0") || !strcmp(mode, "never")))
		c->shm_mode = SHM_NEVER;
	else if (mode && (!strcmp(mode, "1") || !strcmp(mode, "always")))
		c->shm_mode = SHM_ALWAYS;
}

void client_shm_unmap(seqpack_client *c)
{
	if (c->shm)
		munmap(c->shm, c->shm_size);
}

/* Its descriptor was closed after the attach (the daemon holds its own
 * mapping), so the region cannot be passed again; a new one costs a
 * memfd and its page faults once per daemon restart. */
void client_shm_forget(seqpack_client *c)
{
	client_shm_unmap(c);
	c->shm = NULL;
	c->shm_size = 0;
}

/* A memfd of size bytes, mapped, with the first need bytes faulted in.
 * USE_SOCKET when the kernel will not (for good: shm_off). */
static int shm_create(seqpack_client *c, size_t size, size_t need,
		      int *ret_fd, uint8_t **ret_p)
{
	_cleanup_close_ int fd = memfd_create("seqpack-client",
					      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		c->shm_off = 1; /* no memfd on this kernel */
		return USE_SOCKET;
	}
	/* Sealed against shrinking: the daemon refuses a region that could
	 * shrink under its mapping (it would take SIGBUS). */
	if (ftruncate(fd, (off_t)size) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
		/* out of memory: maybe next time; anything else: never */
		c->shm_off = errno != ENOMEM && errno != ENOSPC;
		return USE_SOCKET;
	}
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  0);
	if (p == MAP_FAILED)
		return USE_SOCKET;
	/* Fault in what this request uses in one call rather than a page
	 * at a time (5-8 us each on a VM); an old kernel just says no. */
	size_t populate = (need + 4095) & ~(size_t)4095;
	(void)madvise(p, populate < size ? populate : size,
		      MADV_POPULATE_WRITE);
	*ret_fd = TAKE_FD(fd);
	*ret_p = p;
	return SEQPACK_OK;
}

static int shm_attach(seqpack_client *c, int fd, size_t size,
		      seqpack_error *err)
{
	client_begin(c, SP_SHM_ATTACH);
	sp_put_u64(&c->out, size);
	struct sp_rd r;
	c->out_fd = fd;
	int rc = client_call(c, CLIENT_SHORT_REPLY, &r, err);
	c->out_fd = -1;
	if (rc == SEQPACK_OK)
		rc = client_reply_end(c, &r, "malformed SHM_ATTACH reply", err);
	return rc;
}

/* Attach a region of at least need bytes unless one is.  Returns
 * SEQPACK_OK, USE_SOCKET when shared memory is not to be had (for this
 * request, or for good when the daemon or kernel lacks it: shm_off), or
 * the error that broke the connection. */
static int shm_ensure(seqpack_client *c, size_t need, seqpack_error *err)
{
	if (c->shm && c->shm_size >= need)
		return SEQPACK_OK;
	uint64_t limit = (uint64_t)SP_SHM_MAX_FACTOR * c->info.max_request_bytes;
	if (need > limit)
		return USE_SOCKET;
	size_t size = c->shm_size ? c->shm_size : SHM_MIN_SIZE;
	while (size < need && size <= SIZE_MAX / 2)
		size *= 2;
	if (size > limit) /* need fits: a page multiple of it will */
		size = (need + 4095) & ~(size_t)4095;
	if (size > limit)
		size = need;
	int fd;
	uint8_t *p;
	int rc = shm_create(c, size, need, &fd, &p);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_error e;
	rc = shm_attach(c, fd, size, &e);
	/* The daemon mapped its own view, or refused: ours is all we need. */
	close(fd);
	if (rc != SEQPACK_OK) {
		munmap(p, size);
		if (c->broken) {
			if (err)
				*err = e;
			return rc;
		}
		/* An older daemon answers "unknown message type": stop
		 * asking.  A refusal of this size only affects this one. */
		if (rc != SEQPACK_ERR_LIMIT && rc != SEQPACK_ERR_NOMEM)
			c->shm_off = 1;
		return USE_SOCKET;
	}
	client_shm_unmap(c);
	c->shm = p;
	c->shm_size = size;
	return SEQPACK_OK;
}

/* Lengths at offset 0 of the region, the result right after them. */
static int pack_shm(seqpack_client *c, const char *algorithm,
		    const uint32_t *lengths, size_t n,
		    const seqpack_params *params, struct pack_out out,
		    seqpack_error *err)
{
	size_t roff = n * 4;
	memcpy(c->shm, lengths, n * 4);
	client_begin(c, SP_PACK_SHM);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	sp_put_u32(&c->out, (uint32_t)n);
	sp_put_u64(&c->out, 0);
	sp_put_u64(&c->out, roff);
	struct sp_rd r;
	int rc = client_call(c, CLIENT_PACK_HEAD_MAX, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result *v = &c->view;
	rc = client_decode_head(c, &r, n, v, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = client_reply_end(c, &r,
			      "PACK_SHM reply does not match the request", err);
	if (rc != SEQPACK_OK)
		return rc;
	v->items = (uint32_t *)(void *)(c->shm + roff);
	v->offsets = v->items + n;
	v->used = v->offsets + v->nbins + 1;
	if (out.reuse)
		return client_deliver(lengths, n, params, v, out, err);
	/* The region is the client's, reused by its next PACK: a result of
	 * the caller's own is a copy. */
	seqpack_result *res;
	rc = seqpack_result_new(n, &res, err);
	if (rc != SEQPACK_OK)
		return rc;
	memcpy(res->items, v->items, n * 4);
	memcpy(res->offsets, v->offsets, (v->nbins + 1) * 4);
	memcpy(res->used, v->used, v->nbins * 4);
	memcpy(res->algorithm, v->algorithm, sizeof(v->algorithm));
	res->nbins = v->nbins;
	res->metrics = v->metrics;
	return client_deliver(lengths, n, params, res, out, err);
}

int client_pack_shm(seqpack_client *c, const char *algorithm,
		    const uint32_t *lengths, size_t n,
		    const seqpack_params *params, struct pack_out out,
		    seqpack_error *err)
{
	if (c->shm_off || n == 0 || c->shm_mode == SHM_NEVER ||
	    (n < SHM_MIN_LENGTHS && c->shm_mode != SHM_ALWAYS))
		return USE_SOCKET;
	int rc = shm_ensure(c, n * 4 + sp_shm_result_bytes(n), err);
	if (rc != SEQPACK_OK)
		return rc;
	return pack_shm(c, algorithm, lengths, n, params, out, err);
}
