# The seqpackd client API and the wire encoding it shares with the daemon.
pkginclude_HEADERS += include/seqpack/client.h
lib_libseqpack_la_SOURCES += \
	lib/client.c \
	lib/proto.c \
	lib/proto.h
