/* Daemon statistics, answered by STATS.  Updated from the event loop and
 * the workers under one mutex: updates are a few additions per request. */
#ifndef SEQPACKD_STATS_H
#define SEQPACKD_STATS_H

#include <stdint.h>

#include "proto.h"

void stats_init(void);
void stats_connection(int opened);   /* +1 open, -1 closed */
void stats_rejected(void);
void stats_timed_out(void);
void stats_bytes(uint64_t in, uint64_t out);
void stats_bad_frame(void);          /* a header we could not accept */
void stats_reload(void);
/* The memory budget (budget.c): its limit, the bytes held and the
 * connections waiting now, and one more wait begun. */
void stats_budget_limit(uint64_t limit);
void stats_budget(uint64_t used, unsigned waiting);
void stats_budget_waited(void);
/* One request of type done; algorithm NULL when not a known one. */
void stats_request(uint16_t type, const char *algorithm, int failed,
		   uint64_t latency_ns);
/* Append the STATS body (after the status): count, then name/value. */
void stats_encode(struct sp_buf *b, uint64_t plugins, uint32_t workers);

#endif
