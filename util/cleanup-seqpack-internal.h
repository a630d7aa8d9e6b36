/* _cleanup_ helpers for the library's own public objects, for the code
 * that uses them: the daemon, the tools, the tests and the library's
 * client.  Private. */
#ifndef SEQPACK_UTIL_CLEANUP_SEQPACK_INTERNAL_H
#define SEQPACK_UTIL_CLEANUP_SEQPACK_INTERNAL_H

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "util/cleanup-internal.h"

UTIL_DEFINE_CLEANUP(seqpack_registry *, seqpack_registry_unref)
UTIL_DEFINE_CLEANUP(seqpack_result *, seqpack_result_free)
UTIL_DEFINE_CLEANUP(seqpack_workspace *, seqpack_workspace_free)
UTIL_DEFINE_CLEANUP(seqpack_stream *, seqpack_stream_free)
UTIL_DEFINE_CLEANUP(seqpack_client *, seqpack_client_close)

#define _cleanup_registry_ _cleanup_(seqpack_registry_unrefp)
#define _cleanup_result_ _cleanup_(seqpack_result_freep)
#define _cleanup_workspace_ _cleanup_(seqpack_workspace_freep)
#define _cleanup_stream_ _cleanup_(seqpack_stream_freep)
#define _cleanup_client_ _cleanup_(seqpack_client_closep)

#endif
