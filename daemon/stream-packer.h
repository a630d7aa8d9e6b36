/* A connection's stream packer: the process that runs the plugins of
 * that connection's streams (isolation = process), seen from the worker
 * thread that holds the connection's stream lane.  Started at the
 * connection's first STREAM_OPEN, killed when the connection is freed or
 * when a plugin in it crashes or overruns request-timeout; at most
 * max-stream-packers live at once in the daemon. */
#ifndef SEQPACKD_STREAM_PACKER_H
#define SEQPACKD_STREAM_PACKER_H

#include <stdint.h>

#include <seqpack/seqpack.h>

#include "config.h"
#include "packer-shm.h"

struct stream_packer;

/* Start one on reg's plugin path and wait until its plugins are loaded.
 * SEQPACK_ERR_LIMIT naming max-stream-packers when that many run. */
int stream_packer_new(const struct config *cfg, seqpack_registry *reg,
		      struct stream_packer **ret, seqpack_error *err);
/* SIGKILL and reap it (its streams are being dropped anyway, and a
 * plugin's stream_close must not hold the caller).  Accepts NULL. */
void stream_packer_free(struct stream_packer *sp);
/* The registry it was started for. */
seqpack_registry *stream_packer_registry(const struct stream_packer *sp);

/* A zeroed head for the next op with room for n pushes (*pushes) and
 * the events of k sequences; valid until the next call on sp. */
int stream_packer_prepare(struct stream_packer *sp, uint64_t n, uint64_t k,
			  struct stream_head **h, struct stream_push **pushes,
			  seqpack_error *err);
/* Run the op prepared.  SEQPACK_OK when the packer answered: its
 * status is in the head.  When it does not answer within
 * request-timeout (SEQPACK_ERR_TIMEOUT) or dies (SEQPACK_ERR_PLUGIN) it
 * is killed and reaped, err names plugin and how, and only
 * stream_packer_free() is left to do. */
int stream_packer_run(struct stream_packer *sp, const char *plugin,
		      seqpack_error *err);
/* Each event of the op's answer to fn, in order; -1 when the packer
 * wrote something that does not parse, else fn's first non-zero or 0. */
int stream_packer_events(struct stream_packer *sp,
			 int (*fn)(void *ctx, const struct stream_event *ev,
				   const uint64_t *ids),
			 void *ctx);

#endif
