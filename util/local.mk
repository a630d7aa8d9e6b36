# The private helper layer: a libtool convenience library compiled into
# libseqpack, every plugin, the daemon and the tools.  Its headers are
# named *-internal.h and included as "util/NAME-internal.h"; nothing here
# is installed or exported (-fvisibility=hidden).
noinst_LTLIBRARIES += util/libutil.la
util_libutil_la_SOURCES = \
	util/cleanup-internal.h \
	util/cleanup-seqpack-internal.h \
	util/clock-internal.h \
	util/names.c util/names-internal.h \
	util/hugemem.c util/hugemem-internal.h \
	util/crc32.c util/crc32-internal.h \
	util/size.c util/size-internal.h \
	util/strbuf.c util/strbuf-internal.h
