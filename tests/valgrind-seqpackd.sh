#!/bin/sh
# $SEQPACKD for make check-valgrind (tests/valgrind.mk): seqpackd under
# memcheck with the run's $VALGRIND_OPTS.  exec keeps the pid the tests
# signal; libtool finds the real binary behind the build tree's wrapper.
exec "$abs_top_builddir/libtool" --mode=execute "${VALGRIND:-valgrind}" \
	"$abs_top_builddir/daemon/seqpackd" "$@"
