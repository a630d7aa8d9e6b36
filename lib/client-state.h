/* The seqpackd client's state, shared by its source files (each of
 * lib/client*.c does one job: the connection, the request loop, LIST and
 * STATS, PACK, the checks of its reply, shared memory, streams, and has
 * a header of its own for what it provides).  Not installed; every
 * symbol is hidden. */
#ifndef SEQPACK_CLIENT_STATE_H
#define SEQPACK_CLIENT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include <seqpack/client.h>

#include "proto.h"
#include "util-internal.h"

#define CLIENT_HIDDEN __attribute__((visibility("hidden")))

/* A reply to HELLO, SHM_ATTACH or a stream request is a few fields or an
 * error message; a longer one is a broken daemon. */
#define CLIENT_SHORT_REPLY 4096u

struct seqpack_client {
	int fd;
	int broken;              /* after an I/O or protocol error */
	/* The socket, for the messages and the one reconnect (client.c,
	 * client-retry.c). */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/* Deadlines (client-io.c): every call that talks to the daemon must
	 * be done within timeout_ms (0: no limit) of its start. */
	unsigned timeout_ms;
	uint64_t deadline_ns;    /* of the call in progress; 0: none */
	/* What the last client_call() saw go wrong: the daemon hung up
	 * (EOF, EPIPE, ECONNRESET) or closed the idle connection before a
	 * byte of the reply arrived, so that resending is safe. */
	int retryable;
	int peer_gone;
	size_t reply_bytes;
	/* A stream pack callback is running inside the request loop: the
	 * client must not start another request (client_enter), and a
	 * close from the callback waits for the loop to end. */
	int in_callback;
	int close_pending;
	seqpack_daemon_info info;
	/* The request being built and sent: one at a time per connection,
	 * so its header's place, type and id sit next to its bytes. */
	struct sp_buf out;
	size_t out_off;
	uint16_t out_type;
	uint64_t out_id;
	uint64_t next_id;
	int out_fd;              /* descriptor to send with c->out, or -1 */
	uint8_t *in;             /* the payload last received */
	size_t incap;
	/* Streams (client-stream.c).  The request loop hands stream pack
	 * events to on_stream_event, set at connect, and so needs to know
	 * nothing of streams. */
	int (*on_stream_event)(struct seqpack_client *c, size_t length,
			       seqpack_error *err);
	uint64_t *ids;           /* scratch for stream events */
	size_t idscap;
	seqpack_client_stream **streams;
	size_t nstreams;
	/* Shared memory (SHM_ATTACH, PACK_SHM): one region, reused. */
	int shm_mode;            /* see client-shm.c */
	int shm_off;             /* the daemon or the kernel cannot */
	uint8_t *shm;            /* our mapping of the attached memfd */
	size_t shm_size;
	/* What seqpack_client_pack_reuse() returns: arrays it owns (socket
	 * path) or a view of the region (shared memory path). */
	seqpack_result own, view;
	size_t own_cap;          /* slots in own's arrays */
};

/* What PACK and STREAM_OPEN check before a round trip, with the messages
 * of in-process packing: the algorithm's name could be the daemon's, and
 * the parameters are valid. */
static inline int client_check_request(const char *algorithm,
				       const seqpack_params *params,
				       seqpack_error *err)
{
	if (!algorithm)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "algorithm name is required");
	if (strlen(algorithm) >= SEQPACK_NAME_MAX)
		return seterr(err, SEQPACK_ERR_NOT_FOUND,
			      "unknown algorithm '%.40s': names are at most %u characters",
			      algorithm, SEQPACK_NAME_MAX - 1);
	return seqpack_params_check(params, err);
}

#endif
