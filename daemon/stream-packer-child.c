/* See stream-packer-child.h.  The process is single-threaded and serves
 * one op at a time, so the streams and the room their events go to are
 * plain statics.  The bookkeeping is the one streams.c does in-thread
 * (held counted before the push, max-stream-ids refused with the same
 * message), so both isolation modes answer the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packer-shm.h"
#include "stream-packer-child.h"

/* Slots are the thread's (at most max-streams); this only stops a
 * corrupt head from making the table huge. */
#define SLOTS_MAX 65536

struct cstream {
	seqpack_stream *s;
	uint64_t held;
};

static struct cstream **slots;
static size_t nslots;

/* Where the events of the op being served go. */
static struct {
	uint8_t *p;
	size_t cap, len;
} out;

static int emit(void *ctx, uint64_t pack, const uint64_t *ids, size_t count,
		uint64_t used)
{
	struct cstream *cs = ctx;
	cs->held -= count; /* the core checked count against what it holds */
	size_t need = sizeof(struct stream_event) + count * 8;
	if (need > out.cap - out.len)
		return 1; /* sized for the worst case: cannot happen */
	struct stream_event ev = {.pack = pack, .used = used, .count = count};
	memcpy(out.p + out.len, &ev, sizeof(ev));
	memcpy(out.p + out.len + sizeof(ev), ids, count * 8);
	out.len += need;
	return 0;
}

static int fail(struct stream_head *h, int status, const char *msg)
{
	h->status = status;
	snprintf(h->message, sizeof(h->message), "%s", msg);
	return status;
}

static void drop(uint32_t slot)
{
	if (slot < nslots && slots[slot]) {
		seqpack_stream_free(slots[slot]->s);
		free(slots[slot]);
		slots[slot] = NULL;
	}
}

static void do_open(seqpack_registry *reg, struct stream_head *h)
{
	if (h->slot >= SLOTS_MAX) {
		fail(h, SEQPACK_ERR_INVALID, "stream slot out of range");
		return;
	}
	if (h->slot >= nslots) {
		size_t n = (size_t)h->slot + 1;
		struct cstream **v = realloc(slots, n * sizeof(*v));
		if (!v) {
			fail(h, SEQPACK_ERR_NOMEM, "out of memory");
			return;
		}
		memset(v + nslots, 0, (n - nslots) * sizeof(*v));
		slots = v;
		nslots = n;
	}
	drop(h->slot);
	struct cstream *cs = calloc(1, sizeof(*cs));
	if (!cs) {
		fail(h, SEQPACK_ERR_NOMEM, "out of memory");
		return;
	}
	char name[SEQPACK_NAME_MAX];
	memcpy(name, h->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	seqpack_params p = h->params;
	seqpack_error err;
	h->status = seqpack_stream_open(reg, name, &p, emit, cs, &cs->s, &err);
	if (h->status != SEQPACK_OK) {
		memcpy(h->message, err.message, sizeof(h->message));
		free(cs);
		return;
	}
	slots[h->slot] = cs;
}

static void do_push(struct cstream *cs, struct stream_head *h,
		    const struct stream_push *v)
{
	seqpack_error err;
	for (uint64_t i = 0; i < h->n; i++) {
		if (cs->held >= h->max_held) {
			h->status = SEQPACK_ERR_LIMIT;
			snprintf(h->message, sizeof(h->message),
				 "stream %u holds %llu sequences not yet packed (max-stream-ids = %u): pushed %llu of this request's %llu; finish or close the stream",
				 h->id, (unsigned long long)cs->held,
				 h->max_held, (unsigned long long)i,
				 (unsigned long long)h->n);
			return;
		}
		cs->held++;
		int rc = seqpack_stream_push(cs->s, v[i].id, v[i].length, &err);
		if (rc != SEQPACK_OK) {
			if (cs->held)
				cs->held--;
			h->status = rc;
			memcpy(h->message, err.message, sizeof(h->message));
			return;
		}
	}
}

void stream_child_serve(seqpack_registry *reg, uint8_t *map, size_t size)
{
	struct stream_head *h = (struct stream_head *)map;
	h->status = SEQPACK_OK;
	h->message[0] = '\0';
	h->out_used = 0;
	uint64_t in_end =
		PACKER_STREAM_DATA_OFF + h->n * sizeof(struct stream_push);
	if (h->n > size || in_end > h->out_off || h->out_off > size ||
	    h->out_bytes > size - h->out_off) {
		fail(h, SEQPACK_ERR_INVALID,
		     "a stream op does not fit in the packer's shared memory");
		return;
	}
	out.p = map + h->out_off;
	out.cap = (size_t)h->out_bytes;
	out.len = 0;
	if (h->op == STREAM_OP_OPEN) {
		do_open(reg, h);
		return;
	}
	struct cstream *cs = h->slot < nslots ? slots[h->slot] : NULL;
	if (!cs) {
		fail(h, SEQPACK_ERR_STATE, "no such stream in the packer");
		return;
	}
	seqpack_error err;
	switch (h->op) {
	case STREAM_OP_PUSH:
		do_push(cs, h,
			(const struct stream_push *)(map +
						     PACKER_STREAM_DATA_OFF));
		break;
	case STREAM_OP_FINISH:
		h->status = seqpack_stream_finish(cs->s, &err);
		if (h->status != SEQPACK_OK)
			memcpy(h->message, err.message, sizeof(h->message));
		break;
	case STREAM_OP_CLOSE:
		break;
	default:
		fail(h, SEQPACK_ERR_INVALID, "unknown stream op");
		return;
	}
	h->held = cs->held;
	h->packs = seqpack_stream_packs(cs->s);
	h->out_used = out.len;
	if (h->op != STREAM_OP_PUSH)
		drop(h->slot);
}

void stream_child_free_all(void)
{
	for (size_t i = 0; i < nslots; i++)
		drop((uint32_t)i);
	free(slots);
	slots = NULL;
	nslots = 0;
}
