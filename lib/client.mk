# The seqpackd client API and the wire encoding it shares with the daemon.
pkginclude_HEADERS += include/seqpack/client.h
lib_libseqpack_la_SOURCES += \
	lib/client-state.h \
	lib/client.c \
	lib/client-io.c lib/client-io.h \
	lib/client-query.c \
	lib/client-check.c lib/client-check.h \
	lib/client-pack.c lib/client-pack.h \
	lib/client-retry.c lib/client-retry.h \
	lib/client-shm.c lib/client-shm.h \
	lib/client-stream.c lib/client-stream.h \
	lib/proto.c \
	lib/proto.h
