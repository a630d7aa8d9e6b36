/* read-timeout and idle-timeout. */
#ifndef SEQPACKD_TIMEOUT_H
#define SEQPACKD_TIMEOUT_H

#include <stdint.h>

#include "conn.h"

/* Act on every deadline of t's connections passed at now (ms); returns
 * the next deadline, or UINT64_MAX. */
uint64_t timeouts_check(struct conn_table *t, uint64_t now);

#endif
