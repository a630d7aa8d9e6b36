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

/* A stream packer (seqpackd --packer ... --streams) runs the stream
 * requests of one connection, on the same memfd and the same go/done
 * messages, with this head in place of packer_head.  The thread sizes
 * the memfd for the worst case before each go: n pushes, then the
 * events of every sequence the stream may emit (those it held and the
 * n new ones), so the packer never needs more room. */
#define PACKER_STREAMS_ARG "--streams"

enum stream_op {
	STREAM_OP_OPEN = 1,
	STREAM_OP_PUSH,
	STREAM_OP_FINISH,
	STREAM_OP_CLOSE,
};

struct stream_head {
	/* request */
	uint32_t op;            /* enum stream_op */
	uint32_t slot;          /* the stream in the packer: its slot */
	uint32_t id;            /* its id on the wire, for messages */
	uint32_t max_held;      /* push: max-stream-ids */
	char name[SEQPACK_NAME_MAX];    /* open */
	seqpack_params params;          /* open */
	uint64_t n;             /* push: struct stream_push[n] at
				 * PACKER_STREAM_DATA_OFF */
	uint64_t out_off, out_bytes;    /* where the events go */
	/* answer */
	int32_t status;
	char message[sizeof(((seqpack_error *)0)->message)];
	uint64_t held;          /* sequences the stream holds after it */
	uint64_t packs;         /* seqpack_stream_packs() after it */
	uint64_t out_used;      /* bytes of events written at out_off */
};

struct stream_push {
	uint64_t id;
	uint32_t length;
	uint32_t pad;
};

/* One closed pack, in pack order; ids[count] (uint64_t) follow it. */
struct stream_event {
	uint64_t pack, used, count;
};

#define PACKER_STREAM_DATA_OFF \
	((sizeof(struct stream_head) + 63) & ~(size_t)63)

/* The event room for k sequences: at worst one event each. */
static inline size_t packer_stream_out_bytes(uint64_t k)
{
	return (size_t)k * (sizeof(struct stream_event) + 8);
}

#endif
