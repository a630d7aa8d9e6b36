/* A worker thread's packer process, seen from the thread: started,
 * handed PACKs through shared memory, timed, and replaced when it
 * crashes, hangs or was started for an older registry. */
#ifndef SEQPACKD_PACKER_H
#define SEQPACKD_PACKER_H

#include <stdint.h>

#include <seqpack/seqpack.h>

#include "config.h"

struct packer;

/* Once at start, before any thread: where the daemon's own binary is
 * (/proc/self/exe), for every packer started later.  -1 when unknown
 * (logged). */
int packer_init(void);
/* A packer for one worker thread, started at once on reg (which it
 * references while the process lives); NULL when out of memory.  A
 * process that fails to start is logged and retried on the next PACK. */
struct packer *packer_new(const struct config *cfg, seqpack_registry *reg);
/* Close the packer's socket and wait for the process to exit. */
void packer_free(struct packer *p);

/* Room for n lengths in the shared memory: *ret, valid until the next
 * call on p. */
int packer_lengths(struct packer *p, uint32_t n, uint32_t **ret,
		   seqpack_error *err);
/* Pack the n lengths written at packer_lengths() with algorithm name on
 * a packer started for reg.  On success *res describes the result,
 * its arrays in the shared memory (valid until the next call on p).  A
 * packer that does not answer within request-timeout is killed:
 * SEQPACK_ERR_TIMEOUT; one that dies: SEQPACK_ERR_PLUGIN.  Both name
 * the plugin, and the packer is replaced before this returns. */
int packer_pack(struct packer *p, seqpack_registry *reg, const char *name,
		const seqpack_params *params, uint32_t n, seqpack_result *res,
		seqpack_error *err);

/* Second stop signal: SIGKILL every packer process, from any thread. */
void packer_kill_all(void);

#endif
