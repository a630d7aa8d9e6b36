# seqpackd: the packing daemon.  It compiles the wire encoding
# (lib/proto.c) into itself: the library exports only seqpack_* symbols.
sbin_PROGRAMS += daemon/seqpackd
daemon_seqpackd_SOURCES = \
	daemon/main.c \
	daemon/config.c daemon/config.h \
	daemon/log.c daemon/log.h \
	daemon/sd.c daemon/sd.h \
	daemon/listen.c daemon/listen.h \
	daemon/server.c \
	daemon/pool.c \
	daemon/handle.c \
	daemon/access.c \
	daemon/stats.c daemon/stats.h \
	daemon/daemon.h \
	lib/proto.c lib/proto.h
daemon_seqpackd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib $(INIH_CFLAGS)
daemon_seqpackd_CFLAGS = $(AM_CFLAGS)
daemon_seqpackd_LDADD = lib/libseqpack.la $(INIH_LIBS) $(PTHREAD_LIBS)
if ENABLE_SYSTEMD
daemon_seqpackd_CPPFLAGS += $(SYSTEMD_CFLAGS)
daemon_seqpackd_LDADD += $(SYSTEMD_LIBS)
endif
