/* PACK (client-pack.c): what the connection releases of it. */
#ifndef SEQPACK_CLIENT_PACK_H
#define SEQPACK_CLIENT_PACK_H

#include "client-state.h"

void client_pack_free(seqpack_client *c) CLIENT_HIDDEN;

#endif
