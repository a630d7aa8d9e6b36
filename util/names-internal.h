/* Lists of algorithm names for messages ("available: nf, ff, ..."), built
 * from the plugins' own descriptions, so that a message never names a
 * fixed set of plugins.  Used by the core (registry), the CLI (local and
 * daemon lists) and the daemon.  Private. */
#ifndef SEQPACK_UTIL_NAMES_INTERNAL_H
#define SEQPACK_UTIL_NAMES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

/* Returns the description of plugin i of src. */
typedef const seqpack_plugin_info *(*util_info_at_fn)(const void *src,
						       size_t i);

/* Join into buf, separated by ", ", the names of those of the count
 * plugins of src that have every flag in flags (0: all of them); "none
 * loaded" when there are none.  Names that do not fit are left out
 * whole.  Returns buf. */
const char *util_plugin_names(char *buf, size_t len, util_info_at_fn at,
			      const void *src, size_t count, uint32_t flags)
	__attribute__((visibility("hidden")));

#endif
