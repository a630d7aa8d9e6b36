/* PACK (lengths in the payload, result in the reply) and PACK_SHM (both
 * in the connection's shared memory), in the worker's packer process
 * (isolation = process, packer.c) or on the worker's own workspace
 * (isolation = thread).  Each insists the payload length is exactly what
 * its fields imply. */
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "packer.h"
#include "reply.h"

struct pack_ws {
	struct packer *packer;     /* isolation = process */
	seqpack_result view;       /* its answer, in its shared memory */
	seqpack_workspace *ws;     /* isolation = thread */
	seqpack_registry *ws_reg;  /* the registry ws was made on */
	uint32_t *lengths;         /* decoded PACK lengths */
	size_t cap;
};

/* pool.c makes the workspaces and knows nothing of packing, so what a
 * packer needs at its start is set once here, before the pool starts. */
static const struct config *setup_cfg;
static seqpack_registry *setup_reg;

void pack_setup(const struct config *cfg, seqpack_registry *reg)
{
	setup_cfg = cfg;
	setup_reg = reg;
}

struct pack_ws *pack_ws_new(void)
{
	struct pack_ws *w = calloc(1, sizeof(struct pack_ws));
	if (w && setup_cfg && setup_cfg->isolation &&
	    !(w->packer = packer_new(setup_cfg, setup_reg))) {
		free(w);
		return NULL;
	}
	return w;
}

void pack_ws_free(struct pack_ws *w)
{
	if (!w)
		return;
	packer_free(w->packer);
	seqpack_workspace_free(w->ws);
	free(w->lengths);
	free(w);
}

/* The head that PACK and PACK_SHM share: algorithm, parameters, count;
 * r is left after the count. */
struct pack_head {
	char name[SEQPACK_NAME_MAX];
	seqpack_params p;
	uint32_t n;
	struct sp_rd r;
};

static int get_pack_head(struct job *j, struct pack_head *q)
{
	sp_rd_init(&q->r, j->payload, j->len);
	int rc = reply_get_name(j, &q->r, q->name);
	if (rc != SEQPACK_OK)
		return rc;
	sp_get_params(&q->r, &q->p);
	q->n = sp_get_u32(&q->r);
	return SEQPACK_OK;
}

/* The lengths buffer of a worker, for n lengths: in the packer's shared
 * memory, or the worker's own. */
static int lengths_room(struct pack_ws *w, struct job *j, uint32_t n,
			uint32_t **ret)
{
	if (w->packer) {
		seqpack_error err;
		if (packer_lengths(w->packer, n, ret, &err) != SEQPACK_OK)
			return reply_error(j, err.status, err.message);
		return SEQPACK_OK;
	}
	/* n is bounded by max-lengths and the request size limit before
	 * this is called, so the allocation is too. */
	if (n + 1 > w->cap) {
		uint32_t *l = realloc(w->lengths, ((size_t)n + 1) * 4);
		if (!l)
			return reply_error(j, SEQPACK_ERR_NOMEM, "out of memory");
		w->lengths = l;
		w->cap = (size_t)n + 1;
	}
	*ret = w->lengths;
	return SEQPACK_OK;
}

/* The limits PACK and PACK_SHM share. */
static int lengths_limit(struct job *j, uint32_t n)
{
	if (n > j->cfg->max_lengths)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "%u sequences is more than the limit of %u per request",
				    n, j->cfg->max_lengths);
	return SEQPACK_OK;
}

/* A parallel plugin keeps a pool of the threads it was asked for in the
 * worker's workspace, so without a cap one client could leave every
 * worker holding 64 threads. */
static int threads_limit(struct job *j, const seqpack_params *p)
{
	uint32_t max = j->cfg->max_pack_threads; /* 0 resolved at start */
	if (p->threads > max)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "%u threads is more than the limit of %u per request (max-pack-threads)",
				    p->threads, max);
	return SEQPACK_OK;
}

/* Pack the n lengths of lengths_room(); *res points into the packer's
 * shared memory or the worker's workspace. */
static int run_pack(struct pack_ws *w, struct job *j, struct pack_head *q,
		    const uint32_t *lengths, const seqpack_result **res,
		    const char **algo)
{
	/* Third-party plugins are verified, whatever the client asked,
	 * unless the administrator chose verify = requested: the daemon's
	 * own safety does not depend on it (the core bounds a plugin's
	 * output either way), only the answer's correctness does. */
	if (j->cfg->verify_always)
		q->p.flags |= SEQPACK_PARAM_VERIFY;
	int rc = threads_limit(j, &q->p);
	if (rc != SEQPACK_OK)
		return rc;
	const seqpack_plugin_info *info;
	if ((info = seqpack_registry_find(j->reg, q->name)))
		*algo = info->name;
	seqpack_error err;
	if (w->packer) {
		rc = packer_pack(w->packer, j->reg, q->name, &q->p, q->n,
				 &w->view, &err);
		if (rc != SEQPACK_OK)
			return reply_error(j, rc, err.message);
		*res = &w->view;
		return SEQPACK_OK;
	}
	if (w->ws_reg != j->reg) {
		w->ws = seqpack_workspace_free(w->ws);
		w->ws_reg = NULL;
		if (seqpack_workspace_new(j->reg, &w->ws, &err) != SEQPACK_OK)
			return reply_error(j, err.status, err.message);
		w->ws_reg = j->reg;
	}
	rc = seqpack_workspace_pack(w->ws, q->name, lengths, q->n, &q->p,
				    res, &err);
	if (rc != SEQPACK_OK)
		return reply_error(j, rc, err.message);
	return SEQPACK_OK;
}

