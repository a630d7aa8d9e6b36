/* See packer.h.  One packer per worker thread, so a thread never waits
 * for another's process and the shared memory needs no lock: the thread
 * writes the request, sends "go" and waits in poll() until the deadline;
 * the packer writes the answer and sends "done".  The memfd outlives
 * the processes that map it, so a replacement packer costs a process
 * start, not new memory. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "packer-proc.h"
#include "packer-shm.h"
#include "packer.h"
#include "util/clock-internal.h"

/* How long a new packer may take to load the plugins: a bound on a
 * plugin whose loading hangs, far above the milliseconds it takes. */
#define PACKER_START_MS 30000
/* The shared memory at start, in lengths (about 1 MiB, untouched until
 * used); it doubles when a request needs more, and never shrinks. */
#define SHM_MIN_LENGTHS 65536

struct packer {
	const struct config *cfg;
	struct packer_proc proc;
	seqpack_registry *reg;  /* the one proc was started for (a ref) */
	int ready;              /* proc's first "done" has come */
	int shm;
	uint8_t *map;
	size_t size;
	uint64_t seq;
};

int packer_init(void)
{
	return packer_proc_init();
}

static int start(struct packer *p, seqpack_registry *reg)
{
	int r = packer_proc_start(&p->proc, p->cfg, p->shm);
	if (r != 0) {
		log_err("cannot start a packer process: %s", strerror(r));
		return -1;
	}
	p->reg = seqpack_registry_ref(reg);
	p->ready = 0;
	return 0;
}

/* The process's wait status, -1 when there was none. */
static int stop(struct packer *p, int hard)
{
	int st = packer_proc_end(&p->proc, hard);
	p->reg = seqpack_registry_unref(p->reg);
	p->ready = 0;
	return st;
}

static int grow(struct packer *p, size_t need, seqpack_error *err)
{
	if (need <= p->size)
		return SEQPACK_OK;
	size_t size = p->size ? p->size : packer_shm_bytes(SHM_MIN_LENGTHS);
	while (size < need)
		size *= 2;
	if (ftruncate(p->shm, (off_t)size) != 0)
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot grow the packer's shared memory to %zu bytes: %s",
			    size, strerror(errno));
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->shm,
		       0);
	if (m == MAP_FAILED)
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot map %zu bytes of the packer's shared memory: %s",
			    size, strerror(errno));
	if (p->map)
		munmap(p->map, p->size);
	p->map = m;
	p->size = size;
	return SEQPACK_OK;
}

struct packer *packer_new(const struct config *cfg, seqpack_registry *reg)
{
	struct packer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = cfg;
	p->proc.sock = -1;
	p->shm = memfd_create("seqpackd-packer", MFD_CLOEXEC);
	seqpack_error err;
	if (p->shm < 0 || grow(p, 1, &err) != SEQPACK_OK) {
		log_err("cannot create a packer's shared memory: %s",
			p->shm < 0 ? strerror(errno) : err.message);
		packer_free(p);
		return NULL;
	}
	start(p, reg); /* a failure is logged; the next PACK retries */
	return p;
}

void packer_free(struct packer *p)
{
	if (!p)
		return;
	stop(p, 0);
	if (p->map)
		munmap(p->map, p->size);
	if (p->shm >= 0)
		close(p->shm);
	free(p);
}

