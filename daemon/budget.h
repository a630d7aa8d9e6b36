/* The daemon-wide budget of bytes held for clients (request payloads
 * from their header until their job is back, replies until they are
 * sent) and each UID's share of it and of the connections.  Owned by the
 * event loop thread; the figures go to the statistics as they change. */
#ifndef SEQPACKD_BUDGET_H
#define SEQPACKD_BUDGET_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* What one UID holds, shared by its connections. */
struct budget_share {
	struct budget_share *next;
	uid_t uid;
	unsigned refs;              /* connections, open or owed jobs */
	unsigned live;              /* open connections */
	uint64_t used;              /* bytes its connections hold */
};

struct budget {
	uint64_t limit;             /* memory-budget */
	uint64_t share_limit;       /* memory-budget-per-uid */
	uint64_t used;
	unsigned waiting;           /* connections not read until bytes free */
	struct budget_share *shares;
};

/* Resolve the defaults of memory-budget, memory-budget-per-uid and
 * max-clients-per-uid (0 = derived, see docs/daemon.md) and check them;
 * -1 (logged) when they cannot work. */
int budget_configure(struct config *c);
/* An empty budget with c's limits. */
void budget_init(struct budget *b, const struct config *c);

/* The largest request that can ever fit: larger ones are refused. */
uint64_t budget_request_max(const struct budget *b);
/* Whether n more bytes fit, daemon-wide and in s's share. */
int budget_fits(const struct budget *b, const struct budget_share *s,
		uint64_t n);
/* Count n bytes against both, fitting or not (a reply cannot wait). */
void budget_take(struct budget *b, struct budget_share *s, uint64_t n);
void budget_give(struct budget *b, struct budget_share *s, uint64_t n);
/* A connection starts or stops waiting for bytes. */
void budget_wait(struct budget *b, int delta);

/* uid's share, with a reference taken; NULL when out of memory. */
struct budget_share *budget_share_get(struct budget *b, uid_t uid);
/* Drop the reference; the share goes with its last connection. */
void budget_share_put(struct budget *b, struct budget_share *s);

#endif
