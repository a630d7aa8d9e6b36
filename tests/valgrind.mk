# make check-valgrind: the check programs (unit, property and daemon
# tests) again under valgrind's memcheck, through the automake test driver
# with LOG_COMPILER set, so each test keeps its .log/.trs and the summary
# goes to tests/test-suite-valgrind.log.  A test fails on any memcheck
# error and on any definite leak (--error-exitcode), in the test process,
# in every child check(1) forks, in every seqpackd the daemon tests start
# ($SEQPACKD is tests/valgrind-seqpackd, which execs the daemon under the
# same valgrind) and in the packer processes it spawns (--trace-children).
#
# Not run under memcheck:
#  - the shell tests (tests/cli/*.sh, scripts/check-*): they start bash,
#    awk and cc more than our code, whose library and plugins the check
#    programs cover;
#  - the seqpack tool that test-daemon-cli runs dozens of times (skipped
#    by --trace-children-skip): with it traced, that test alone took
#    354 s under load 6.  The tool runs under ASan in CI, and by hand
#    under valgrind as HACKING.md shows.
#
# VALGRIND_SCALE is $SEQPACK_TEST_SCALE for the run (loop counts and input
# sizes of the property, exact-solver, family, crash-loop and allocation
# tests; every test keeps its smallest case), chosen so the whole run fits
# CI (docs/reliability.md has the time).  The check(1) timeouts are
# stretched by CK_TIMEOUT_MULTIPLIER; they are guards against hangs, not
# timing checks.
VALGRIND = valgrind
VALGRIND_SCALE = 0.1
VALGRIND_TIMEOUT_MULTIPLIER = 10
# Passed in $VALGRIND_OPTS, which every valgrind reads (the one
# LOG_COMPILER starts), and written into tests/valgrind-seqpackd.
# somalloc=nouserintercepts: memcheck replaces only libc's allocator, not
# the malloc that tests/test-alloc-fail and tests/failalloc define to
# fail allocations (they forward to libc's, which memcheck does replace;
# without it the test's interposer check fails, 1 allocation counted).
VALGRIND_FLAGS = -q --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=97 --num-callers=30 \
	--soname-synonyms=somalloc=nouserintercepts \
	--suppressions=$(abs_top_srcdir)/tests/valgrind.supp \
	--trace-children=yes \
	--trace-children-skip=*/valgrind-seqpackd,*/systemd-socket-activate,*/tools/seqpack,/bin/*,/usr/bin/*
# The check programs only (the contract scripts have no extension either,
# but are shell scripts: see above).
VALGRIND_TESTS = $(filter tests/test-%,$(TESTS))

EXTRA_DIST += tests/valgrind.supp tests/valgrind.mk
CLEANFILES += tests/valgrind-seqpackd tests/test-suite-valgrind.log

# seqpackd under memcheck, for $SEQPACKD.  Paths and flags are written in
# rather than read from the environment, which systemd-socket-activate
# clears (test-daemon-activate).  exec keeps the pid the tests signal;
# libtool finds the real binary behind the build tree's wrapper.
tests/valgrind-seqpackd: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests && { \
	echo '#!/bin/sh'; \
	echo '# Written by tests/valgrind.mk: seqpackd under memcheck.'; \
	echo 'VALGRIND_OPTS="$(VALGRIND_FLAGS)"; export VALGRIND_OPTS'; \
	echo 'exec "$(abs_top_builddir)/libtool" --mode=execute $(VALGRIND) "$(abs_top_builddir)/daemon/seqpackd" "$$@"'; \
	} >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@

check-valgrind: tests/valgrind-seqpackd
	$(MAKE) $(AM_MAKEFLAGS) check \
		TESTS='$(VALGRIND_TESTS)' \
		TEST_SUITE_LOG=tests/test-suite-valgrind.log \
		LOG_COMPILER='$(abs_top_builddir)/libtool --mode=execute $(VALGRIND)' \
		TESTS_ENVIRONMENT='VALGRIND_OPTS="$(VALGRIND_FLAGS)"; SEQPACKD=$(abs_top_builddir)/tests/valgrind-seqpackd; SEQPACK_TEST_SCALE=$$$${SEQPACK_TEST_SCALE:-$(VALGRIND_SCALE)}; CK_TIMEOUT_MULTIPLIER=$(VALGRIND_TIMEOUT_MULTIPLIER); export VALGRIND_OPTS SEQPACKD SEQPACK_TEST_SCALE CK_TIMEOUT_MULTIPLIER;'

.PHONY: check-valgrind
