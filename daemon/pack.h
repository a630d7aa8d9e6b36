/* PACK and PACK_SHM, and the state a worker thread keeps for them. */
#ifndef SEQPACKD_PACK_H
#define SEQPACKD_PACK_H

#include "job.h"

/* A worker's workspace and lengths buffer, reused from one PACK to the
 * next: one per worker thread, never shared. */
struct pack_ws;

/* Once, before the pool starts: with isolation = process each
 * workspace starts its packer process on reg (see packer.h). */
void pack_setup(const struct config *cfg, seqpack_registry *reg);
struct pack_ws *pack_ws_new(void);
void pack_ws_free(struct pack_ws *ws);

/* *algo is set to the algorithm's name once it is known to exist. */
int handle_pack(struct pack_ws *ws, struct job *j, const char **algo);
int handle_pack_shm(struct pack_ws *ws, struct job *j, const char **algo);

#endif
