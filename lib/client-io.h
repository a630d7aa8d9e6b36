/* The client's transport and request loop (client-io.c). */
#ifndef SEQPACK_CLIENT_IO_H
#define SEQPACK_CLIENT_IO_H

#include "client-state.h"

/* Mark the connection unusable and fail with status. */
int client_broken(seqpack_client *c, int status, seqpack_error *err,
		  const char *what) CLIENT_HIDDEN;
/* SEQPACK_ERR_STATE once the connection has failed, else SEQPACK_OK. */
int client_usable(seqpack_client *c, seqpack_error *err) CLIENT_HIDDEN;
/* Start a request of type in c->out; its body follows with sp_put_*. */
void client_begin(seqpack_client *c, uint16_t type) CLIENT_HIDDEN;
/* Send the request begun last (with c->out_fd attached, if any) and wait
 * for its reply, of at most limit bytes.  Stream events met on the way
 * go to c->on_stream_event.  On success body reads the reply after its
 * status; a daemon's error arrives as its status and message. */
int client_call(seqpack_client *c, size_t limit, struct sp_rd *body,
		seqpack_error *err) CLIENT_HIDDEN;
/* A reply must end where its last field does. */
int client_reply_end(seqpack_client *c, const struct sp_rd *r,
		     const char *malformed, seqpack_error *err) CLIENT_HIDDEN;

#endif
