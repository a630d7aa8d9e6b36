/* seqpack algorithms: list the loaded plugins. */
#include <stdio.h>

#include "output.h"
#include "remote.h"
#include "tool.h"
#include "util/cleanup-seqpack-internal.h"

/* The plugins to list: the local registry, or the daemon's list. */
struct source {
	const seqpack_registry *reg;
	const seqpack_algorithm_list *list;
};

static size_t src_count(const struct source *s)
{
	return s->list ? s->list->count : seqpack_registry_count(s->reg);
}

static const seqpack_plugin_info *src_get(const struct source *s, size_t i)
{
	return s->list ? &s->list->algorithms[i] : seqpack_registry_get(s->reg, i);
}

static void usage(void)
{
	printf("Usage: seqpack algorithms [OPTION]...\n"
	       "List the packing algorithms (plugins) that are loaded: name, title,\n"
	       "flags (offline, online, streaming, parallel, randomised) and description.\n"
	       "Plugins that could not be loaded are reported as warnings on stderr.\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json             print one JSON object instead of text\n"
	       "      --socket PATH      list the algorithms of the seqpackd daemon at\n"
	       "                         PATH\n"
	       TOOL_COMMON_HELP
	       "\n"
	       "Plugins are searched in $SEQPACK_PLUGIN_PATH, then in\n"
	       "%s.\n",
	       seqpack_registry_default_dir());
}

static void list_json(struct sbuf *sb, const struct source *src, int paths)
{
	size_t n = src_count(src);
	sb_puts(sb, "{\"algorithms\":[");
	for (size_t i = 0; i < n; i++) {
		const seqpack_plugin_info *p = src_get(src, i);
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
	size_t nd = src->reg ? seqpack_registry_diagnostic_count(src->reg) : 0;
	for (size_t i = 0; i < nd; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_json_string(sb, seqpack_registry_diagnostic(src->reg, i));
	}
	sb_puts(sb, "]}\n");
}

static void list_text(struct sbuf *sb, const struct source *src, int paths)
{
	size_t n = src_count(src);
	for (size_t i = 0; i < n; i++) {
		const seqpack_plugin_info *p = src_get(src, i);
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
		TOOL_SOCKET_LONGOPT,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c, status = EXIT_OK;
	while ((c = tool_next_option(t, argc, argv, TOOL_COMMON_SHORTOPTS "j",
				     longopts, usage, &status)) >= 0) {
		if (c == 'j')
			json = 1;
		else
			return tool_usage_error(t, "unhandled option");
	}
	if (c == TOOL_OPT_STOP)
		return status;
	if (optind < argc)
		return tool_usage_error(t, "unexpected operand '%s'", argv[optind]);

	/* Listing plugins is how one finds out why one is missing: always
	 * show the skipped ones here, verbose or not. */
	int verbose = t->verbose;
	struct source src = { NULL, NULL };
	_cleanup_algorithm_list_ seqpack_algorithm_list *list = NULL;
	if (t->socket) {
		_cleanup_client_ seqpack_client *cl = remote_connect(t);
		if (cl)
			list = remote_list(t, cl);
		if (!list)
			return EXIT_DAEMON;
		src.list = list;
	} else {
		t->verbose = 0;
		seqpack_registry *reg = tool_registry(t);
		t->verbose = verbose;
		if (!reg)
			return EXIT_PACK;
		tool_print_diagnostics(reg);
		src.reg = reg;
	}

	_cleanup_(sb_free) struct sbuf sb = { 0 };
	if (json)
		list_json(&sb, &src, verbose);
	else
		list_text(&sb, &src, verbose);
	return output_write(t, &sb);
}

const struct command cmd_algorithms = {
	.name = "algorithms",
	.summary = "list the packing algorithms (plugins) that are loaded",
	.run = run,
};
