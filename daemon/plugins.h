/* Loading the algorithms the daemon serves. */
#ifndef SEQPACKD_PLUGINS_H
#define SEQPACKD_PLUGINS_H

#include <seqpack/seqpack.h>

#include "config.h"

/* Open a registry on the configured plugin path, logging its
 * diagnostics and what it loaded; -1 (logged) when it cannot. */
int plugins_open(const struct config *cfg, seqpack_registry **ret);

#endif
