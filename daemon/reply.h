/* What every request handler shares: writing an error or the head of an
 * OK reply into job->reply, and reading the algorithm name that PACK,
 * PACK_SHM and STREAM_OPEN start with (a bad one is an error reply). */
#ifndef SEQPACKD_REPLY_H
#define SEQPACKD_REPLY_H

#include <stddef.h>

#include "job.h"
#include "proto.h"

/* A reply that carries an error; the connection stays usable.  Both
 * return status, so a handler can return what they return. */
int reply_error(struct job *j, int status, const char *msg);
int reply_errorf(struct job *j, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The payload's length is not what its fields imply. */
int reply_malformed(struct job *j);
/* Begin the reply with SEQPACK_OK; returns what sp_end() takes. */
size_t reply_begin_ok(struct job *j);
/* Read the algorithm name into name[SEQPACK_NAME_MAX]; SEQPACK_OK, or
 * the status of the error reply written. */
int reply_get_name(struct job *j, struct sp_rd *r, char *name);

#endif