int packer_lengths(struct packer *p, uint32_t n, uint32_t **ret,
		   seqpack_error *err)
{
	int rc = grow(p, packer_shm_bytes(n), err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = (uint32_t *)(p->map + PACKER_DATA_OFF);
	return SEQPACK_OK;
}

/* A packer started for reg, with its plugins loaded. */
static int ready(struct packer *p, seqpack_registry *reg, seqpack_error *err)
{
	/* After a SIGHUP a job may bring a newer registry: the packer must
	 * pack on the plugins the job was dispatched with, so it is
	 * replaced, as the thread's workspace would be. */
	if (p->proc.pid && p->reg != reg)
		stop(p, 0);
	if (!p->proc.pid && start(p, reg) != 0)
		return packer_err(err, SEQPACK_ERR_NOMEM,
			    "cannot start a packer process (see the daemon's log)");
	if (p->ready)
		return SEQPACK_OK;
	if (packer_proc_wait(&p->proc, 0, PACKER_START_MS) == PACKER_WAIT_DONE) {
		p->ready = 1;
		return SEQPACK_OK;
	}
	char how[96];
	packer_proc_describe(stop(p, 1), how, sizeof(how));
	log_err("a packer process %s while loading the plugins", how);
	return packer_err(err, SEQPACK_ERR_PLUGIN,
		    "the packer process %s while loading the plugins (see the daemon's log)",
		    how);
}

/* The packer did not answer: kill it, start its replacement, say why. */
static int lost(struct packer *p, seqpack_registry *reg, const char *name,
		int why, seqpack_error *err)
{
	pid_t pid = p->proc.pid;
	int st = stop(p, 1);
	start(p, reg);
	uint32_t ms = p->cfg->request_timeout_ms;
	if (why == PACKER_WAIT_TIMEOUT) {
		log_warn("plugin %s took longer than %u ms: packer process %d killed",
			 name, ms, (int)pid);
		return packer_err(err, SEQPACK_ERR_TIMEOUT,
			    "plugin %s took longer than the request timeout of %u ms",
			    name, ms);
	}
	char how[96];
	packer_proc_describe(st, how, sizeof(how));
	log_warn("plugin %s %s (packer process %d); starting another", name,
		 how, (int)pid);
	return packer_err(err, SEQPACK_ERR_PLUGIN, "plugin %s %s", name, how);
}

/* What the packer wrote is checked before its sizes are used. */
static int answer(struct packer *p, const char *name, uint32_t n,
		  seqpack_result *res, seqpack_error *err)
{
	const struct packer_head *h = (const struct packer_head *)p->map;
	int status = h->status;
	if (status != SEQPACK_OK) {
		if (status < 0 || status >= SEQPACK_STATUS_COUNT_)
			return packer_err(err, SEQPACK_ERR_PLUGIN,
				    "plugin %s: its packer answered status %d",
				    name, status);
		err->status = status;
		memcpy(err->message, h->message, sizeof(err->message));
		err->message[sizeof(err->message) - 1] = '\0';
		return status;
	}
	if (h->rn != n || h->nbins > n)
		return packer_err(err, SEQPACK_ERR_PLUGIN,
			    "plugin %s: its packer answered %llu sequences in %llu bins for %u",
			    name, (unsigned long long)h->rn,
			    (unsigned long long)h->nbins, n);
	uint8_t *data = p->map + PACKER_DATA_OFF;
	memcpy(res->algorithm, h->algorithm, sizeof(res->algorithm));
	res->algorithm[sizeof(res->algorithm) - 1] = '\0';
	res->n = n;
	res->nbins = (size_t)h->nbins;
	res->items = (uint32_t *)(data + (size_t)n * 4);
	res->offsets = (uint32_t *)(data + (size_t)n * 8);
	res->used = (uint32_t *)(data + (size_t)n * 12 + 4);
	res->metrics = h->metrics;
	return SEQPACK_OK;
}

int packer_pack(struct packer *p, seqpack_registry *reg, const char *name,
		const seqpack_params *params, uint32_t n, seqpack_result *res,
		seqpack_error *err)
{
	int rc = ready(p, reg, err);
	if (rc != SEQPACK_OK)
		return rc;
	struct packer_head *h = (struct packer_head *)p->map;
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->params = *params;
	h->n = n;
	h->status = SEQPACK_ERR_PLUGIN;
	int why = packer_proc_call(&p->proc, ++p->seq, p->size,
				   p->cfg->request_timeout_ms);
	if (why != PACKER_WAIT_DONE)
		return lost(p, reg, name, why, err);
	return answer(p, name, n, res, err);
}

void packer_kill_all(void)
{
	packer_proc_kill_all();
}
