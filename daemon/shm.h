/* Shared-memory regions a client attaches with SHM_ATTACH (see
 * docs/protocol.md): one per connection, mapped once and reused by every
 * PACK_SHM until the client attaches another or disconnects. */
#ifndef SEQPACKD_SHM_H
#define SEQPACKD_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Reference counted because a PACK_SHM in flight keeps using the region
 * its request saw even when the client attaches a new one meanwhile.
 * Only the event loop thread takes and drops references; workers read
 * base and size, which never change, and set populated. */
struct shm_region {
	unsigned refs;
	uint8_t *base;
	size_t size;
	atomic_int populated;       /* a worker mapped its pages in */
};

/* Map in the pages of [off, off + len), in one system call instead of a
 * fault per page, until a request has succeeded on the region (later
 * requests find them).  Only for pages a valid request is about to
 * write or read in full: a failed request must not commit the rest of a
 * sparse region; done, the request that succeeded says so. */
void shm_populate(struct shm_region *r, size_t off, size_t len, int done);

/* Check that fd is a memfd that cannot shrink below size bytes, and map
 * it shared, read-write.  fd is closed in every case.  Returns
 * SEQPACK_OK and *ret (one reference), or a status and a message. */
int shm_map(int fd, uint64_t size, uint64_t limit, struct shm_region **ret,
	    char *msg, size_t msglen);

struct shm_region *shm_ref(struct shm_region *r);
/* Drop a reference; the last one unmaps.  Accepts NULL. */
void shm_unref(struct shm_region *r);

#endif
