/* backend.h - what pack and stream pack with: the local registry, or the
 * daemon at --socket.  The algorithm is looked up before any input is
 * read, so that a typo on a pipeline does not first swallow gigabytes,
 * and both sides refuse it with the same messages and exit statuses. */
#ifndef SEQPACK_TOOL_BACKEND_H
#define SEQPACK_TOOL_BACKEND_H

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "param-opts.h"
#include "tool.h"

struct backend {
	seqpack_registry *reg; /* in-process: the tool's registry */
	seqpack_client *cl;    /* --socket: the connection, owned */
};

/* Open the daemon's connection (t->socket set) or the registry, and
 * check that algorithm is there and, when streaming is set, streams.
 * Returns EXIT_OK, or prints the error and returns the exit status; *b
 * is to be closed either way. */
int backend_open(struct tool *t, const char *algorithm, int streaming,
		 struct backend *b);

/* What pack and stream do once their options are read: the file operand
 * (param_opts_finish()) and backend_open() for po's algorithm.  Returns
 * EXIT_OK, or the exit status after printing the error; *b is to be
 * closed either way. */
int backend_open_for(struct tool *t, const struct param_opts *po,
		     int argc, char **argv, int streaming, const char **file,
		     struct backend *b);

/* For _cleanup_(backend_close). */
void backend_close(struct backend *b);

/* The exit status of a failed library or client call made through b:
 * through the daemon, connection trouble is the daemon's. */
int backend_exit_for_status(const struct backend *b, int status);

#endif /* SEQPACK_TOOL_BACKEND_H */
