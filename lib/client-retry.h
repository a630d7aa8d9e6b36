/* The one transparent reconnect of idempotent requests (client-retry.c)
 * and the reconnect itself (client.c). */
#ifndef SEQPACK_CLIENT_RETRY_H
#define SEQPACK_CLIENT_RETRY_H

#include "client-state.h"

/* After an idempotent request failed with *rc: when the daemon went away
 * before answering it (c->retryable), connect again to the same socket,
 * redo HELLO and return 1, so that the caller sends its request once
 * more (and returns what that gives).  Otherwise return 0 with *rc and
 * err saying why the call failed. */
int client_retry(seqpack_client *c, int *rc, seqpack_error *err) CLIENT_HIDDEN;

/* A new connection to c->path in place of the broken one, and its
 * HELLO, within the call's deadline. */
int client_reconnect(seqpack_client *c, seqpack_error *err) CLIENT_HIDDEN;

#endif
