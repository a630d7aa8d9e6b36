/* seqpack algorithms: list the loaded plugins. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "tool.h"

enum { OPT_JSON = OPT_LOCAL };

static void usage(void)
{
	printf("Usage: seqpack algorithms [OPTION]...\n"
	       "List the packing algorithms (plugins) that are loaded: name, title,\n"
	       "flags (offline, online, streaming, parallel, randomised) and description.\n"
	       "Plugins that could not be loaded are reported as warnings on stderr.\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json             print one JSON object instead of text\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "Plugins are searched in $SEQPACK_PLUGIN_PATH, then in\n"
	       "%s.\n",
	       seqpack_registry_default_dir());
}

static void list_json(struct sbuf *sb, const seqpack_registry *reg, int paths)
{
	size_t n = seqpack_registry_count(reg);
	sb_puts(sb, "{\"algorithms\":[");
	for (size_t i = 0; i < n; i++) {
		const seqpack_plugin_info *p = seqpack_registry_get(reg, i);
		char flags[128];
		tool_flag_names(p->flags, "\",\"", flags, sizeof(flags));
		if (i)
			sb_putc(sb, ',');
		sb_puts(sb, "{\"name\":");
		sb_json_string(sb, p->name);
		sb_puts(sb, ",\"title\":");
		sb_json_string(sb, p->title);
		sb_puts(sb, ",\"flags\":[");
		if (flags[0]) {
			sb_putc(sb, '"');
			sb_puts(sb, flags);
			sb_putc(sb, '"');
		}
		sb_puts(sb, "],\"description\":");
		sb_json_string(sb, p->description);
		if (paths) {
			sb_puts(sb, ",\"path\":");
			sb_json_string(sb, p->path);
		}
		sb_putc(sb, '}');
	}
	sb_puts(sb, "],\"skipped\":[");
	size_t nd = seqpack_registry_diagnostic_count(reg);
	for (size_t i = 0; i < nd; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_json_string(sb, seqpack_registry_diagnostic(reg, i));
	}
	sb_puts(sb, "]}\n");
}

static void list_text(struct sbuf *sb, const seqpack_registry *reg, int paths)
{
	size_t n = seqpack_registry_count(reg);
	for (size_t i = 0; i < n; i++) {
		const seqpack_plugin_info *p = seqpack_registry_get(reg, i);
		char flags[128];
		tool_flag_names(p->flags, ", ", flags, sizeof(flags));
		sb_printf(sb, "%-6s %s\n", p->name, p->title);
		sb_printf(sb, "       flags: %s\n", flags[0] ? flags : "none");
		sb_printf(sb, "       %s\n", p->description);
		if (paths)
			sb_printf(sb, "       path: %s\n", p->path);
	}
}

static int run(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;
	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS "j",
				longopts, NULL)) != -1) {
		int stop = 0, status = 0;
		if (tool_common_option(t, c, optarg, usage, &stop, &status)) {
			if (stop)
				return status;
			continue;
		}
		if (c == 'j')
			json = 1;
		else
			return tool_usage_error(t, "unhandled option");
	}
	if (optind < argc)
		return tool_usage_error(t, "unexpected operand '%s'", argv[optind]);

	/* Listing plugins is how one finds out why one is missing: always
	 * show the skipped ones here, verbose or not. */
	int verbose = t->verbose;
	t->verbose = 0;
	seqpack_registry *reg = tool_registry(t);
	t->verbose = verbose;
	if (!reg)
		return EXIT_PACK;
	tool_print_diagnostics(reg);

	struct sbuf sb;
	sb_init(&sb);
	if (json)
		list_json(&sb, reg, verbose);
	else
		list_text(&sb, reg, verbose);
	int rc = EXIT_OK;
	if (sb_failed(&sb)) {
		tool_error(t, "out of memory");
		rc = EXIT_PACK;
	} else if (sb_write(&sb, stdout)) {
		tool_error(t, "write error: %s", strerror(errno));
		rc = EXIT_IO;
	}
	sb_free(&sb);
	return rc;
}

const struct command cmd_algorithms = {
	.name = "algorithms",
	.summary = "list the packing algorithms (plugins) that are loaded",
	.run = run,
};
