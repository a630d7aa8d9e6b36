/* The budget (see budget.h).  Limits are per connection elsewhere
 * (max-inflight, the output high-water mark); without a sum over all of
 * them, 12 clients sending 64 MiB PACKs at once took the daemon to
 * 2.28 GiB, and 256 clients could ask for ~147 GiB.  Here the bytes held
 * for all clients together are counted, and a connection whose next
 * request does not fit is simply not read until some are given back. */
#include <stdlib.h>

#include "budget.h"
#include "hostmem.h"
#include "log.h"
#include "stats.h"

/* Without a figure for the host's memory (never seen on Linux). */
#define BUDGET_FALLBACK (1ull << 30)

int budget_configure(struct config *c)
{
	uint64_t req = c->max_request_bytes;
	if (c->memory_budget == 0) {
		/* A quarter of what the host (or the unit's MemoryMax=)
		 * offers: a PACK reply is about as large as its request
		 * again, and the workers' own buffers come on top.  At
		 * least two whole requests, so that the default never
		 * refuses one. */
		uint64_t mem = hostmem_limit();
		c->memory_budget = mem ? mem / 4 : BUDGET_FALLBACK;
		if (c->memory_budget < 2 * req)
			c->memory_budget = 2 * req;
	}
	if (c->memory_budget_per_uid == 0)
		c->memory_budget_per_uid = c->memory_budget / 2;
	if (c->memory_budget_per_uid > c->memory_budget)
		c->memory_budget_per_uid = c->memory_budget;
	if (c->max_clients_per_uid == 0) {
		/* a quarter, so that one user cannot lock the others out;
		 * but a tiny max-clients is not cut to one per user */
		uint32_t q = c->max_clients / 4;
		uint32_t floor = c->max_clients < 4 ? c->max_clients : 4;
		c->max_clients_per_uid = q > floor ? q : floor;
	}
	if (c->memory_budget_per_uid < req)
		log_warn("memory-budget-per-uid (%llu bytes) is below max-request-size (%u): larger requests are refused",
			 (unsigned long long)c->memory_budget_per_uid,
			 c->max_request_bytes);
	if (c->memory_budget < 4096) {
		log_err("memory-budget must be at least 4K");
		return -1;
	}
	return 0;
}

static void publish(const struct budget *b)
{
	stats_budget(b->used, b->waiting);
}

void budget_init(struct budget *b, const struct config *c)
{
	*b = (struct budget){.limit = c->memory_budget,
			     .share_limit = c->memory_budget_per_uid};
	stats_budget_limit(b->limit);
	publish(b);
}

uint64_t budget_request_max(const struct budget *b)
{
	return b->share_limit < b->limit ? b->share_limit : b->limit;
}

int budget_fits(const struct budget *b, const struct budget_share *s,
		uint64_t n)
{
	return n <= b->limit - (b->used < b->limit ? b->used : b->limit) &&
	       n <= b->share_limit -
			    (s->used < b->share_limit ? s->used
						      : b->share_limit);
}

void budget_take(struct budget *b, struct budget_share *s, uint64_t n)
{
	if (!n)
		return;
	b->used += n;
	s->used += n;
	publish(b);
}

void budget_give(struct budget *b, struct budget_share *s, uint64_t n)
{
	if (!n)
		return;
	b->used -= n;
	s->used -= n;
	publish(b);
}

void budget_wait(struct budget *b, int delta)
{
	b->waiting += (unsigned)delta;
	if (delta > 0)
		stats_budget_waited();
	publish(b);
}

struct budget_share *budget_share_get(struct budget *b, uid_t uid)
{
	struct budget_share *s;
	for (s = b->shares; s && s->uid != uid; s = s->next)
		;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->uid = uid;
		s->next = b->shares;
		b->shares = s;
	}
	s->refs++;
	return s;
}

void budget_share_put(struct budget *b, struct budget_share *s)
{
	if (!s || --s->refs)
		return;
	for (struct budget_share **p = &b->shares; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	free(s);
}
