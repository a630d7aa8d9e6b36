/* The registry's insides, shared by registry.c, pack.c and stream.c. */
#ifndef SEQPACK_REGISTRY_INTERNAL_H
#define SEQPACK_REGISTRY_INTERNAL_H

#include <ltdl.h>
#include <stdatomic.h>

#include <seqpack/plugin.h>

struct plugin_entry {
	seqpack_plugin_info info; /* strings point into desc and path */
	const seqpack_plugin *desc;
	lt_dlhandle handle;
	char *path;
};

struct seqpack_registry {
	atomic_uint refs;
	struct plugin_entry *plugins;
	size_t count, cap;
	char **diags;
	size_t ndiags, diagcap;
};

/* The status a caller sees for a plugin's failure: the plugin's own when
 * it is one the ABI defines, else SEQPACK_ERR_PLUGIN (a plugin must not
 * turn a failure into success or into a status no caller knows). */
static inline int plugin_status(int rc)
{
	return rc <= SEQPACK_OK || rc >= SEQPACK_STATUS_COUNT_
		       ? SEQPACK_ERR_PLUGIN
		       : rc;
}

/* The entry called name, or NULL. */
const struct plugin_entry *registry_lookup(const seqpack_registry *reg,
					   const char *name)
	__attribute__((visibility("hidden")));

/* The names of the loaded plugins that have every flag in flags, joined
 * with ", " ("none loaded" when none); returns buf. */
const char *registry_names(const seqpack_registry *reg, uint32_t flags,
			   char *buf, size_t len)
	__attribute__((visibility("hidden")));

/* Fill err with "unknown algorithm 'x' (available: a, b, c)". */
int registry_not_found(const seqpack_registry *reg, const char *name,
		       seqpack_error *err)
	__attribute__((visibility("hidden")));

#endif
