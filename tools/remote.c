/* See remote.h. */
#include <string.h>

#include "remote.h"

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

int remote_exit_for_status(int status)
{
	if (status == SEQPACK_ERR_IO || status == SEQPACK_ERR_STATE)
		return EXIT_DAEMON;
	return tool_exit_for_status(status);
}
