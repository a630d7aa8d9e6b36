/* Choosing and checking the algorithm of pack and stream, in-process or
 * on the daemon (see backend.h). */
#include "backend.h"
#include "remote.h"
#include "util/cleanup-seqpack-internal.h"
#include "util/names-internal.h"

static const seqpack_plugin_info *registry_at(const void *reg, size_t i)
{
	return seqpack_registry_get(reg, i);
}

static const seqpack_plugin_info *list_at(const void *l, size_t i)
{
	return &((const seqpack_algorithm_list *)l)->algorithms[i];
}

/* p is what looking algorithm up among the count plugins of src found;
 * the lists in the messages name those plugins, never a fixed set. */
static int check_algorithm(const struct tool *t, const char *algorithm,
			   const seqpack_plugin_info *p, int streaming,
			   util_info_at_fn at, const void *src, size_t count)
{
	char list[512];
	if (!p) {
		tool_error(t, "unknown algorithm '%s' (available: %s)", algorithm,
			   util_plugin_names(list, sizeof(list), at, src, count,
					     0));
		return EXIT_USAGE;
	}
	if (streaming && !(p->flags & SEQPACK_FLAG_STREAMING)) {
		tool_error(t, "algorithm '%s' is offline and cannot stream (streaming algorithms: %s)",
			   algorithm,
			   util_plugin_names(list, sizeof(list), at, src, count,
					     SEQPACK_FLAG_STREAMING));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int open_remote(struct tool *t, const char *algorithm, int streaming,
		       seqpack_client **ret)
{
	_cleanup_client_ seqpack_client *c = remote_connect(t);
	if (!c)
		return EXIT_DAEMON;
	_cleanup_algorithm_list_ seqpack_algorithm_list *l = remote_list(t, c);
	if (!l)
		return EXIT_DAEMON;
	int rc = check_algorithm(t, algorithm, remote_find(l, algorithm),
				 streaming, list_at, l, l->count);
	if (rc == EXIT_OK)
		*ret = TAKE_PTR(c);
	return rc;
}

static int open_local(struct tool *t, const char *algorithm, int streaming,
		      seqpack_registry **ret)
{
	seqpack_registry *reg = tool_registry(t);
	if (!reg)
		return EXIT_PACK;
	const seqpack_plugin_info *p = seqpack_registry_find(reg, algorithm);
	int rc = check_algorithm(t, algorithm, p, streaming, registry_at, reg,
				 seqpack_registry_count(reg));
	/* Why a plugin is missing is in the skip diagnostics (already
	 * printed when verbose). */
	if (!p && !t->verbose)
		tool_print_diagnostics(reg);
	if (rc == EXIT_OK)
		*ret = reg;
	return rc;
}

int backend_open(struct tool *t, const char *algorithm, int streaming,
		 struct backend *b)
{
	b->reg = NULL;
	b->cl = NULL;
	if (t->socket)
		return open_remote(t, algorithm, streaming, &b->cl);
	return open_local(t, algorithm, streaming, &b->reg);
}

void backend_close(struct backend *b)
{
	seqpack_client_close(b->cl);
	b->cl = NULL;
}

int backend_exit_for_status(const struct backend *b, int status)
{
	return b->cl ? remote_exit_for_status(status)
		     : tool_exit_for_status(status);
}

int backend_open_for(struct tool *t, const struct param_opts *po,
		     int argc, char **argv, int streaming, const char **file,
		     struct backend *b)
{
	if (param_opts_finish(t, po, argc, argv, file))
		return EXIT_USAGE;
	return backend_open(t, po->algorithm, streaming, b);
}
