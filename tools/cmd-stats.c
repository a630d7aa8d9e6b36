/* seqpack stats: print the daemon's statistics (STATS request). */
#include <stdio.h>
#include <string.h>

#include <seqpack/client.h>

#include "output.h"
#include "tool.h"
#include "util/cleanup-seqpack-internal.h"

UTIL_DEFINE_CLEANUP(seqpack_daemon_stats *, seqpack_daemon_stats_free)

static void usage(void)
{
	printf("Usage: seqpack stats [OPTION]...\n"
	       "Print the statistics of the seqpackd daemon: uptime, connections,\n"
	       "requests and errors per request type and per algorithm, bytes in and\n"
	       "out, latency percentiles (names in docs/protocol.md).\n"
	       "\n"
	       "Options:\n"
	       "      --socket PATH      the daemon's socket (default $SEQPACK_SOCKET,\n"
	       "                         else %s)\n"
	       "  -o, --output FORMAT    json (default: one object, counters in the\n"
	       "                         daemon's order) or text (NAME VALUE lines)\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "Exit status: 0 ok, 2 bad command line, 3 write error, 5 cannot talk\n"
	       "to the daemon.\n",
	       SEQPACK_DEFAULT_SOCKET);
}

static void format(struct sbuf *sb, const seqpack_daemon_stats *s, int json)
{
	if (json)
		sb_putc(sb, '{');
	for (size_t i = 0; i < s->count; i++) {
		if (json) {
			if (i)
				sb_putc(sb, ',');
			sb_json_string(sb, s->stats[i].name);
			sb_putc(sb, ':');
			sb_u64(sb, s->stats[i].value);
		} else {
			sb_printf(sb, "%-28s %llu\n", s->stats[i].name,
				  (unsigned long long)s->stats[i].value);
		}
	}
	if (json)
		sb_puts(sb, "}\n");
}

static int run(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		TOOL_SOCKET_LONGOPT,
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 1, c, status = EXIT_OK;
	while ((c = tool_next_option(t, argc, argv, TOOL_COMMON_SHORTOPTS "o:",
				     longopts, usage, &status)) >= 0) {
		if (c == 'o' && strcmp(optarg, "json") == 0)
			json = 1;
		else if (c == 'o' && strcmp(optarg, "text") == 0)
			json = 0;
		else if (c == 'o')
			return tool_usage_error(t, "--output: '%s' is not json or text",
						optarg);
		else
			return tool_usage_error(t, "unhandled option");
	}
	if (c == TOOL_OPT_STOP)
		return status;
	if (optind < argc)
		return tool_usage_error(t, "unexpected operand '%s'", argv[optind]);

	_cleanup_client_ seqpack_client *cl = NULL;
	_cleanup_(seqpack_daemon_stats_freep) seqpack_daemon_stats *s = NULL;
	seqpack_error err = { 0 };
	int rc = seqpack_client_connect(t->socket, &cl, &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stats(cl, &s, &err);
	if (rc != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return EXIT_DAEMON;
	}
	_cleanup_(sb_free) struct sbuf sb = { 0 };
	format(&sb, s, json);
	return output_write(t, &sb);
}

const struct command cmd_stats = {
	.name = "stats",
	.summary = "print the statistics of the seqpackd daemon",
	.run = run,
};
