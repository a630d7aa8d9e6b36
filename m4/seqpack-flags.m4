# SEQPACK_CC_CHECK_FLAG_APPEND(VAR, FLAG)
# Append FLAG to VAR when the C compiler accepts it (with -Werror, so a
# flag the compiler merely warns about is not taken).
AC_DEFUN([SEQPACK_CC_CHECK_FLAG_APPEND], [
  AS_VAR_PUSHDEF([cache], [seqpack_cv_cflag_$2])
  AC_CACHE_CHECK([whether $CC accepts $2], [cache], [
    seqpack_save_CFLAGS="$CFLAGS"
    CFLAGS="$CFLAGS -Werror $2"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([cache], [yes])], [AS_VAR_SET([cache], [no])])
    CFLAGS="$seqpack_save_CFLAGS"])
  AS_VAR_IF([cache], [yes], [$1="$$1 $2"])
  AS_VAR_POPDEF([cache])
])

# SEQPACK_PTHREAD: set PTHREAD_CFLAGS and PTHREAD_LIBS (-pthread with gcc
# and clang on GNU/Linux, the only targets we build for).
AC_DEFUN([SEQPACK_PTHREAD], [
  AC_MSG_CHECKING([for POSIX threads with -pthread])
  seqpack_save_CFLAGS="$CFLAGS"; seqpack_save_LIBS="$LIBS"
  CFLAGS="$CFLAGS -pthread"; LIBS="$LIBS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>
static void *f(void *a) { return a; }]],
      [[pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0);]])],
    [AC_MSG_RESULT([yes])], [AC_MSG_ERROR([POSIX threads are required])])
  CFLAGS="$seqpack_save_CFLAGS"; LIBS="$seqpack_save_LIBS"
  AC_SUBST([PTHREAD_CFLAGS], [-pthread])
  AC_SUBST([PTHREAD_LIBS], [-pthread])
])
