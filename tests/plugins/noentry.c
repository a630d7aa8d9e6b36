/* Test plugin: a loadable module that lacks the entry point, as a shared
 * library dropped into the plugin directory by mistake would. */
#include <seqpack/plugin.h>

SEQPACK_PLUGIN_EXPORT int noentry_LTX_something_else(void);
SEQPACK_PLUGIN_EXPORT int noentry_LTX_something_else(void)
{
	return 42;
}
