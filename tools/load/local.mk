# seqpack-load: N client processes x M PACK requests against a running
# seqpackd, every answer checked against in-process packing (see
# docs/reliability.md, "Load").  Built with `make`, never installed: it
# is a test and measurement tool for this tree (it must load the same
# plugins as the daemon under test), so it needs no man page or package.
noinst_PROGRAMS += tools/load/seqpack-load
tools_load_seqpack_load_SOURCES = \
	tools/load/load.h \
	tools/load/main.c \
	tools/load/options.c \
	tools/load/workload.c \
	tools/load/worker.c \
	tools/load/compare.c \
	tools/load/daemon-proc.c \
	tools/load/collect.c \
	tools/load/report.c \
	plugins/common/rng.c \
	plugins/common/rng.h
tools_load_seqpack_load_CFLAGS = $(AM_CFLAGS)
tools_load_seqpack_load_LDADD = lib/libseqpack.la util/libutil.la -lm

# The small run of make check: 4 clients x 20 requests against a daemon
# the script starts (registered here rather than in tests/local.mk, so
# that the tool and its test come and go together).
TESTS += tests/load/small.sh
EXTRA_DIST += tests/load/small.sh
