# seqpack: the command-line front end.  A subcommand is one cmd-NAME.c
# file here plus one line in the table of tools/seqpack.c.
bin_PROGRAMS += tools/seqpack
tools_seqpack_SOURCES = \
	tools/seqpack.c \
	tools/tool.h \
	tools/args.c \
	tools/input.c \
	tools/input.h \
	tools/output.c \
	tools/output.h \
	tools/output-varlen.c \
	tools/output-varlen.h \
	tools/output-npy.c \
	tools/param-opts.c \
	tools/param-opts.h \
	tools/progress.c \
	tools/progress.h \
	tools/cmd-pack.c \
	tools/cmd-plan.c \
	tools/cmd-stream.c \
	tools/cmd-algorithms.c \
	tools/cmd-stats.c \
	tools/remote.c \
	tools/remote.h \
	tools/backend.c \
	tools/backend.h
tools_seqpack_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tools_seqpack_LDADD = lib/libseqpack.la util/libutil.la $(JSONC_LIBS)
include $(srcdir)/tools/bench.mk
