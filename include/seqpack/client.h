/*
 * client.h - talk to seqpackd, the packing daemon, over its Unix socket.
 *
 * The client returns the same types as in-process packing
 * (<seqpack/seqpack.h>), so switching is one line:
 *
 *     seqpack_pack(reg, "obfd", lengths, n, &params, &r, &err);
 *     seqpack_client_pack(client, "obfd", lengths, n, &params, &r, &err);
 *
 * give identical results (items, offsets, used and every metric but
 * elapsed_ns, which is the daemon's plugin time).  The wire protocol is
 * described in docs/protocol.md.
 *
 * Conventions are those of seqpack.h: an int status (SEQPACK_OK or a
 * seqpack_status), an optional seqpack_error with a one-line message,
 * outputs written only on success, destructors that accept NULL.  Errors
 * the daemon reports arrive with the daemon's status and message; socket
 * failures are SEQPACK_ERR_IO, a malformed reply SEQPACK_ERR_PROTOCOL.
 * After an I/O or protocol error, or a timeout, the connection is
 * unusable: every later call fails with SEQPACK_ERR_STATE; close it and
 * connect again.
 *
 * Deadlines: with a timeout (seqpack_client_set_timeout(), or
 * $SEQPACK_CLIENT_TIMEOUT_MS read at connect, ignored in setuid programs;
 * 60000 ms by default, 0 for none), every call that talks to the daemon returns within
 * about that many milliseconds of its start: connecting (including the
 * wait for room in the daemon's listen queue), sending, waiting for the
 * reply and any reconnect below share one deadline.  When it passes the
 * call returns SEQPACK_ERR_TIMEOUT with a message naming the timeout and
 * the socket, and the connection is unusable as after an I/O error.
 *
 * One transparent reconnect: when the daemon closes the connection (it
 * restarted, or it closed the connection for idleness) before any byte
 * of the reply to HELLO, LIST, STATS or PACK arrived -- these change
 * nothing on the daemon --, the call connects once more to the same
 * socket, exchanges HELLO (and, for a shared-memory PACK, attaches a new
 * region) and sends the request again; a second failure is returned,
 * with both reasons in the message.  Nothing else is resent: stream
 * requests never are (a stream's state dies with the daemon's
 * connection; after a reconnect made by another call, an open stream
 * fails with SEQPACK_ERR_IO), and a reply that had begun to arrive or a
 * timeout is not retried.
 *
 * Large PACKs (16384 lengths and more) travel in shared memory when the
 * daemon and the kernel allow it: the client keeps one sealed memfd per
 * connection, passes it to the daemon once (SHM_ATTACH), and from then on
 * sends only the request's parameters over the socket while the lengths
 * and the result sit in that memory.  Results are identical either way;
 * an older daemon, or a kernel without memfd_create(), silently gets the
 * socket.  The region (16 bytes per length of the largest request so
 * far, rounded up to a power of two, 256 KiB at least) only grows, as a
 * workspace's buffers do; closing the client releases it.
 * $SEQPACK_CLIENT_SHM, read at connect (ignored in setuid programs),
 * overrides the choice: "never" (or "0") always uses the socket,
 * "always" (or "1") uses shared memory for every PACK.
 *
 * Threads: a seqpack_client (and its streams) belongs to one thread at a
 * time; calls block until the daemon answers.  Use one client per thread
 * (connections are cheap: the daemon serves them concurrently).
 */
#ifndef SEQPACK_CLIENT_H
#define SEQPACK_CLIENT_H

#include <seqpack/seqpack.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Socket used when seqpack_client_connect() gets path NULL and
 *  $SEQPACK_SOCKET is unset. */
#define SEQPACK_DEFAULT_SOCKET "/run/seqpack/seqpackd.sock"

typedef struct seqpack_client seqpack_client;

/** Connect to the daemon at path (NULL: $SEQPACK_SOCKET, ignored in
 *  setuid programs, else SEQPACK_DEFAULT_SOCKET) and exchange HELLO, so a
 *  daemon speaking an incompatible protocol is refused here
 *  (SEQPACK_ERR_PROTOCOL).  Connection failures are SEQPACK_ERR_IO, or
 *  SEQPACK_ERR_PERMISSION when the socket or the daemon refuses us. */
int seqpack_client_connect(const char *path, seqpack_client **ret,
			   seqpack_error *err);

/** Close the connection and free the client.  Streams still open on it
 *  are freed too: do not use or free them afterwards.  Called from a
 *  stream pack callback, the close happens when the stream call that ran
 *  the callback ends (that call then fails with SEQPACK_ERR_STATE).
 *  Accepts NULL; returns NULL. */
seqpack_client *seqpack_client_close(seqpack_client *c);

/** What the daemon says about itself in its HELLO reply. */
typedef struct seqpack_daemon_info {
	uint32_t protocol;          /* protocol version in use */
	uint32_t protocol_min;      /* oldest version the daemon speaks */
	uint32_t protocol_max;      /* newest version the daemon speaks */
	char version[32];           /* daemon's seqpack version */
	uint32_t max_request_bytes; /* largest request payload accepted */
	uint32_t max_lengths;       /* most lengths in one PACK */
	uint32_t max_inflight;      /* requests read ahead per connection */
	uint32_t max_streams;       /* open streams per connection */
	uint32_t read_timeout_ms;   /* time to send one whole request */
	uint32_t idle_timeout_ms;   /* idle connections are closed after */
} seqpack_daemon_info;

/** Send HELLO and fill *ret with the daemon's answer. */
int seqpack_client_hello(seqpack_client *c, seqpack_daemon_info *ret,
			 seqpack_error *err);

