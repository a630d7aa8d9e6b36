/* PACK from seqpackd: the checks made before a round trip, the choice of
 * transport, and the socket path (lengths in the request, arrays in the
 * reply, into a new result or the client's own for pack_reuse). */
#include <stdlib.h>
#include <string.h>

#include "client-check.h"
#include "client-io.h"
#include "client-pack.h"
#include "client-retry.h"
#include "client-shm.h"
#include "util/cleanup-internal.h"

/* Make own's arrays hold n sequences.  They only grow, so a caller that
 * packs in a loop touches the same pages every time. */
static int own_room(seqpack_client *c, size_t n, seqpack_error *err)
{
	if (n + 1 <= c->own_cap)
		return SEQPACK_OK;
	size_t bytes = (n + 1) * sizeof(uint32_t);
	_cleanup_free_ uint32_t *items = malloc(bytes);
	_cleanup_free_ uint32_t *offsets = malloc(bytes);
	_cleanup_free_ uint32_t *used = malloc(bytes);
	if (!items || !offsets || !used)
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a result of %zu sequences", n);
	client_pack_free(c);
	c->own.items = TAKE_PTR(items);
	c->own.offsets = TAKE_PTR(offsets);
	c->own.used = TAKE_PTR(used);
	c->own_cap = n + 1;
	return SEQPACK_OK;
}

void client_pack_free(seqpack_client *c)
{
	free(c->own.items);
	free(c->own.offsets);
	free(c->own.used);
}

/* The socket path: PACK, arrays in the reply (hence the limit). */
static int pack_socket(seqpack_client *c, const char *algorithm,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *params, struct pack_out out,
		       seqpack_error *err)
{
	client_begin(c, SP_PACK);
	sp_put_str(&c->out, algorithm);
	sp_put_params(&c->out, params);
	sp_put_u32(&c->out, (uint32_t)n);
	sp_put_u32_array(&c->out, lengths, n);
	struct sp_rd r;
	int rc = client_call(c, CLIENT_PACK_HEAD_MAX + (3 * n + 1) * 4, &r,
			     err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result head;
	rc = client_decode_head(c, &r, n, &head, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (sp_rd_left(&r) != (n + 2 * head.nbins + 1) * 4)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "PACK reply does not match the request");
	seqpack_result *res;
	if (out.fresh) {
		rc = seqpack_result_new(n, &res, err);
	} else {
		rc = own_room(c, n, err);
		res = &c->own;
	}
	if (rc != SEQPACK_OK)
		return rc;
	sp_get_u32_array(&r, res->items, n);
	sp_get_u32_array(&r, res->offsets, head.nbins + 1);
	sp_get_u32_array(&r, res->used, head.nbins);
	memcpy(res->algorithm, head.algorithm, sizeof(head.algorithm));
	res->n = n;
	res->nbins = head.nbins;
	res->metrics = head.metrics;
	return client_deliver(lengths, n, params, res, out, err);
}

/* One try: shared memory when it is worth it and to be had, else the
 * socket. */
static int pack_once(seqpack_client *c, const char *algorithm,
		     const uint32_t *lengths, size_t n,
		     const seqpack_params *params, struct pack_out out,
		     seqpack_error *err)
{
	int rc = client_pack_shm(c, algorithm, lengths, n, params, out, err);
	if (rc != USE_SOCKET)
		return rc;
	return pack_socket(c, algorithm, lengths, n, params, out, err);
}

static int client_pack(seqpack_client *c, const char *algorithm,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *params, struct pack_out out,
		       seqpack_error *err)
{
	if (!c || !(out.fresh || out.reuse))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	int rc = client_check_request(algorithm, params, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = seqpack_lengths_check(lengths, n, params->capacity, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (n > c->info.max_lengths)
		return seterr(err, SEQPACK_ERR_LIMIT,
			      "%zu sequences is more than the daemon's limit of %u per request",
			      n, c->info.max_lengths);
	size_t size = sp_pack_payload_size(strlen(algorithm), n);
	if (size > c->info.max_request_bytes)
		return seterr(err, SEQPACK_ERR_LIMIT,
			      "a request of %zu bytes is above the daemon's limit of %u",
			      size, c->info.max_request_bytes);
	rc = client_usable(c, err);
	if (rc == SEQPACK_OK)
		rc = client_enter(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = pack_once(c, algorithm, lengths, n, params, out, err);
	if (client_retry(c, &rc, err))
		rc = pack_once(c, algorithm, lengths, n, params, out, err);
	return rc;
}

SEQPACK_EXPORT int seqpack_client_pack(seqpack_client *c,
				       const char *algorithm,
				       const uint32_t *lengths, size_t n,
				       const seqpack_params *params,
				       seqpack_result **ret,
				       seqpack_error *err)
{
	struct pack_out out = {.fresh = ret};
	return client_pack(c, algorithm, lengths, n, params, out, err);
}

SEQPACK_EXPORT int seqpack_client_pack_reuse(seqpack_client *c,
					     const char *algorithm,
					     const uint32_t *lengths, size_t n,
					     const seqpack_params *params,
					     const seqpack_result **ret,
					     seqpack_error *err)
{
	struct pack_out out = {.reuse = ret};
	return client_pack(c, algorithm, lengths, n, params, out, err);
}
