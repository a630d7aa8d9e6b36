/* See stream-packer.h.  The lane runs one stream job of a connection at
 * a time, so a stream packer and its memory need no lock; only the
 * count of live ones is shared by every worker.  The protocol is the
 * PACK packer's (packer.c): the thread writes the op and sends "go",
 * the packer answers in place and sends "done". */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "packer-proc.h"
#include "stream-packer.h"

/* As packer.c: a bound on a plugin whose loading hangs. */
#define START_MS 30000
#define SHM_MIN_BYTES 65536

struct stream_packer {
	const struct config *cfg;
	struct packer_proc proc;
	seqpack_registry *reg;
	int shm;
	uint8_t *map;
	size_t size;
	uint64_t seq;
	size_t out_off, out_used; /* the answer's events, once checked */
};

static atomic_uint live;

/* One more live stream packer, unless max-stream-packers are. */
static int count_in(uint32_t max)
{
	unsigned n = atomic_load(&live);
	do
		if (n >= max)
			return -1;
	while (!atomic_compare_exchange_weak(&live, &n, n + 1));
	return 0;
}

static int grow(struct stream_packer *sp, size_t need, seqpack_error *err)
{
	if (need <= sp->size)
		return SEQPACK_OK;
	size_t size = sp->size ? sp->size : SHM_MIN_BYTES;
	while (size < need)
		size *= 2;
	if (ftruncate(sp->shm, (off_t)size) != 0)
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot grow the stream packer's shared memory to %zu bytes: %s",
			    size, strerror(errno));
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       sp->shm, 0);
	if (m == MAP_FAILED)
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot map %zu bytes of the stream packer's shared memory: %s",
			    size, strerror(errno));
	if (sp->map)
		munmap(sp->map, sp->size);
	sp->map = m;
	sp->size = size;
	return SEQPACK_OK;
}

/* Kill and reap the process; its wait status, -1 with none. */
static int end_proc(struct stream_packer *sp)
{
	if (!sp->proc.pid)
		return -1;
	int st = packer_proc_end(&sp->proc, 1);
	atomic_fetch_sub(&live, 1);
	return st;
}

void stream_packer_free(struct stream_packer *sp)
{
	if (!sp)
		return;
	end_proc(sp);
	seqpack_registry_unref(sp->reg);
	if (sp->map)
		munmap(sp->map, sp->size);
	if (sp->shm >= 0)
		close(sp->shm);
	free(sp);
}

static int start(struct stream_packer *sp, seqpack_error *err)
{
	int r = packer_proc_start_streams(&sp->proc, sp->cfg, sp->shm);
	if (r != 0) {
		atomic_fetch_sub(&live, 1);
		log_err("cannot start a stream packer process: %s",
			strerror(r));
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot start a stream packer process: %s",
			    strerror(r));
	}
	if (packer_proc_wait(&sp->proc, 0, START_MS) == PACKER_WAIT_DONE)
		return SEQPACK_OK;
	char how[96];
	packer_proc_describe(end_proc(sp), how, sizeof(how));
	log_err("a stream packer process %s while loading the plugins", how);
	return packer_err(err, SEQPACK_ERR_PLUGIN,
		    "the stream packer process %s while loading the plugins (see the daemon's log)",
		    how);
}

