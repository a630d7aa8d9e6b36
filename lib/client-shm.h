/* The client's shared-memory region and PACK_SHM (client-shm.c). */
#ifndef SEQPACK_CLIENT_SHM_H
#define SEQPACK_CLIENT_SHM_H

#include "client-check.h"

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
/* Drop the region after a reconnect: the new daemon never mapped it. */
void client_shm_forget(seqpack_client *c) CLIENT_HIDDEN;

#endif
