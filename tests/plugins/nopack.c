/* Test plugin: a well-formed descriptor with no pack function. */
#include <seqpack/plugin.h>

SEQPACK_PLUGIN_DEFINE(nopack,
	.name = "nopack",
	.title = "No pack function",
	.description = "test plugin whose pack pointer is NULL",
	.flags = SEQPACK_FLAG_OFFLINE,
	.pack = NULL)
