/* The client's transport and request loop (client-io.c). */
#ifndef SEQPACK_CLIENT_IO_H
#define SEQPACK_CLIENT_IO_H

#include "client-state.h"

/* Mark the connection unusable and fail with status. */
int client_broken(seqpack_client *c, int status, seqpack_error *err,
		  const char *what) CLIENT_HIDDEN;
/* SEQPACK_ERR_STATE once the connection has failed, else SEQPACK_OK. */
int client_usable(seqpack_client *c, seqpack_error *err) CLIENT_HIDDEN;
/* What every call that talks to the daemon does first: refuse to run
 * from inside a stream pack callback of the same client (the request
 * loop is busy; SEQPACK_ERR_STATE, nothing sent), and start the call's
 * deadline from c->timeout_ms. */
int client_enter(seqpack_client *c, seqpack_error *err) CLIENT_HIDDEN;
/* Only the first half: SEQPACK_ERR_STATE inside a stream pack callback. */
int client_reentered(const seqpack_client *c, seqpack_error *err)
	CLIENT_HIDDEN;
/* Milliseconds left before the call's deadline, at least 1; 0 when the
 * call has no deadline. */
unsigned client_ms_left(const seqpack_client *c) CLIENT_HIDDEN;
/* Start a request of type in c->out; its body follows with sp_put_*. */
void client_begin(seqpack_client *c, uint16_t type) CLIENT_HIDDEN;
/* Send the request begun last (with c->out_fd attached, if any) and wait
 * for its reply, of at most limit bytes, until the call's deadline
 * (SEQPACK_ERR_TIMEOUT).  A failure leaves c->retryable set when the
 * daemon went away before answering (client-retry.c).  Stream events met on the way
 * go to c->on_stream_event.  On success body reads the reply after its
 * status; a daemon's error arrives as its status and message. */
int client_call(seqpack_client *c, size_t limit, struct sp_rd *body,
		seqpack_error *err) CLIENT_HIDDEN;
/* A reply must end where its last field does. */
int client_reply_end(seqpack_client *c, const struct sp_rd *r,
		     const char *malformed, seqpack_error *err) CLIENT_HIDDEN;

#endif
