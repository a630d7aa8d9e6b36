/* Shared-memory regions: checking, mapping and reference counting them
 * (see shm.h).  The client is not trusted with the region: a mapping of a
 * file that shrinks under it raises SIGBUS in the daemon, so the file
 * must be sealed against shrinking (F_SEAL_SHRINK) and must live on
 * tmpfs (a hugetlbfs memfd can SIGBUS when the huge page pool runs dry).
 * Its contents can still change at any time: handlers copy the lengths
 * out before checking them. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <seqpack/seqpack.h>

#include "shm.h"
#include "util/cleanup-internal.h"

static int fail(int status, char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(int status, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return status;
}

int shm_map(int memfd, uint64_t size, uint64_t limit, struct shm_region **ret,
	    char *msg, size_t msglen)
{
	_cleanup_close_ int fd = memfd;
	if (size == 0)
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "shared memory region of 0 bytes");
	if (size > limit || size > SIZE_MAX)
		return fail(SEQPACK_ERR_LIMIT, msg, msglen,
			    "shared memory region of %llu bytes is above the limit of %llu",
			    (unsigned long long)size,
			    (unsigned long long)limit);
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "the descriptor is not a sealable memfd (F_GET_SEALS: %s)",
			    strerror(errno));
	if (!(seals & F_SEAL_SHRINK))
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "the memfd must be sealed with F_SEAL_SHRINK (seals 0x%x)",
			    (unsigned)seals);
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "the memfd is sealed against writing (seals 0x%x)",
			    (unsigned)seals);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) != 0 || sfs.f_type != TMPFS_MAGIC)
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "the memfd is not on tmpfs (hugetlbfs memfds are refused)");
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < 0 ||
	    (uint64_t)st.st_size < size)
		return fail(SEQPACK_ERR_INVALID, msg, msglen,
			    "the memfd holds %llu bytes, fewer than the %llu announced",
			    (unsigned long long)(st.st_size > 0 ? st.st_size : 0),
			    (unsigned long long)size);
	_cleanup_free_ struct shm_region *r = malloc(sizeof(*r));
	if (!r)
		return fail(SEQPACK_ERR_NOMEM, msg, msglen, "out of memory");
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		int status = e == ENOMEM ? SEQPACK_ERR_NOMEM
					 : SEQPACK_ERR_INVALID;
		return fail(status, msg, msglen,
			    "cannot map the memfd (mmap: %s)", strerror(e));
	}
	r->refs = 1;
	r->base = p;
	r->size = (size_t)size;
	atomic_init(&r->populated, 0);
	*ret = TAKE_PTR(r);
	return SEQPACK_OK;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

void shm_populate(struct shm_region *r, size_t off, size_t len, int done)
{
	if (done ? atomic_exchange(&r->populated, 1)
		 : atomic_load(&r->populated))
		return;
	size_t start = off & ~(size_t)4095;
	size_t end = off + len;
	end = end > r->size ? r->size : end;
	/* A failure (old kernel, no memory) only leaves the pages to be
	 * faulted in one by one. */
	(void)madvise(r->base + start, end - start, MADV_POPULATE_WRITE);
}

struct shm_region *shm_ref(struct shm_region *r)
{
	if (r)
		r->refs++;
	return r;
}

void shm_unref(struct shm_region *r)
{
	if (r && --r->refs == 0) {
		munmap(r->base, r->size);
		free(r);
	}
}
