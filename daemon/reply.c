/* The replies every handler writes the same way; see reply.h. */
#include <stdarg.h>
#include <stdio.h>

#include "reply.h"

int reply_error(struct job *j, int status, const char *msg)
{
	sp_put_error(&j->reply, j->h.type | SP_REPLY, j->h.id, status, msg);
	return status;
}

int reply_errorf(struct job *j, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_error(j, status, msg);
}

int reply_malformed(struct job *j)
{
	return reply_errorf(j, SEQPACK_ERR_PROTOCOL,
			    "malformed %s request: payload of %zu bytes does not match its fields",
			    sp_type_name(j->h.type), j->len);
}

size_t reply_begin_ok(struct job *j)
{
	size_t off = sp_begin(&j->reply, j->h.type | SP_REPLY, j->h.id);
	sp_put_u32(&j->reply, SEQPACK_OK);
	return off;
}

/* A name that cannot be an algorithm is "unknown algorithm", as
 * in-process. */
int reply_get_name(struct job *j, struct sp_rd *r, char *name)
{
	size_t at = r->off;
	uint16_t n = sp_get_u16(r);
	if (!r->bad && n >= SEQPACK_NAME_MAX && n <= sp_rd_left(r)) {
		r->off = at;
		return reply_errorf(j, SEQPACK_ERR_NOT_FOUND,
				    "unknown algorithm (a name of %u bytes; names are at most %u)",
				    n, SEQPACK_NAME_MAX - 1);
	}
	r->off = at;
	sp_get_str(r, name, SEQPACK_NAME_MAX);
	return r->bad ? reply_malformed(j) : SEQPACK_OK;
}
