# The seqpackd client API and the wire encoding it shares with the daemon.
pkginclude_HEADERS += include/seqpack/client.h
lib_libseqpack_la_SOURCES += \
	lib/client-internal.h \
	lib/client.c \
	lib/client-io.c \
	lib/client-query.c \
	lib/client-check.c \
	lib/client-pack.c \
	lib/client-shm.c \
	lib/client-stream.c \
	lib/proto.c \
	lib/proto.h
