/* The client's streams (client-stream.c), as the connection sees them. */
#ifndef SEQPACK_CLIENT_STREAM_H
#define SEQPACK_CLIENT_STREAM_H

#include "client-state.h"

/* Hand a stream pack event (in c->in) to its stream. */
int client_stream_event(seqpack_client *c, size_t length,
			seqpack_error *err) CLIENT_HIDDEN;
/* The daemon's side of every stream died with the old connection. */
void client_streams_lost(seqpack_client *c) CLIENT_HIDDEN;
/* Free the streams still open, as the connection goes. */
void client_streams_close(seqpack_client *c) CLIENT_HIDDEN;

#endif
