/* The registry the daemon serves, at start and on each SIGHUP: a plugin
 * that fails to load is a warning, not a reason to stop serving the
 * others, so what was loaded is logged by name. */
#include "log.h"
#include "plugins.h"
#include "util/strbuf-internal.h"

static const char *plugin_name(const void *reg, size_t i)
{
	return seqpack_registry_get(reg, i)->name;
}

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
	char names[512];
	util_join(names, sizeof(names), " ", plugin_name, *ret, n);
	log_info("%zu algorithms loaded: %s", n, names);
	return 0;
}
