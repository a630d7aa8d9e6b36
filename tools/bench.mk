# seqpack bench (tools/cmd-bench.c and its helpers) and `make bench`, the
# standard suite that refreshes the figures of docs/performance.md.
tools_seqpack_SOURCES += \
	tools/cmd-bench.c \
	tools/bench.h \
	tools/bench-data.c \
	tools/bench-measure.c \
	tools/bench-output.c \
	tools/bench-target.c \
	tools/bench-target.h

EXTRA_DIST += scripts/bench-suite scripts/build-variants scripts/pagefault-cost.c

# The length files live outside the tree; override with
# `make bench BENCH_DATA=DIR` (DIR/synthetic, DIR/real).  BENCH_FLAGS
# passes options to scripts/bench-suite (e.g. --quick).
# (BENCH_DATA is not assigned here: Automake would take the _DATA suffix
# for a primary.)
bench_default_data = $(abs_top_srcdir)/../shared/data
BENCH_FLAGS =
BENCH_DOC = $(abs_top_srcdir)/docs/performance.md

bench: all
	$(AM_V_at)python3 $(srcdir)/scripts/bench-suite \
		--builddir '$(abs_top_builddir)' --data '$(if $(BENCH_DATA),$(BENCH_DATA),$(bench_default_data))' \
		--doc '$(BENCH_DOC)' $(BENCH_FLAGS)
.PHONY: bench

# bench-plan: step plans against shuffled, LightBinPack-style and sorted
# dealing, and the plan's time against one obfd call (docs/performance.md,
# "Step plans").  Not installed.
noinst_PROGRAMS += tools/bench-plan
tools_bench_plan_SOURCES = tools/bench-plan.c
tools_bench_plan_LDADD = lib/libseqpack.la
