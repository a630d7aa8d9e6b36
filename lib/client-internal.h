/* The seqpackd client's private state and what its source files share:
 * the connection, the request loop, LIST and STATS, PACK, the checks of
 * its reply, the shared-memory path and the streams each live in their
 * own lib/client-*.c and meet only through this header.  Not installed;
 * every symbol is hidden. */
#ifndef SEQPACK_CLIENT_INTERNAL_H
#define SEQPACK_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
	/* Streams (client-stream.c). */
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

/* client-io.c: the transport and the request loop. */

/* Mark the connection unusable and fail with status. */
int client_broken(seqpack_client *c, int status, seqpack_error *err,
		  const char *what) CLIENT_HIDDEN;
/* SEQPACK_ERR_STATE once the connection has failed, else SEQPACK_OK. */
int client_usable(seqpack_client *c, seqpack_error *err) CLIENT_HIDDEN;
/* Start a request of type in c->out; its body follows with sp_put_*. */
void client_begin(seqpack_client *c, uint16_t type) CLIENT_HIDDEN;
/* Send the request begun last (with c->out_fd attached, if any) and wait
 * for its reply, of at most limit bytes.  Stream events met on the way
 * go to their streams.  On success body reads the reply after its
 * status; a daemon's error arrives as its status and message. */
int client_call(seqpack_client *c, size_t limit, struct sp_rd *body,
		seqpack_error *err) CLIENT_HIDDEN;
/* A reply must end where its last field does. */
int client_reply_end(seqpack_client *c, const struct sp_rd *r,
		     const char *malformed, seqpack_error *err) CLIENT_HIDDEN;

/* client-stream.c: streams. */

/* Hand a stream pack event (in c->in) to its stream. */
int client_stream_event(seqpack_client *c, size_t length,
			seqpack_error *err) CLIENT_HIDDEN;
/* Free the streams still open, as the connection goes. */
void client_streams_close(seqpack_client *c) CLIENT_HIDDEN;

/* client-check.c: what a PACK reply must pass before a caller sees it. */

/* The largest PACK or PACK_SHM reply without the arrays: status, name,
 * counts and metrics, or an error message of up to 64 KiB. */
#define CLIENT_PACK_HEAD_MAX (4 + 2 + SEQPACK_NAME_MAX + 8 + 9 * 8 + (1u << 16))

/* Where a pack call puts its result: a new one for seqpack_client_pack(),
 * the client's for seqpack_client_pack_reuse(). */
struct pack_out {
	seqpack_result **fresh;
	const seqpack_result **reuse;
};

/* Decode the head of a PACK or PACK_SHM reply body (name, counts and
 * metrics) for the n lengths we sent, into res (arrays untouched). */
int client_decode_head(seqpack_client *c, struct sp_rd *r, size_t n,
		       seqpack_result *res, seqpack_error *err) CLIENT_HIDDEN;
/* Check res against the request and hand it on as out says; a fresh
 * result that fails is freed. */
int client_deliver(const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_result *res,
		   struct pack_out out, seqpack_error *err) CLIENT_HIDDEN;

/* client-shm.c: the shared-memory region and PACK_SHM. */

/* client_pack_shm(): shared memory is not to be had; use the socket. */
#define USE_SOCKET (-1)

/* Read the caller's choice ($SEQPACK_CLIENT_SHM) at connect. */
void client_shm_init(seqpack_client *c) CLIENT_HIDDEN;
/* PACK through shared memory when it is worth it and to be had; else
 * USE_SOCKET, or the error that broke the connection. */
int client_pack_shm(seqpack_client *c, const char *algorithm,
		    const uint32_t *lengths, size_t n,
		    const seqpack_params *params, struct pack_out out,
		    seqpack_error *err) CLIENT_HIDDEN;
void client_shm_unmap(seqpack_client *c) CLIENT_HIDDEN;

/* client-pack.c: PACK. */

void client_pack_free(seqpack_client *c) CLIENT_HIDDEN;

#endif
