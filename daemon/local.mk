# seqpackd: the packing daemon.  It compiles the wire encoding
# (lib/proto.c) into itself: the library exports only seqpack_* symbols.
sbin_PROGRAMS += daemon/seqpackd
daemon_seqpackd_SOURCES = \
	daemon/main.c \
	daemon/config.c daemon/config.h \
	daemon/log.c daemon/log.h \
	daemon/sd.c daemon/sd.h \
	daemon/listen.c daemon/listen.h \
	daemon/fdlimit.c daemon/fdlimit.h \
	daemon/hostmem.c daemon/hostmem.h \
	daemon/budget.c daemon/budget.h \
	daemon/access.c daemon/access.h \
	daemon/plugins.c daemon/plugins.h \
	daemon/server.c daemon/server.h \
	daemon/conn.c daemon/conn.h \
	daemon/read.c daemon/read.h \
	daemon/timeout.c daemon/timeout.h \
	daemon/request.h \
	daemon/dispatch.c daemon/dispatch.h \
	daemon/attach.c daemon/attach.h \
	daemon/job.c daemon/job.h \
	daemon/pool.c daemon/pool.h \
	daemon/handle.c daemon/handle.h \
	daemon/busy.c daemon/busy.h \
	daemon/reply.c daemon/reply.h \
	daemon/info.c daemon/info.h \
	daemon/pack.c daemon/pack.h \
	daemon/packer.c daemon/packer.h \
	daemon/packer-proc.c daemon/packer-proc.h \
	daemon/packer-child.c daemon/packer-child.h \
	daemon/packer-shm.h \
	daemon/streams.c daemon/streams.h \
	daemon/stream-packer.c daemon/stream-packer.h \
	daemon/stream-packer-child.c daemon/stream-packer-child.h \
	daemon/shm.c daemon/shm.h \
	daemon/stats.c daemon/stats.h \
	lib/proto.c lib/proto.h
daemon_seqpackd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib $(INIH_CFLAGS)
daemon_seqpackd_CFLAGS = $(AM_CFLAGS)
daemon_seqpackd_LDADD = lib/libseqpack.la util/libutil.la $(INIH_LIBS) $(PTHREAD_LIBS)
if ENABLE_SYSTEMD
daemon_seqpackd_CPPFLAGS += $(SYSTEMD_CFLAGS)
daemon_seqpackd_LDADD += $(SYSTEMD_LIBS)
endif

# The default configuration, and the systemd units, generated at make time
# so that ${prefix}-style paths arrive expanded.
seqpackconfdir = $(sysconfdir)/seqpack
dist_seqpackconf_DATA = daemon/seqpackd.conf

systemdsystemunit_DATA = daemon/seqpackd.service daemon/seqpackd.socket
# sysusers.d wants NAME.conf; the source is named for what it is.
sysusers_DATA = daemon/sysusers.d/seqpackd.conf
CLEANFILES += $(systemdsystemunit_DATA) $(sysusers_DATA)
EXTRA_DIST += daemon/seqpackd.service.in daemon/seqpackd.socket.in \
	daemon/seqpackd.sysusers

daemon_edit = $(SED) -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'
daemon/seqpackd.service: $(srcdir)/daemon/seqpackd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) daemon && $(daemon_edit) $(srcdir)/daemon/seqpackd.service.in > $@.tmp && mv $@.tmp $@
daemon/seqpackd.socket: $(srcdir)/daemon/seqpackd.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) daemon && $(daemon_edit) $(srcdir)/daemon/seqpackd.socket.in > $@.tmp && mv $@.tmp $@
daemon/sysusers.d/seqpackd.conf: $(srcdir)/daemon/seqpackd.sysusers
	$(AM_V_GEN)$(MKDIR_P) daemon/sysusers.d && cp $(srcdir)/daemon/seqpackd.sysusers $@

man_MANS += docs/man/seqpackd.8 docs/man/seqpackd.conf.5
EXTRA_DIST += docs/man/seqpackd.8 docs/man/seqpackd.conf.5
