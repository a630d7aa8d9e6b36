/* tool.h - what the parts of the seqpack command-line tool share: exit
 * statuses, the command table, the options every subcommand accepts and
 * the error printer.
 *
 * Adding a subcommand: write tools/cmd-NAME.c defining
 * `const struct command cmd_NAME`, declare it below, add one line to the
 * table in tools/seqpack.c and the file to tools/local.mk. */
#ifndef SEQPACK_TOOL_H
#define SEQPACK_TOOL_H

#include <getopt.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

/* Exit statuses: stable, documented in `seqpack --help` and docs/cli.md. */
enum tool_exit {
	EXIT_OK = 0,
	EXIT_DATA = 1,    /* bad input data: not a length, out of range, malformed */
	EXIT_USAGE = 2,   /* bad command line: option, value, unknown algorithm */
	EXIT_IO = 3,      /* cannot read the input or write the output */
	EXIT_PACK = 4,    /* packing failed: plugin error, verification, memory */
	EXIT_DAEMON = 5,  /* reserved: cannot talk to the daemon (--socket) */
};

/* State shared by every subcommand, filled from the common options. */
struct tool {
	const char *cmd;      /* the subcommand name, for messages */
	int verbose;          /* --verbose: registry diagnostics, details */
	const char *socket;   /* --socket PATH (daemon client), NULL = in-process */
	seqpack_registry *reg; /* opened lazily by tool_registry() */
	char **argv;          /* the subcommand's argv, for option errors */
};

struct command {
	const char *name;
	const char *summary; /* one line for `seqpack --help` */
	int (*run)(struct tool *t, int argc, char **argv);
};

extern const struct command cmd_pack;
extern const struct command cmd_plan;
extern const struct command cmd_stream;
extern const struct command cmd_algorithms;
extern const struct command cmd_bench;
extern const struct command cmd_stats;

/* Long-only option values: common ones take 0x100 .. 0x1ff, a
 * subcommand numbers its own from OPT_LOCAL. */
enum {
	OPT_COMMON_FIRST = 0x100,
	OPT_SOCKET = OPT_COMMON_FIRST, /* --socket PATH, sets t->socket */
	OPT_LOCAL = 0x200
};

/* Options every subcommand accepts; list them first in each subcommand's
 * long option table, start its short options with TOOL_COMMON_SHORTOPTS
 * and read its options with tool_next_option().  Their short letters
 * (h, v) are reserved.  The leading ':' makes getopt report a missing
 * value as ':' and stay silent, so every message has the same
 * "seqpack: CMD: " form.  A subcommand that talks to the daemon lists
 * TOOL_SOCKET_LONGOPT too (the top level does not take it). */
#define TOOL_COMMON_SHORTOPTS ":hv"
#define TOOL_COMMON_LONGOPTS                                  \
	{ "help", no_argument, NULL, 'h' },                   \
	{ "verbose", no_argument, NULL, 'v' }
#define TOOL_SOCKET_LONGOPT { "socket", required_argument, NULL, OPT_SOCKET }
/* Lines of --help describing the common options. */
#define TOOL_COMMON_HELP                                                  \
	"  -v, --verbose          print plugin loading diagnostics and details\n" \
	"  -h, --help             print this help and exit\n"

/* tool_next_option(): the command must stop, with *status. */
#define TOOL_OPT_STOP (-2)

/* getopt_long() for a subcommand, the common options (and --socket)
 * handled here: returns the next option character for the subcommand,
 * -1 after the last option, or TOOL_OPT_STOP with *status set when the
 * command must stop (--help printed, or an option error printed). */
int tool_next_option(struct tool *t, int argc, char **argv,
		     const char *shortopts, const struct option *longopts,
		     void (*usage)(void), int *status);

/* The registry (SEQPACK_PLUGIN_PATH, then the installed directory), opened
 * on first use; prints its diagnostics as warnings when verbose.  NULL
 * after printing an error. */
seqpack_registry *tool_registry(struct tool *t);

/* Print the registry's skip diagnostics as warnings on stderr. */
void tool_print_diagnostics(const seqpack_registry *reg);

/* Set while a progress line is drawn on a terminal without its newline
 * (tools/progress.c): the next message ends that line first, so that it
 * starts on a line of its own. */
extern int tool_stderr_line_open;

/* Print "seqpack: [cmd: ]message" on stderr. */
void tool_error(const struct tool *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tool_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a one-line command-line error; returns EXIT_USAGE. */
int tool_usage_error(const struct tool *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Map a library status to an exit status. */
int tool_exit_for_status(int status);

/* Parse option values.  On error print a message naming the option and
 * return -1; on success store the value and return 0. */
int parse_u32_opt(const struct tool *t, const char *opt, const char *arg,
		  uint32_t min, uint32_t max, uint32_t *ret);
int parse_u64_opt(const struct tool *t, const char *opt, const char *arg,
		  uint64_t *ret);

/* parse_u32_opt() for a size in tokens: digits with an optional K, M or
 * G suffix (1024, 1024^2, 1024^3; util/size-internal.h, the daemon's
 * config takes the same), so that -c 4k is -c 4096. */
int parse_size_u32_opt(const struct tool *t, const char *opt,
		       const char *arg, uint32_t min, uint32_t max,
		       uint32_t *ret);

/* Comma-separated flag names ("online, streaming") into buf. */
const char *tool_flag_names(uint32_t flags, const char *sep, char *buf,
			    size_t len);

#define DEFAULT_ALGORITHM "obfd"

#endif /* SEQPACK_TOOL_H */
