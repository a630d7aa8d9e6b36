/* See busy.h.  Each worker registers one record the first time it runs
 * a job and keeps it for the daemon's life; the start time is an atomic,
 * so the workers never take the lock after that, and the event loop
 * takes it only to walk the list once per watchdog interval. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "busy.h"
#include "util/clock-internal.h"

struct busy {
	_Atomic uint64_t since_ms; /* 0: idle */
	struct busy *next;
};

static struct {
	pthread_mutex_t lock;
	struct busy *head;
} all = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct busy *mine;

void busy_begin(void)
{
	if (!mine) {
		mine = calloc(1, sizeof(*mine));
		if (!mine)
			return; /* this worker is then never counted */
		pthread_mutex_lock(&all.lock);
		mine->next = all.head;
		all.head = mine;
		pthread_mutex_unlock(&all.lock);
	}
	uint64_t now = util_now_ms();
	atomic_store(&mine->since_ms, now ? now : 1);
}

void busy_end(void)
{
	if (mine)
		atomic_store(&mine->since_ms, 0);
}

uint64_t busy_longest_ms(uint64_t now_ms)
{
	uint64_t longest = 0;
	pthread_mutex_lock(&all.lock);
	for (struct busy *b = all.head; b; b = b->next) {
		uint64_t since = atomic_load(&b->since_ms);
		if (since && now_ms > since && now_ms - since > longest)
			longest = now_ms - since;
	}
	pthread_mutex_unlock(&all.lock);
	return longest;
}
