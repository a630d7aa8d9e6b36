/* See remote.h. */
#include <stdio.h>
#include <string.h>

#include "remote.h"
#include "util/names-internal.h"

seqpack_client *remote_connect(struct tool *t)
{
	seqpack_client *c = NULL;
	seqpack_error err = { 0 };
	if (seqpack_client_connect(t->socket, &c, &err) != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return NULL;
	}
	return c;
}

seqpack_algorithm_list *remote_list(struct tool *t, seqpack_client *c)
{
	seqpack_algorithm_list *l = NULL;
	seqpack_error err = { 0 };
	if (seqpack_client_list(c, &l, &err) != SEQPACK_OK) {
		tool_error(t, "%s", err.message);
		return NULL;
	}
	return l;
}

const seqpack_plugin_info *remote_find(const seqpack_algorithm_list *l,
				       const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->algorithms[i].name, name) == 0)
			return &l->algorithms[i];
	return NULL;
}

static const seqpack_plugin_info *list_at(const void *l, size_t i)
{
	return &((const seqpack_algorithm_list *)l)->algorithms[i];
}

const char *remote_algorithm_list(const seqpack_algorithm_list *l,
				  uint32_t flags, char *buf, size_t len)
{
	return util_plugin_names(buf, len, list_at, l, l->count, flags);
}

int remote_exit_for_status(int status)
{
	if (status == SEQPACK_ERR_IO || status == SEQPACK_ERR_STATE)
		return EXIT_DAEMON;
	return tool_exit_for_status(status);
}

int remote_open(struct tool *t, const char *algorithm, int streaming,
		seqpack_client **ret)
{
	seqpack_client *c = remote_connect(t);
	if (!c)
		return EXIT_DAEMON;
	seqpack_algorithm_list *l = remote_list(t, c);
	if (!l) {
		seqpack_client_close(c);
		return EXIT_DAEMON;
	}
	const seqpack_plugin_info *p = remote_find(l, algorithm);
	char list[512];
	int rc = EXIT_OK;
	if (!p) {
		tool_error(t, "unknown algorithm '%s' (available: %s)", algorithm,
			   remote_algorithm_list(l, 0, list, sizeof(list)));
		rc = EXIT_USAGE;
	} else if (streaming && !(p->flags & SEQPACK_FLAG_STREAMING)) {
		tool_error(t, "algorithm '%s' is offline and cannot stream (streaming algorithms: %s)",
			   algorithm,
			   remote_algorithm_list(l, SEQPACK_FLAG_STREAMING, list,
						 sizeof(list)));
		rc = EXIT_USAGE;
	}
	seqpack_algorithm_list_free(l);
	if (rc != EXIT_OK) {
		seqpack_client_close(c);
		return rc;
	}
	*ret = c;
	return EXIT_OK;
}