int stream_packer_new(const struct config *cfg, seqpack_registry *reg,
		      struct stream_packer **ret, seqpack_error *err)
{
	*ret = NULL;
	if (count_in(cfg->max_stream_packers) != 0)
		return packer_err(err, SEQPACK_ERR_LIMIT,
			    "%u connections already have a stream packer process (max-stream-packers = %u); try again later",
			    cfg->max_stream_packers, cfg->max_stream_packers);
	struct stream_packer *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		atomic_fetch_sub(&live, 1);
		return packer_err(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	sp->cfg = cfg;
	sp->proc.sock = -1;
	sp->reg = seqpack_registry_ref(reg);
	sp->shm = memfd_create("seqpackd-streams", MFD_CLOEXEC);
	int rc = sp->shm < 0
			 ? packer_err(err, SEQPACK_ERR_NOMEM,
				"cannot create a stream packer's shared memory: %s",
				strerror(errno))
			 : grow(sp, 1, err);
	if (rc != SEQPACK_OK) {
		atomic_fetch_sub(&live, 1);
		stream_packer_free(sp);
		return rc;
	}
	rc = start(sp, err);
	if (rc != SEQPACK_OK) {
		stream_packer_free(sp);
		return rc;
	}
	*ret = sp;
	return SEQPACK_OK;
}

seqpack_registry *stream_packer_registry(const struct stream_packer *sp)
{
	return sp->reg;
}

int stream_packer_prepare(struct stream_packer *sp, uint64_t n, uint64_t k,
			  struct stream_head **h, struct stream_push **pushes,
			  seqpack_error *err)
{
	/* n is below max-request-size / 12 and k below max-stream-ids
	 * plus that: no overflow */
	size_t out_off = (PACKER_STREAM_DATA_OFF +
			  (size_t)n * sizeof(struct stream_push) + 63) &
			 ~(size_t)63;
	size_t out_bytes = packer_stream_out_bytes(k);
	int rc = grow(sp, out_off + out_bytes, err);
	if (rc != SEQPACK_OK)
		return rc;
	*h = (struct stream_head *)sp->map;
	memset(*h, 0, sizeof(**h));
	(*h)->n = n;
	(*h)->out_off = out_off;
	(*h)->out_bytes = out_bytes;
	(*h)->status = SEQPACK_ERR_PLUGIN;
	if (pushes)
		*pushes = (struct stream_push *)(sp->map +
						 PACKER_STREAM_DATA_OFF);
	return SEQPACK_OK;
}

int stream_packer_run(struct stream_packer *sp, const char *plugin,
		      seqpack_error *err)
{
	struct stream_head *h = (struct stream_head *)sp->map;
	/* what the packer reads back must be what we sized */
	uint64_t out_off = h->out_off, out_bytes = h->out_bytes;
	uint32_t ms = sp->cfg->request_timeout_ms;
	int why = packer_proc_call(&sp->proc, ++sp->seq, sp->size, ms);
	int nonsense = 0;
	if (why == PACKER_WAIT_DONE) {
		/* read once: the packer's memory is not ours to trust */
		uint64_t used = h->out_used;
		int32_t status = h->status;
		if (h->out_off != out_off || h->out_bytes != out_bytes ||
		    used > out_bytes || status < 0 ||
		    status >= SEQPACK_STATUS_COUNT_) {
			nonsense = 1;
		} else {
			h->message[sizeof(h->message) - 1] = '\0';
			sp->out_off = (size_t)out_off;
			sp->out_used = (size_t)used;
			return SEQPACK_OK;
		}
	}
	pid_t pid = sp->proc.pid;
	int st = end_proc(sp);
	if (why == PACKER_WAIT_TIMEOUT) {
		log_warn("plugin %s took longer than %u ms in a stream: stream packer process %d killed",
			 plugin, ms, (int)pid);
		return packer_err(err, SEQPACK_ERR_TIMEOUT,
			    "plugin %s took longer than the request timeout of %u ms; the streams of this connection are lost",
			    plugin, ms);
	}
	char how[96];
	if (nonsense)
		snprintf(how, sizeof(how), "answered nonsense");
	else
		packer_proc_describe(st, how, sizeof(how));
	log_warn("plugin %s %s in a stream (stream packer process %d)",
		 plugin, how, (int)pid);
	return packer_err(err, SEQPACK_ERR_PLUGIN,
		    "plugin %s %s; the streams of this connection are lost",
		    plugin, how);
}

int stream_packer_events(struct stream_packer *sp,
			 int (*fn)(void *ctx, const struct stream_event *ev,
				   const uint64_t *ids),
			 void *ctx)
{
	const uint8_t *p = sp->map + sp->out_off;
	size_t left = sp->out_used; /* checked by stream_packer_run */
	while (left) {
		struct stream_event ev;
		if (left < sizeof(ev))
			return -1;
		memcpy(&ev, p, sizeof(ev));
		if (ev.count > (left - sizeof(ev)) / 8)
			return -1;
		size_t len = sizeof(ev) + (size_t)ev.count * 8;
		int r = fn(ctx, &ev, (const uint64_t *)(p + sizeof(ev)));
		if (r)
			return r;
		p += len;
		left -= len;
	}
	return 0;
}
