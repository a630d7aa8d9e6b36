/* Lists of algorithm names (see names-internal.h). */
#include <stdio.h>

#include "util/names-internal.h"
#include "util/strbuf-internal.h"

struct filtered {
	util_info_at_fn at;
	const void *src;
	uint32_t flags;
};

static const char *name_if_flags(const void *arg, size_t i)
{
	const struct filtered *f = arg;
	const seqpack_plugin_info *p = f->at(f->src, i);
	return (p->flags & f->flags) == f->flags ? p->name : NULL;
}

const char *util_plugin_names(char *buf, size_t len, util_info_at_fn at,
			      const void *src, size_t count, uint32_t flags)
{
	struct filtered f = {at, src, flags};
	if (util_join(buf, len, ", ", name_if_flags, &f, count) == 0)
		snprintf(buf, len, "none loaded");
	return buf;
}