int handle_pack(struct pack_ws *w, struct job *j, const char **algo)
{
	struct pack_head q;
	int rc = get_pack_head(j, &q);
	if (rc != SEQPACK_OK)
		return rc;
	if (q.r.bad)
		return reply_malformed(j);
	if ((rc = lengths_limit(j, q.n)) != SEQPACK_OK)
		return rc;
	if (sp_rd_left(&q.r) != (size_t)q.n * 4)
		return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
				    "payload length %zu disagrees with n = %u (expected %zu bytes of lengths, got %zu)",
				    j->len, q.n, (size_t)q.n * 4,
				    sp_rd_left(&q.r));
	uint32_t *lengths;
	if ((rc = lengths_room(w, j, q.n, &lengths)) != SEQPACK_OK)
		return rc;
	sp_get_u32_array(&q.r, lengths, q.n);
	const seqpack_result *res;
	if ((rc = run_pack(w, j, &q, lengths, &res, algo)) != SEQPACK_OK)
		return rc;
	size_t off = reply_begin_ok(j);
	sp_put_result(&j->reply, res);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}

/* Whether [off, off + bytes) lies inside a region of size bytes. */
static int in_region(uint64_t off, uint64_t bytes, size_t size)
{
	return off <= size && bytes <= size - off;
}

/* The client can write to the region at any time, so the lengths are
 * copied out before they are checked, and nothing is read back from it
 * afterwards. */
int handle_pack_shm(struct pack_ws *w, struct job *j, const char **algo)
{
	struct pack_head q;
	int rc = get_pack_head(j, &q);
	if (rc != SEQPACK_OK)
		return rc;
	uint32_t n = q.n;
	uint64_t loff = sp_get_u64(&q.r);
	uint64_t roff = sp_get_u64(&q.r);
	if (q.r.bad || sp_rd_left(&q.r))
		return reply_malformed(j);
	struct shm_region *shm = j->shm;
	if (!shm)
		return reply_error(j, SEQPACK_ERR_STATE,
				   "no shared memory on this connection (send shm_attach first)");
	if ((rc = lengths_limit(j, n)) != SEQPACK_OK)
		return rc;
	uint64_t size = sp_pack_payload_size(strlen(q.name), n);
	if (size > j->cfg->max_request_bytes)
		return reply_errorf(j, SEQPACK_ERR_LIMIT,
				    "request payload of %llu bytes is above the limit of %u",
				    (unsigned long long)size,
				    j->cfg->max_request_bytes);
	if (loff % 4 || roff % 4)
		return reply_errorf(j, SEQPACK_ERR_INVALID,
				    "shared memory offsets %llu and %llu must be multiples of 4",
				    (unsigned long long)loff,
				    (unsigned long long)roff);
	if (!in_region(loff, (uint64_t)n * 4, shm->size) ||
	    !in_region(roff, sp_shm_result_bytes(n), shm->size))
		return reply_errorf(j, SEQPACK_ERR_INVALID,
				    "%u lengths at offset %llu and their result (%zu bytes) at offset %llu do not fit in the %zu-byte region",
				    n, (unsigned long long)loff,
				    sp_shm_result_bytes(n),
				    (unsigned long long)roff, shm->size);
	uint32_t *lengths;
	if ((rc = lengths_room(w, j, n, &lengths)) != SEQPACK_OK)
		return rc;
	/* The lengths are read in full whatever they hold; the result's
	 * pages only once the lengths passed, so that a refused request
	 * commits no more of the region than a socket PACK's payload. */
	shm_populate(shm, (size_t)loff, (size_t)n * 4, 0);
	memcpy(lengths, shm->base + loff, (size_t)n * 4);
	const seqpack_result *res;
	if ((rc = run_pack(w, j, &q, lengths, &res, algo)) != SEQPACK_OK)
		return rc;
	shm_populate(shm, (size_t)roff, sp_shm_result_bytes(n), 1);
	uint8_t *out = shm->base + roff;
	memcpy(out, res->items, res->n * 4);
	out += res->n * 4;
	memcpy(out, res->offsets, (res->nbins + 1) * 4);
	out += (res->nbins + 1) * 4;
	memcpy(out, res->used, res->nbins * 4);
	size_t off = reply_begin_ok(j);
	sp_put_result_head(&j->reply, res);
	sp_end(&j->reply, off);
	return SEQPACK_OK;
}
