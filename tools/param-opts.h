/* The packing-parameter options that pack and stream share (-a -c -s -t
 * -k -m -n), parsed in one place so that their ranges and messages agree.
 * Each command still lists in its getopt tables only the ones it takes. */
#ifndef SEQPACK_TOOL_PARAM_OPTS_H
#define SEQPACK_TOOL_PARAM_OPTS_H

#include <seqpack/seqpack.h>

#include "tool.h"

struct param_opts {
	seqpack_params params;
	const char *algorithm;
	int have_capacity;
};

/* Library defaults, and default_algorithm until -a says otherwise. */
void param_opts_init(struct param_opts *po, const char *default_algorithm);

/* Take option character c with argument arg when it is a parameter
 * option.  Returns 0 when c is not one, 1 when it was taken, -1 after
 * printing a message that names the option (exit with EXIT_USAGE). */
int param_option(const struct tool *t, int c, const char *arg,
		 struct param_opts *po);

/* After the options (optind past them): the FILE operands are
 * argv[optind .. argc), read in that order; set *file to the first or
 * NULL (standard input).  Print the usage error and return EXIT_USAGE
 * when '-' is given twice or a required option (--capacity) is
 * missing. */
int param_opts_finish(const struct tool *t, const struct param_opts *po,
		      int argc, char **argv, const char **file);

#endif
