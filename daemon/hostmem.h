/* How much memory the daemon may count on: the host's physical memory,
 * or the memory limit of the cgroup it runs in when that is lower (the
 * unit's MemoryMax=). */
#ifndef SEQPACKD_HOSTMEM_H
#define SEQPACKD_HOSTMEM_H

#include <stdint.h>

/* Bytes; 0 when neither can be found out. */
uint64_t hostmem_limit(void);

#endif
