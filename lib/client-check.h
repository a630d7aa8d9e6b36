/* What a PACK reply must pass before a caller sees it (client-check.c). */
#ifndef SEQPACK_CLIENT_CHECK_H
#define SEQPACK_CLIENT_CHECK_H

#include "client-state.h"

/* The largest PACK or PACK_SHM reply without the arrays: status, name,
 * counts and metrics, or an error message of up to 64 KiB. */
#define CLIENT_PACK_HEAD_MAX (4 + 2 + SEQPACK_NAME_MAX + 8 + 9 * 8 + (1u << 16))

/* Where a pack call puts its result: a new one for seqpack_client_pack(),
 * the client's for seqpack_client_pack_reuse(). */
struct pack_out {
	seqpack_result **fresh;
	const seqpack_result **reuse;
};

/* Decode the head of a PACK or PACK_SHM reply body (name, counts and
 * metrics) for the n lengths we sent, into res (arrays untouched). */
int client_decode_head(seqpack_client *c, struct sp_rd *r, size_t n,
		       seqpack_result *res, seqpack_error *err) CLIENT_HIDDEN;
/* Check res against the request and hand it on as out says; a fresh
 * result that fails is freed. */
int client_deliver(const uint32_t *lengths, size_t n,
		   const seqpack_params *params, seqpack_result *res,
		   struct pack_out out, seqpack_error *err) CLIENT_HIDDEN;

#endif