/** Bound every later call on c (and its streams) to timeout_ms
 *  milliseconds from its start; 0 removes the bound.  Replaces what
 *  $SEQPACK_CLIENT_TIMEOUT_MS set at connect.  SEQPACK_ERR_INVALID when
 *  c is NULL, else SEQPACK_OK.  Since SEQPACK_0.1. */
int seqpack_client_set_timeout(seqpack_client *c, unsigned timeout_ms);

/** The algorithms the daemon serves.  Strings are owned by the list. */
typedef struct seqpack_algorithm_list {
	size_t count;
	seqpack_plugin_info *algorithms; /* path is the daemon's file */
} seqpack_algorithm_list;

/** Ask the daemon which algorithms it has loaded (LIST), in its registry
 *  order.  Free *ret with seqpack_algorithm_list_free(). */
int seqpack_client_list(seqpack_client *c, seqpack_algorithm_list **ret,
			seqpack_error *err);

/** Free a list.  Accepts NULL; returns NULL. */
seqpack_algorithm_list *seqpack_algorithm_list_free(
	seqpack_algorithm_list *l);

/** Pack n lengths on the daemon with the named algorithm.  Same contract
 *  as seqpack_pack(): *ret is a new result to free with
 *  seqpack_result_free().  The daemon always verifies the plugin's answer;
 *  with SEQPACK_PARAM_VERIFY the client verifies it again against the
 *  lengths it sent, and without it checks only that the arrays are safe
 *  to index (offsets rising from 0 to n, every item below n, no bin over
 *  capacity), as in-process packing without it checks nothing.  More lengths than the daemon's max_lengths, or a
 *  request above max_request_bytes, fail with SEQPACK_ERR_LIMIT without
 *  being sent. */
int seqpack_client_pack(seqpack_client *c, const char *algorithm,
			const uint32_t *lengths, size_t n,
			const seqpack_params *params, seqpack_result **ret,
			seqpack_error *err);

/** Like seqpack_client_pack(), but *ret points into the client, as
 *  seqpack_workspace_pack()'s result points into its workspace: it stays
 *  valid until the next seqpack_client_pack_reuse() or
 *  seqpack_client_pack() on c, or its close, and must not be freed.
 *  Repeated calls reuse the same memory, so after the first they pay no
 *  allocation and no page faults: the call for a loop.  On the shared
 *  memory path the result's arrays are the client's view of that memory,
 *  read (and verified) in place. */
int seqpack_client_pack_reuse(seqpack_client *c, const char *algorithm,
			      const uint32_t *lengths, size_t n,
			      const seqpack_params *params,
			      const seqpack_result **ret, seqpack_error *err);

/** One daemon counter ("uptime_ns", "requests.pack", ...; the names are
 *  listed in docs/protocol.md). */
typedef struct seqpack_stat {
	const char *name;
	uint64_t value;
} seqpack_stat;

/** The daemon's statistics, in the daemon's order. */
typedef struct seqpack_daemon_stats {
	size_t count;
	seqpack_stat *stats;
} seqpack_daemon_stats;

/** Fetch the daemon's statistics (STATS).  Free *ret with
 *  seqpack_daemon_stats_free(). */
int seqpack_client_stats(seqpack_client *c, seqpack_daemon_stats **ret,
			 seqpack_error *err);

/** The value of the counter called name, or 0 when absent. */
uint64_t seqpack_daemon_stats_get(const seqpack_daemon_stats *s,
				  const char *name);

/** Free statistics.  Accepts NULL; returns NULL. */
seqpack_daemon_stats *seqpack_daemon_stats_free(seqpack_daemon_stats *s);

/* ------------------------------------------------------------------ */
/* Streaming through the daemon                                        */

typedef struct seqpack_client_stream seqpack_client_stream;

/** Open a stream on the daemon (STREAM_OPEN); same contract as
 *  seqpack_stream_open(): cb gets every pack in order, with the caller's
 *  ids.  To save round trips, pushes are buffered and sent in batches, so
 *  cb runs during a later push, a flush or the finish, and a plugin's
 *  failure is reported by the call that sent the batch.  Lengths are
 *  checked against the capacity at once, as in-process.
 *
 *  cb runs while the client waits for a reply, so from cb no call on the
 *  same client or any of its streams may talk to the daemon: pack, list,
 *  stats, hello, stream open, push, flush and finish return
 *  SEQPACK_ERR_STATE ("used from a stream pack callback") without
 *  touching the connection, which stays usable.  Freeing a stream (or
 *  closing the client) from cb is deferred to the end of the call that
 *  ran cb; freeing the stream being delivered makes that call return
 *  SEQPACK_ERR_STATE.  Other clients may be used freely from cb. */
int seqpack_client_stream_open(seqpack_client *c, const char *algorithm,
			       const seqpack_params *params,
			       seqpack_pack_cb cb, void *ctx,
			       seqpack_client_stream **ret,
			       seqpack_error *err);

/** Add one sequence (buffered; see above). */
int seqpack_client_stream_push(seqpack_client_stream *s, uint64_t id,
			       uint32_t length, seqpack_error *err);

/** Send the buffered pushes now and deliver the packs they closed. */
int seqpack_client_stream_flush(seqpack_client_stream *s, seqpack_error *err);

/** Send the rest, emit every pack still open.  After finish only free is
 *  valid. */
int seqpack_client_stream_finish(seqpack_client_stream *s,
				 seqpack_error *err);

/** Number of packs delivered to the callback so far. */
uint64_t seqpack_client_stream_packs(const seqpack_client_stream *s);

/** Free a stream; an unfinished one is closed on the daemon (its open
 *  packs dropped).  Accepts NULL; returns NULL. */
seqpack_client_stream *seqpack_client_stream_free(seqpack_client_stream *s);

#ifdef __cplusplus
}
#endif

#endif /* SEQPACK_CLIENT_H */
