/* Text into fixed-size buffers (see strbuf-internal.h). */
#include <stdarg.h>
#include <stdio.h>

#include "util/strbuf-internal.h"

int util_bufcat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	if (*used >= len)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *used) {
		buf[*used] = '\0';
		return -1;
	}
	*used += (size_t)w;
	return 0;
}

size_t util_join(char *buf, size_t len, const char *sep,
		 util_name_at_fn name_at, const void *src, size_t count)
{
	size_t used = 0, written = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		const char *name = name_at(src, i);
		if (!name)
			continue;
		if (util_bufcat(buf, len, &used, "%s%s", written ? sep : "",
				name) != 0)
			break;
		written++;
	}
	return written;
}
