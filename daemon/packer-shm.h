/* What a worker thread and its packer process share: the layout of the
 * memfd that carries a PACK's lengths in and its result out, and the two
 * small messages on their SOCK_SEQPACKET pair that say "go" and "done".
 * Both sides are the same binary (seqpackd --packer), so the layout is a
 * plain struct, never on any wire. */
#ifndef SEQPACKD_PACKER_SHM_H
#define SEQPACKD_PACKER_SHM_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

/* The descriptors a packer process finds open at exec. */
#define PACKER_SOCK_FD 3
#define PACKER_SHM_FD 4

/* At the start of the memfd.  The thread writes the request part before
 * sending "go" and reads the answer part only after "done" came; the
 * packer does the reverse.  Nothing the packer wrote is trusted: the
 * thread checks n and nbins before it uses them as sizes. */
struct packer_head {
	/* request */
	char name[SEQPACK_NAME_MAX];
	seqpack_params params;
	uint64_t n;
	/* answer */
	int32_t status;
	char message[sizeof(((seqpack_error *)0)->message)];
	char algorithm[SEQPACK_NAME_MAX];
	uint64_t rn, nbins;
	seqpack_metrics metrics;
};

/* Then, 64-byte aligned: lengths[n], items[n], offsets[n + 1], used[n]
 * (a packing has at most n bins). */
#define PACKER_DATA_OFF ((sizeof(struct packer_head) + 63) & ~(size_t)63)

static inline size_t packer_shm_bytes(uint64_t n)
{
	return PACKER_DATA_OFF + (size_t)(4 * n + 1) * 4;
}

/* "go" (thread to packer) and "done" (packer to thread).  seq matches a
 * done to its go; size is the memfd's length, which the packer maps
 * again when it grew.  The packer's first message, before any go, is a
 * done with seq 0: its registry is open. */
struct packer_msg {
	uint64_t seq;
	uint64_t size;
};

#endif
