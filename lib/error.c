/* Status names and error filling. */
#include <stdarg.h>
#include <stdio.h>

#include "util-internal.h"

static const char *const status_names[SEQPACK_STATUS_COUNT_] = {
	[SEQPACK_OK] = "success",
	[SEQPACK_ERR_INVALID] = "invalid argument",
	[SEQPACK_ERR_CAPACITY] = "capacity out of range",
	[SEQPACK_ERR_LENGTH] = "length out of range",
	[SEQPACK_ERR_NOMEM] = "out of memory",
	[SEQPACK_ERR_NOT_FOUND] = "unknown algorithm",
	[SEQPACK_ERR_UNSUPPORTED] = "operation not supported",
	[SEQPACK_ERR_PLUGIN] = "plugin failure",
	[SEQPACK_ERR_IO] = "input/output error",
	[SEQPACK_ERR_PROTOCOL] = "protocol error",
	[SEQPACK_ERR_LIMIT] = "limit exceeded",
	[SEQPACK_ERR_TOO_MANY] = "too many sequences",
	[SEQPACK_ERR_VERIFY] = "verification failed",
	[SEQPACK_ERR_STATE] = "invalid state",
	[SEQPACK_ERR_CALLBACK] = "stopped by callback",
	[SEQPACK_ERR_PERMISSION] = "permission denied",
	[SEQPACK_ERR_TIMEOUT] = "timed out",
};

SEQPACK_EXPORT const char *seqpack_strerror(int status)
{
	if (status < 0 || status >= SEQPACK_STATUS_COUNT_)
		return "unknown status";
	return status_names[status];
}

SEQPACK_EXPORT const char *seqpack_version(void)
{
	return PACKAGE_VERSION;
}

int seqpack_seterr_(seqpack_error *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return status;
}
