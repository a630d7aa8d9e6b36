/* Text built into fixed-size buffers (error messages, name lists), where
 * running out of room must truncate at a whole item, never overflow.
 * Private. */
#ifndef SEQPACK_UTIL_STRBUF_INTERNAL_H
#define SEQPACK_UTIL_STRBUF_INTERNAL_H

#include <stddef.h>

/* Append printf-formatted text at buf + *used (len bytes in all).  On
 * success advance *used and return 0; when the text does not fit, leave
 * buf and *used as they were (the earlier text stays terminated) and
 * return -1.  buf must hold a string of *used bytes on entry. */
int util_bufcat(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), visibility("hidden")));

/* Returns the name of item i of src, or NULL to leave it out. */
typedef const char *(*util_name_at_fn)(const void *src, size_t i);

/* Join the names of items 0 .. count-1 of src, separated by sep, into buf
 * (len >= 1).  Names that no longer fit are left out whole.  Returns how
 * many names were written; buf is "" when none were. */
size_t util_join(char *buf, size_t len, const char *sep,
		 util_name_at_fn name_at, const void *src, size_t count)
	__attribute__((visibility("hidden")));

#endif
