/* remote.h - the daemon side of the commands that take --socket PATH:
 * connect, fetch the daemon's algorithm list (for the same up-front
 * "unknown algorithm" checks and messages as in-process, backend.c), map
 * statuses to exit codes.  Every function prints its own error. */
#ifndef SEQPACK_TOOL_REMOTE_H
#define SEQPACK_TOOL_REMOTE_H

#include <seqpack/client.h>

#include "tool.h"
#include "util/cleanup-internal.h"

UTIL_DEFINE_CLEANUP(seqpack_algorithm_list *, seqpack_algorithm_list_free)
#define _cleanup_algorithm_list_ _cleanup_(seqpack_algorithm_list_freep)

/* Connect to the daemon at t->socket; NULL after printing the error. */
seqpack_client *remote_connect(struct tool *t);

/* The daemon's algorithms; NULL after printing the error. */
seqpack_algorithm_list *remote_list(struct tool *t, seqpack_client *c);

/* The algorithm called name in l, or NULL. */
const seqpack_plugin_info *remote_find(const seqpack_algorithm_list *l,
				       const char *name);

/* Exit status of a failed client call: connection trouble is the
 * daemon's (EXIT_DAEMON), the rest as in-process. */
int remote_exit_for_status(int status);

#endif /* SEQPACK_TOOL_REMOTE_H */
