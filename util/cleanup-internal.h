/* Cleanup by scope, for the daemon, the tools and the library: a variable
 * declared with _cleanup_(fn) has fn(&var) run whenever it goes out of
 * scope, so every early return releases what was acquired so far, and a
 * function that hands an object on says so with TAKE_PTR()/TAKE_FD().
 * The GCC/Clang `cleanup` attribute, as systemd uses it.  Private: not
 * installed, not part of any ABI. */
#ifndef SEQPACK_UTIL_CLEANUP_INTERNAL_H
#define SEQPACK_UTIL_CLEANUP_INTERNAL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))

/* Define fn##p(type *p) that calls fn(*p) when *p is not NULL, for use as
 * _cleanup_(fn##p). */
#define UTIL_DEFINE_CLEANUP(type, fn)                                   \
	static inline void fn##p(type *p)                              \
	{                                                              \
		if (*p)                                                \
			fn(*p);                                        \
	}

static inline void util_freep(void *p)
{
	free(*(void **)p);
}

/* Close *fd when it is a descriptor; errno survives, so that a cleanup
 * on an error path does not overwrite the error being reported. */
static inline void util_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void util_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

#define _cleanup_free_ _cleanup_(util_freep)
#define _cleanup_close_ _cleanup_(util_closep)
#define _cleanup_fclose_ _cleanup_(util_fclosep)

/* Hand the value on and leave the variable empty, so its cleanup does
 * nothing: `*ret = TAKE_PTR(obj); return 0;`. */
#define TAKE_PTR(p)                                                     \
	({                                                             \
		__typeof__(p) take_ptr_ = (p);                         \
		(p) = NULL;                                            \
		take_ptr_;                                             \
	})
#define TAKE_FD(fd)                                                     \
	({                                                             \
		int take_fd_ = (fd);                                   \
		(fd) = -1;                                             \
		take_fd_;                                              \
	})

#endif
