/* The descriptor limit: raised at start as far as the hard limit allows,
 * and checked against what the configuration may need. */
#ifndef SEQPACKD_FDLIMIT_H
#define SEQPACKD_FDLIMIT_H

#include "config.h"

/* Raise the soft RLIMIT_NOFILE to the hard one, and warn when
 * max-clients (plus the daemon's own descriptors) cannot fit in it. */
void fdlimit_raise(const struct config *cfg);

#endif
