# libseqpack: the core library (depends on libltdl and pthreads only).
pkginclude_HEADERS += include/seqpack/seqpack.h include/seqpack/plugin.h
# Step plans (include/seqpack/plan.h, lib/plan*.c); the seeded generator
# is the plugins' one, compiled in (one copy of its source).
pkginclude_HEADERS += include/seqpack/plan.h

lib_LTLIBRARIES += lib/libseqpack.la
lib_libseqpack_la_SOURCES = \
	lib/error.c \
	lib/params.c \
	lib/result.c \
	lib/verify.c \
	lib/varlen.c \
	lib/registry.c \
	lib/registry-internal.h \
	lib/pack.c \
	lib/stream.c \
	lib/plan.c \
	lib/plan-balance.c \
	lib/plan-file.c \
	lib/plan-internal.h \
	lib/plan-remainder.c \
	lib/plan-sort.c \
	plugins/common/rng.c \
	plugins/common/rng.h \
	lib/util-internal.h
lib_libseqpack_la_CPPFLAGS = $(AM_CPPFLAGS) $(LTDLINCL)
lib_libseqpack_la_LIBADD = util/libutil.la $(LIBLTDL) $(PTHREAD_LIBS)
lib_libseqpack_la_LDFLAGS = $(AM_LDFLAGS) \
	-version-info $(SEQPACK_LT_CURRENT):$(SEQPACK_LT_REVISION):$(SEQPACK_LT_AGE) \
	-Wl,--version-script=$(srcdir)/lib/libseqpack.sym
lib_libseqpack_la_DEPENDENCIES = util/libutil.la $(srcdir)/lib/libseqpack.sym
EXTRA_DIST += lib/libseqpack.sym

include $(srcdir)/lib/client.mk
