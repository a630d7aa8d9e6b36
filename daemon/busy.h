/* How long each worker thread has been in the job it runs, for the
 * watchdog: a worker stuck far past the request deadline is a wedged
 * daemon even while the event loop still turns. */
#ifndef SEQPACKD_BUSY_H
#define SEQPACKD_BUSY_H

#include <stdint.h>

/* The calling worker starts (busy_begin) or ends (busy_end) a job. */
void busy_begin(void);
void busy_end(void);
/* The longest time, in ms, that any worker has been in its current job
 * (0 when all are idle).  Any thread. */
uint64_t busy_longest_ms(uint64_t now_ms);

#endif
