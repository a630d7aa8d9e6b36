/* seqpack: the command-line front end.  main() handles the global options
 * and hands the rest of the command line to one subcommand of the table
 * below. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* One line per subcommand: the order is the order of `seqpack --help`. */
static const struct command *const commands[] = {
	&cmd_pack,
	&cmd_plan,
	&cmd_stream,
	&cmd_algorithms,
	&cmd_bench,
	&cmd_stats,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(void)
{
	printf("Usage: seqpack [OPTION]... COMMAND [ARG]...\n"
	       "Pack variable-length training sequences, given by their token lengths,\n"
	       "into fixed-capacity bins.\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-12s %s\n", commands[i]->name, commands[i]->summary);
	printf("  %-12s %s\n", "help", "print the help of a command");
	printf("\n"
	       "Options:\n"
	       TOOL_COMMON_HELP
	       "  -V, --version          print the version and exit\n"
	       "\n"
	       "Run 'seqpack COMMAND --help' for the options of a command.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  success\n"
	       "  1  bad input data (not a length, out of range, malformed JSON or .npy)\n"
	       "  2  bad command line (unknown option or command, bad value, unknown\n"
	       "     algorithm, missing capacity, streaming an offline algorithm)\n"
	       "  3  cannot read the input or write the output\n"
	       "  4  packing failed (plugin error, failed verification, out of memory)\n"
	       "  5  cannot talk to the daemon\n"
	       "\n"
	       "Environment:\n"
	       "  SEQPACK_PLUGIN_PATH  colon-separated directories searched for plugins\n"
	       "                       before %s\n",
	       seqpack_registry_default_dir());
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int run_command(struct tool *t, const struct command *c, int argc,
		       char **argv)
{
	t->cmd = c->name;
	t->argv = argv;
	/* glibc's getopt keeps hidden state between scans; optind = 0
	 * resets all of it for the subcommand's own scan. */
	optind = 0;
	return c->run(t, argc, argv);
}

static int help_command(struct tool *t, int argc, char **argv)
{
	t->cmd = "help";
	/* `seqpack help --help` (and `seqpack help help`) is a question
	 * about help itself: answer it, not "unknown command '--help'". */
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage();
		return EXIT_OK;
	}
	if (argc > 2)
		return tool_usage_error(t, "too many operands: '%s' (one COMMAND at most)",
					argv[2]);
	const struct command *c = find_command(argv[1]);
	if (!c)
		return tool_usage_error(t, "unknown command '%s' (see 'seqpack --help')",
					argv[1]);
	char help[] = "--help";
	char *args[] = { argv[1], help, NULL };
	return run_command(t, c, 2, args);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tool t = { 0 };
	int c;
	t.argv = argv;
	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+" TOOL_COMMON_SHORTOPTS "V",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
			return EXIT_OK;
		case 'v':
			t.verbose = 1;
			break;
		case 'V':
			printf("seqpack %s (libseqpack %s)\n", PACKAGE_VERSION,
			       seqpack_version());
			return EXIT_OK;
		default: {
			char shortopt[3] = { '-', (char)optopt, 0 };
			return tool_usage_error(&t, "%s '%s' (see 'seqpack --help')",
						c == ':' ? "missing value for option"
							 : "unknown option",
						c == '?' && optopt ? shortopt
								     : argv[optind - 1]);
		}
		}
	}
	char names[128] = "";
	for (size_t i = 0; i < NCOMMANDS; i++) {
		strncat(names, commands[i]->name, sizeof(names) - strlen(names) - 1);
		strncat(names, ", ", sizeof(names) - strlen(names) - 1);
	}
	strncat(names, "help", sizeof(names) - strlen(names) - 1);
	if (optind >= argc)
		return tool_usage_error(&t, "missing command (one of %s; see 'seqpack --help')",
					names);

	int status;
	const char *name = argv[optind];
	const struct command *cmd = find_command(name);
	if (strcmp(name, "help") == 0)
		status = help_command(&t, argc - optind, argv + optind);
	else if (!cmd)
		status = tool_usage_error(&t, "unknown command '%s' (commands: %s)",
					  name, names);
	else
		status = run_command(&t, cmd, argc - optind, argv + optind);

	seqpack_registry_unref(t.reg);
	/* Anything still buffered must reach its reader, or the exit status
	 * must say it did not. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (status == EXIT_OK) {
			tool_error(NULL, "write error on standard output");
			status = EXIT_IO;
		}
	}
	return status;
}
