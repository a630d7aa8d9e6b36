/* The registry the daemon serves, at start and on each SIGHUP: a plugin
 * that fails to load is a warning, not a reason to stop serving the
 * others, so what was loaded is logged by name. */
#include <stdio.h>

#include "log.h"
#include "plugins.h"

static void log_diagnostics(seqpack_registry *reg)
{
	for (size_t i = 0; i < seqpack_registry_diagnostic_count(reg); i++)
		log_warn("plugins: %s", seqpack_registry_diagnostic(reg, i));
}

int plugins_open(const struct config *cfg, seqpack_registry **ret)
{
	seqpack_error err;
	const char *path = cfg->plugin_path[0] ? cfg->plugin_path : NULL;
	if (seqpack_registry_open(path, ret, &err) != SEQPACK_OK) {
		log_err("cannot load plugins: %s", err.message);
		return -1;
	}
	log_diagnostics(*ret);
	size_t n = seqpack_registry_count(*ret);
	char names[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(names) - 40; i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used,
					 "%s%s", i ? " " : "",
					 seqpack_registry_get(*ret, i)->name);
	log_info("%zu algorithms loaded: %s", n, names);
	return 0;
}
