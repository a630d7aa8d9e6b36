/* The daemon's event loop. */
#ifndef SEQPACKD_SERVER_H
#define SEQPACKD_SERVER_H

#include "config.h"

/* Serve until stopped by a signal; the exit status.  Resolves the
 * settings left to the number of CPUs (threads, max-pack-threads) in
 * cfg, which every job then reads. */
int server_run(struct config *cfg);

#endif
